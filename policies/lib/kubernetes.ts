// Reading Kubernetes objects as policies receive them: Pulumi types, object identity, and the pod
// templates inside every object that runs pods, whatever its kind.

/* eslint-disable @typescript-eslint/no-explicit-any -- policy props are untyped JSON */

import { cloudNativePgInstancePod } from "./cloudnative-pg";

/**
 * Pod-bearing Pulumi types whose template sits where their API defines it, by kind. Objects of
 * other kinds are judged by their shape (`podTemplatesOf`).
 */
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
  // CloudNativePG runs a Cluster's PostgreSQL instances in pods of its own making.
  "kubernetes:postgresql.cnpg.io/v1:Cluster": "Cluster",
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
  /** Where the pod spec sits in the object, for messages: `spec.template.spec`. */
  readonly path: string;
  readonly metadata: any;
  readonly spec: any;
}

/**
 * Pod-bearing types found by their shape (`podTemplatesOf`), named so that the runner does not call
 * them unmodelled; any other type with a pod template is judged just the same.
 */
const wellKnownShapedTypes: readonly string[] = [
  "kubernetes:core/v1:ReplicationController",
  "kubernetes:core/v1:PodTemplate",
  "kubernetes:argoproj.io/v1alpha1:Rollout",
];

/** Where a pod template sits in objects of a kind the pack does not know: the shapes to probe. */
const podTemplateShapes: readonly (readonly string[])[] = [
  ["spec", "template"], // ReplicationController, Argo Rollout, most operators' workloads
  ["spec", "jobTemplate", "spec", "template"], // CronJob-like kinds
  ["template"], // PodTemplate
];

/**
 * The pod templates of an object. A kind of `podBearingTypes` has the one its API defines (a
 * Deployment's missing template is an empty one, judged as such). Any other Kubernetes object is
 * judged by its shape, whatever its kind (ReplicationController, Argo Rollout, operators' kinds,
 * PodTemplate, a `…Patch` type): every template whose `spec` has `containers` at one of
 * `podTemplateShapes`, and a `spec` with `containers` (a pod-shaped spec). Types the pack models
 * as podless are not probed. Keys are probed with `in`, which does not read a preview's unknown
 * values, so an unknown elsewhere is never read; an unknown on the way to a template is, and the
 * policy then can't run: an object that may run a pod is never skipped as if it ran none.
 */
export function podTemplatesOf(type: string, props: any): PodTemplate[] {
  const kind = podBearingTypes[type];
  if (kind === "Stack") return [stackWorkspacePod(props)];
  if (kind === "Cluster") return [cloudNativePgInstancePod(props)];
  if (kind === "Pod") {
    return [{ path: "spec", metadata: props?.metadata ?? {}, spec: props?.spec ?? {} }];
  }
  if (kind === "CronJob") return [templateAt(props, ["spec", "jobTemplate", "spec", "template"])];
  if (kind) return [templateAt(props, ["spec", "template"])];
  if (!type.startsWith("kubernetes:") || isPodless(type)) return [];
  const templates = podTemplateShapes
    .filter((shape) => isPodSpecAt(props, [...shape, "spec"]))
    .map((shape) => templateAt(props, shape));
  if (hasPath(props, ["spec", "containers"])) {
    templates.push({ path: "spec", metadata: props.metadata ?? {}, spec: props.spec });
  }
  return templates;
}

/** The first pod template of an object (the only one of every kind but odd custom ones). */
export function podTemplateOf(type: string, props: any): PodTemplate | undefined {
  return podTemplatesOf(type, props)[0];
}

/**
 * A type the pack models as running no pod (a Service, a Secret, …): not probed, so its spec being
 * unknown during a preview never stops a pod rule.
 */
function isPodless(type: string): boolean {
  return checkedKubernetesTypes.has(type) && !wellKnownShapedTypes.includes(type);
}

/** Does the object have a value at this path? Reads only the mappings on the way. */
function hasPath(object: any, path: readonly string[]): boolean {
  let current = object;
  for (const key of path) {
    if (current === null || typeof current !== "object" || !(key in current)) return false;
    current = current[key];
  }
  return current !== undefined && current !== null;
}

/**
 * Is there a pod spec at this path: a mapping with `containers`, or a value that is no mapping at
 * all (judged, so that pod-spec-well-formed reports it)? A mapping without containers is some
 * other template (an Argo CD ApplicationSet's holds an Application), not a pod.
 */
function isPodSpecAt(object: any, path: readonly string[]): boolean {
  if (!hasPath(object, path)) return false;
  const spec = path.reduce((value: any, key) => value[key], object);
  return typeof spec !== "object" || Array.isArray(spec) || "containers" in spec;
}

function templateAt(props: any, path: readonly string[]): PodTemplate {
  const template = path.reduce((value: any, key) => value?.[key], props);
  return {
    path: [...path, "spec"].join("."),
    metadata: template?.metadata ?? {},
    spec: template?.spec ?? {},
  };
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
  const patchContainers = listOf(patch.spec?.containers);
  const patched = patchContainers.find((c: any) => c?.name === "server") ?? {};
  return {
    path: "spec.workspaceTemplate.spec.podTemplate.spec",
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
        ...patchContainers.filter((c: any) => c?.name !== "server"),
      ],
    },
  };
}

/**
 * The elements of a JSON list; none for anything else, so a rule never crashes on a malformed
 * spec (pod-spec-well-formed reports a pod spec's list that is no list: the pod never passes).
 */
export function listOf(value: any): any[] {
  return Array.isArray(value) ? [...value] : [];
}

/** The string elements of a JSON list (none when it is no list). */
export function stringsOf(value: any): string[] {
  return listOf(value).filter((item): item is string => typeof item === "string");
}

/** A JSON mapping (an object that is no list). */
export function isMapping(value: unknown): boolean {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

export interface ContainerEntry {
  readonly container: any;
  readonly role: "container" | "initContainer" | "ephemeralContainer";
}

/** The pod spec's container lists, by role. */
export const containerFields = [
  ["containers", "container"],
  ["initContainers", "initContainer"],
  ["ephemeralContainers", "ephemeralContainer"],
] as const;

/**
 * Every container of a pod spec, init and ephemeral ones included: the mappings of each list. A
 * list that is no list, or an entry that is no mapping, gives no container here, so no rule
 * crashes on it; pod-spec-well-formed reports it, so the pod never passes.
 */
export function containersOf(podSpec: any): ContainerEntry[] {
  return containerFields.flatMap(([field, role]) =>
    listOf(podSpec?.[field])
      .filter(isMapping)
      .map((container) => ({ container, role })),
  );
}

/** `container "backend"` or `initContainer "migrate"`, for messages. */
export function describeContainer(entry: ContainerEntry): string {
  return `${entry.role} "${entry.container?.name ?? "?"}"`;
}

/** `volume "data"`, for messages. */
export function describeVolume(volume: any): string {
  return `volume "${volume?.name ?? "?"}"`;
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

/** `{app=api}`: a selector as it reads inside a message. */
export function braced(selector: any): string {
  return `{${describeSelector(selector)}}`;
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
  ...wellKnownShapedTypes,
  // Every other type listed here runs no pod, so podTemplatesOf does not probe it.
  "kubernetes:core/v1:Namespace",
  "kubernetes:core/v1:PersistentVolume",
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
