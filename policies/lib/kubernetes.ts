// Reading Kubernetes objects as policies receive them: Pulumi types, object identity, and the pod
// template inside every pod-bearing kind.

/* eslint-disable @typescript-eslint/no-explicit-any -- policy props are untyped JSON */

/** Pod-bearing Pulumi types, by kind. */
export const podBearingTypes: Readonly<Record<string, string>> = {
  "kubernetes:apps/v1:Deployment": "Deployment",
  "kubernetes:apps/v1:StatefulSet": "StatefulSet",
  "kubernetes:apps/v1:DaemonSet": "DaemonSet",
  "kubernetes:apps/v1:ReplicaSet": "ReplicaSet",
  "kubernetes:batch/v1:Job": "Job",
  "kubernetes:batch/v1:CronJob": "CronJob",
  "kubernetes:core/v1:Pod": "Pod",
  // The Pulumi Kubernetes Operator runs a Stack's workspace in a pod of its own making.
  "kubernetes:pulumi.com/v1:Stack": "Stack",
};

/** The Pulumi type of a Kubernetes object: ("apps/v1", "Deployment") → kubernetes:apps/v1:Deployment. */
export function pulumiTypeOf(apiVersion: string, kind: string): string {
  const groupVersion = apiVersion.includes("/") ? apiVersion : `core/${apiVersion}`;
  return `kubernetes:${groupVersion}:${kind}`;
}

/** "kubernetes:apps/v1:Deployment" → "Deployment"; "docker:index/container:Container" → "Container". */
export function kindOf(type: string): string {
  return type.split(":").pop() ?? type;
}

/** Who a finding is about: kind, namespace and name, as a reviewer would look them up. */
export interface ObjectRef {
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
}

export function objectRef(type: string, props: any, fallbackName: string): ObjectRef {
  const metadata = props?.metadata ?? {};
  return {
    kind: kindOf(type),
    namespace: typeof metadata.namespace === "string" ? metadata.namespace : undefined,
    name: typeof metadata.name === "string" ? metadata.name : String(props?.name ?? fallbackName),
  };
}

export function describeRef(ref: ObjectRef): string {
  return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ""}${ref.name}`;
}

export interface PodTemplate {
  readonly metadata: any;
  readonly spec: any;
}

/** The pod template of a pod-bearing object, or undefined for any other type. */
export function podTemplateOf(type: string, props: any): PodTemplate | undefined {
  const kind = podBearingTypes[type];
  if (!kind) return undefined;
  if (kind === "Pod") return { metadata: props?.metadata ?? {}, spec: props?.spec ?? {} };
  if (kind === "Stack") return stackWorkspacePod(props);
  const template =
    kind === "CronJob" ? props?.spec?.jobTemplate?.spec?.template : props?.spec?.template;
  return { metadata: template?.metadata ?? {}, spec: template?.spec ?? {} };
}

/**
 * The pod the Pulumi Kubernetes Operator (v2) runs for a Stack's workspace, as far as the Stack
 * decides it: the operator's labels, the workspace's image and resources on its `server`
 * container, and the Stack's `podTemplate` (which the operator applies as a strategic merge
 * patch) over them. So every pod rule judges the workspace like any workload.
 */
function stackWorkspacePod(props: any): PodTemplate {
  const workspace = props?.spec?.workspaceTemplate?.spec ?? {};
  const patch = workspace.podTemplate ?? {};
  const patched = (patch.spec?.containers ?? []).find((c: any) => c?.name === "server") ?? {};
  return {
    metadata: {
      ...(patch.metadata ?? {}),
      labels: {
        ...(patch.metadata?.labels ?? {}),
        "app.kubernetes.io/name": "pulumi",
        "app.kubernetes.io/component": "workspace",
        "app.kubernetes.io/instance": props?.metadata?.name,
        "app.kubernetes.io/managed-by": "pulumi-kubernetes-operator",
      },
    },
    spec: {
      ...(patch.spec ?? {}),
      serviceAccountName: props?.spec?.serviceAccountName,
      containers: [
        {
          ...patched,
          name: "server",
          image: workspace.image,
          imagePullPolicy: workspace.imagePullPolicy,
          resources: workspace.resources,
        },
        ...(patch.spec?.containers ?? []).filter((c: any) => c?.name !== "server"),
      ],
    },
  };
}

export interface ContainerEntry {
  readonly container: any;
  readonly role: "container" | "initContainer" | "ephemeralContainer";
}

/** Every container of a pod spec, init and ephemeral ones included. */
export function containersOf(podSpec: any): ContainerEntry[] {
  return [
    ...(podSpec?.containers ?? []).map((container: any) => ({ container, role: "container" })),
    ...(podSpec?.initContainers ?? []).map((container: any) => ({
      container,
      role: "initContainer",
    })),
    ...(podSpec?.ephemeralContainers ?? []).map((container: any) => ({
      container,
      role: "ephemeralContainer",
    })),
  ];
}

/** `container "backend"` or `initContainer "migrate"`, for messages. */
export function describeContainer(entry: ContainerEntry): string {
  return `${entry.role} "${entry.container?.name ?? "?"}"`;
}

/** A selector that selects everything: missing, `{}`, or no labels and no expressions. */
export function isEmptySelector(selector: any): boolean {
  return (
    Object.keys(selector?.matchLabels ?? {}).length === 0 &&
    (selector?.matchExpressions ?? []).length === 0
  );
}

/** `app=api, tier In (web, api)`, for messages. */
export function describeSelector(selector: any): string {
  const parts = Object.entries(selector?.matchLabels ?? {}).map(
    ([key, value]) => `${key}=${value}`,
  );
  for (const expression of selector?.matchExpressions ?? []) {
    const values = [...(expression.values ?? [])].map(String);
    parts.push(
      `${expression.key} ${expression.operator}${values.length ? ` (${values.join(", ")})` : ""}`,
    );
  }
  return parts.join(", ");
}

/** Does a label selector (matchLabels only, plus matchExpressions In/Exists) select these labels? */
export function selects(selector: any, labels: Record<string, string> | undefined): boolean {
  if (!selector) return false;
  const actual = labels ?? {};
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (actual[key] !== value) return false;
  }
  for (const expression of selector.matchExpressions ?? []) {
    const present = Object.prototype.hasOwnProperty.call(actual, expression.key);
    const value = actual[expression.key];
    switch (expression.operator) {
      case "In":
        if (!present || !(expression.values ?? []).includes(value)) return false;
        break;
      case "NotIn":
        if (present && (expression.values ?? []).includes(value)) return false;
        break;
      case "Exists":
        if (!present) return false;
        break;
      case "DoesNotExist":
        if (present) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** Every Kubernetes type some policy of the pack reads; manifests of other kinds are skipped. */
export const checkedKubernetesTypes: ReadonlySet<string> = new Set([
  ...Object.keys(podBearingTypes),
  "kubernetes:core/v1:Namespace",
  "kubernetes:core/v1:Service",
  "kubernetes:core/v1:ServiceAccount",
  "kubernetes:core/v1:ConfigMap",
  "kubernetes:core/v1:Secret",
  "kubernetes:core/v1:PersistentVolumeClaim",
  "kubernetes:core/v1:ResourceQuota",
  "kubernetes:core/v1:LimitRange",
  "kubernetes:networking.k8s.io/v1:Ingress",
  "kubernetes:networking.k8s.io/v1:NetworkPolicy",
  "kubernetes:policy/v1:PodDisruptionBudget",
  "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
  "kubernetes:rbac.authorization.k8s.io/v1:Role",
  "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole",
  "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
  "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
  "kubernetes:admissionregistration.k8s.io/v1:ValidatingWebhookConfiguration",
  "kubernetes:admissionregistration.k8s.io/v1:MutatingWebhookConfiguration",
  "kubernetes:core/v1:Endpoints",
  "kubernetes:discovery.k8s.io/v1:EndpointSlice",
]);
