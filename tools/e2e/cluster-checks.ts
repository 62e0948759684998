// Pure judgements of the e2e cluster phase (tests/e2e/cluster-stack.ts), kept apart from kubectl so
// that each can be tested on the JSON a real API server returns.

/** Pulumi's marker of a secret value in `pulumi stack export --show-secrets`. */
const secretSignature = "4dabf18193072939515e22adb298388d";

/** A Kubernetes object of the stack, as the program declared it and Pulumi applied it. */
export interface DeclaredObject {
  /** e.g. "kubernetes:apps/v1:Deployment". */
  readonly type: string;
  /** `kind namespace/name` for messages. */
  readonly label: string;
  /** The field manager Pulumi's server-side apply used for this object. */
  readonly fieldManager: string;
  /** Kept by `pulumi destroy` (`retainOnDelete`: an operator's CRDs, which outlive the stack). */
  readonly retainedOnDelete: boolean;
  /** The manifest Pulumi applied (its inputs), secrets in plain text. */
  readonly manifest: KubernetesObject;
}

export interface KubernetesObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly uid?: string;
    /** Set once the object is being deleted (a pod shutting down). */
    readonly deletionTimestamp?: string;
    readonly labels?: Record<string, string>;
    readonly annotations?: Record<string, string>;
    readonly managedFields?: readonly { manager?: string; operation?: string }[];
    readonly ownerReferences?: readonly { kind: string; name: string }[];
  };
  readonly spec?: ObjectSpec;
  readonly status?: ObjectStatus;
  readonly [key: string]: unknown;
}

/** The fields of the specs of Deployments, StatefulSets, ReplicaSets and HPAs read here. */
export interface ObjectSpec {
  readonly replicas?: number;
  readonly minReplicas?: number;
  readonly scaleTargetRef?: { readonly kind: string; readonly name: string };
  readonly template?: { readonly spec: PodSpec };
  readonly [key: string]: unknown;
}

export interface PodSpec {
  readonly containers: readonly { image?: string; securityContext?: object }[];
  readonly [key: string]: unknown;
}

/** A bare Pod, as the Pod Security probes create it. */
export interface Pod {
  readonly apiVersion: "v1";
  readonly kind: "Pod";
  readonly metadata: KubernetesObject["metadata"];
  readonly spec: PodSpec;
}

export interface ObjectStatus {
  readonly replicas?: number;
  readonly conditions?: readonly { type: string; status: string; message?: string }[];
  readonly [key: string]: unknown;
}

function revealSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(revealSecrets);
  if (typeof value !== "object" || value === null) return value;
  const record = value as Record<string, unknown>;
  if (secretSignature in record) return revealSecrets(JSON.parse(String(record.plaintext)));
  return Object.fromEntries(
    Object.entries(record).map(([key, item]) => [key, revealSecrets(item)]),
  );
}

/** The Kubernetes objects of a stack, from `pulumi stack export --show-secrets`. */
export function declaredObjects(exported: string): DeclaredObject[] {
  const state = JSON.parse(exported) as {
    deployment: {
      resources?: {
        type: string;
        inputs?: unknown;
        outputs?: { __fieldManager?: string };
        retainOnDelete?: boolean;
      }[];
    };
  };
  return (state.deployment.resources ?? [])
    .filter((resource) => resource.type.startsWith("kubernetes:"))
    .map((resource) => {
      const manifest = revealSecrets(resource.inputs) as KubernetesObject;
      const { namespace, name } = manifest.metadata;
      return {
        type: resource.type,
        label: `${manifest.kind} ${namespace ? `${namespace}/` : ""}${name}`,
        fieldManager: resource.outputs?.__fieldManager ?? "",
        retainedOnDelete: resource.retainOnDelete === true,
        manifest,
      };
    });
}

/** Why a live object is not Pulumi's server-side apply: undefined when it is. */
export function notServerSideApplied(
  declared: DeclaredObject,
  live: KubernetesObject,
): string | undefined {
  if (declared.fieldManager === "") return `${declared.label}: no field manager in the state`;
  const entries = live.metadata.managedFields ?? [];
  const applied = entries.some(
    (entry) => entry.manager === declared.fieldManager && entry.operation === "Apply",
  );
  if (applied) return undefined;
  const seen = entries.map((entry) => `${entry.manager} (${entry.operation})`).join(", ");
  return `${declared.label}: not applied server-side by ${declared.fieldManager}; managers: ${seen || "none"}`;
}

interface ListOf<T> {
  readonly items: readonly T[];
}

/**
 * The controllers that have not created the pods they should have. Deployments: as many as
 * their replicas, and at least the minimum of an autoscaler that targets them (the HPA controller
 * raises a Deployment to its minimum even without metrics). StatefulSets: the first pod, since
 * "OrderedReady" creates the next only once it is Ready, which needs a kubelet.
 */
export function controllerShortfalls(
  deployments: ListOf<KubernetesObject>,
  statefulSets: ListOf<KubernetesObject>,
  autoscalers: ListOf<KubernetesObject>,
): string[] {
  const shortfalls: string[] = [];
  for (const deployment of deployments.items) {
    const name = deployment.metadata.name;
    const wanted: number = deployment.spec?.replicas ?? 1;
    const created: number = deployment.status?.replicas ?? 0;
    const autoscaler = autoscalers.items.find(
      (hpa) =>
        hpa.spec?.scaleTargetRef?.kind === "Deployment" && hpa.spec.scaleTargetRef.name === name,
    );
    const minimum: number = autoscaler?.spec?.minReplicas ?? 1;
    if (wanted < minimum) {
      shortfalls.push(
        `Deployment ${name}: ${wanted} replicas, its autoscaler's minimum is ${minimum}`,
      );
    } else if (created < wanted) {
      shortfalls.push(`Deployment ${name}: ${created} of ${wanted} pods created`);
    }
  }
  for (const statefulSet of statefulSets.items) {
    const created: number = statefulSet.status?.replicas ?? 0;
    if (created < 1) shortfalls.push(`StatefulSet ${statefulSet.metadata.name}: no pod created`);
  }
  return shortfalls;
}

interface Event {
  readonly reason?: string;
  readonly message?: string;
  readonly involvedObject?: { kind?: string; name?: string };
}

/** Every refusal to create a pod (Pod Security, quota, LimitRange), one line each. */
export function refusedPods(
  events: ListOf<Event>,
  replicaSets: ListOf<KubernetesObject>,
): string[] {
  const refusals = events.items
    .filter((event) => event.reason === "FailedCreate")
    .map(
      (event) =>
        `${event.involvedObject?.kind} ${event.involvedObject?.name}: ${event.message ?? ""}`,
    );
  for (const replicaSet of replicaSets.items) {
    for (const condition of replicaSet.status?.conditions ?? []) {
      if (condition.type === "ReplicaFailure" && condition.status === "True") {
        refusals.push(`ReplicaSet ${replicaSet.metadata.name}: ${condition.message}`);
      }
    }
  }
  return [...new Set(refusals)];
}

/** The Jobs (by name) that have no pod yet: the Job controller labels each pod `job-name`. */
export function jobsWithoutPods(
  jobNames: readonly string[],
  pods: ListOf<KubernetesObject>,
): string[] {
  const withPods = new Set(pods.items.map((pod) => pod.metadata.labels?.["job-name"]));
  return jobNames.filter((job) => !withPods.has(job)).map((job) => `Job ${job} created no pod`);
}

/**
 * A bare Pod built from a controller's pod template (labels dropped, so that no Service,
 * PodDisruptionBudget or controller selects it), and the same pod made privileged and root: Pod
 * Security "restricted" must admit the first and refuse the second.
 */
export function podSecurityProbes(
  template: { spec: PodSpec },
  namespace: string,
): { compliant: Pod; privileged: Pod } {
  const pod = (name: string, spec: PodSpec): Pod => ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace },
    spec,
  });
  const spec = structuredClone(template.spec);
  const [first, ...others] = template.spec.containers;
  const privileged: PodSpec = {
    ...structuredClone(template.spec),
    containers: [
      {
        ...structuredClone(first),
        securityContext: {
          ...first.securityContext,
          privileged: true,
          allowPrivilegeEscalation: true,
          runAsNonRoot: false,
          runAsUser: 0,
        },
      },
      ...structuredClone(others),
    ],
  };
  return {
    compliant: pod("e2e-pod-security-compliant", spec),
    privileged: pod("e2e-pod-security-privileged", privileged),
  };
}

/**
 * The rules of `kubectl auth can-i --list` as one normalised line each, sorted: the table's
 * header dropped, runs of spaces collapsed, duplicates (the API lists some twice) removed.
 */
export function rulesOf(canIList: string): string[] {
  const lines = canIList
    .split("\n")
    .map((line) => line.trim().replace(/\s+/g, " "))
    .filter((line) => line !== "" && !line.startsWith("Resources "));
  return [...new Set(lines)].sort();
}

/** Rules one identity has that the baseline (any authenticated identity) does not. */
export function rightsBeyond(baseline: readonly string[], rules: readonly string[]): string[] {
  return rules.filter((rule) => !baseline.includes(rule));
}

/** A `can-i --list` line with the verbs in its last bracket sorted, so grants compare. */
export function normalizedRule(rule: string): string {
  return rule.replace(
    /\[([^\]]*)\]$/,
    (_, verbs: string) => `[${verbs.split(" ").sort().join(" ")}]`,
  );
}

/** A resource as can-i --list names it: `clusters.postgresql.cnpg.io/status`, `pods/exec`. */
function qualifiedResource(resource: string, group: string): string {
  const [name, subresource] = resource.split("/");
  return `${name}${group ? `.${group}` : ""}${subresource ? `/${subresource}` : ""}`;
}

interface DeclaredRule {
  readonly apiGroups?: readonly string[];
  readonly resources?: readonly string[];
  readonly resourceNames?: readonly string[];
  readonly verbs?: readonly string[];
}

/**
 * What the program's RBAC grants a ServiceAccount in a namespace, as `kubectl auth can-i --list`
 * prints it (one line per resource, `resource.group`): the rules of the Roles bound to it in that
 * namespace and of the ClusterRoles bound to it cluster-wide.
 */
export function grantedRules(
  declared: readonly DeclaredObject[],
  serviceAccount: { readonly namespace: string; readonly name: string },
  namespace: string,
): string[] {
  const manifests = declared.map(
    (object) =>
      object.manifest as KubernetesObject & {
        subjects?: readonly { kind: string; name: string; namespace?: string }[];
        roleRef?: { kind: string; name: string };
        rules?: readonly DeclaredRule[];
      },
  );
  const boundTo = (binding: (typeof manifests)[number]) =>
    (binding.subjects ?? []).some(
      (subject) =>
        subject.kind === "ServiceAccount" &&
        subject.name === serviceAccount.name &&
        subject.namespace === serviceAccount.namespace,
    );
  const roles = [
    ...manifests
      .filter((binding) => binding.kind === "RoleBinding")
      .filter((binding) => binding.metadata.namespace === namespace && boundTo(binding))
      .map((binding) =>
        manifests.find(
          (role) =>
            role.kind === "Role" &&
            role.metadata.namespace === namespace &&
            role.metadata.name === binding.roleRef?.name,
        ),
      ),
    ...manifests
      .filter((binding) => binding.kind === "ClusterRoleBinding" && boundTo(binding))
      .map((binding) =>
        manifests.find(
          (role) => role.kind === "ClusterRole" && role.metadata.name === binding.roleRef?.name,
        ),
      ),
  ];
  // A rule limited to resource names lists once per name, as can-i --list does.
  const lines = roles.flatMap((role) =>
    (role?.rules ?? []).flatMap((rule) =>
      (rule.resources ?? []).flatMap((resource) =>
        (rule.apiGroups ?? [""]).flatMap((group) =>
          (rule.resourceNames?.length ? rule.resourceNames : [""]).map((name) =>
            normalizedRule(
              `${qualifiedResource(resource, group)} [] [${name}] [${(rule.verbs ?? []).join(" ")}]`,
            ),
          ),
        ),
      ),
    ),
  );
  return [...new Set(lines)].sort();
}

interface PreviewStep {
  readonly op: string;
  readonly urn: string;
}

/** "type name" of a URN, the type without its parents' (`…$kubernetes:apps/v1:Deployment`). */
export function resourceOf(urn: string): string {
  const [, , qualifiedType = "", name = ""] = urn.split("::");
  return `${qualifiedType.split("$").pop()} ${name}`;
}

/** Steps of `pulumi preview --json` other than `same` and in-place `update`, one line each. */
export function disruptiveSteps(preview: { steps?: readonly PreviewStep[] }): string[] {
  return (preview.steps ?? [])
    .filter((step) => step.op !== "same" && step.op !== "update")
    .map((step) => `${step.op} ${resourceOf(step.urn)}`);
}

/** "type name" of each resource `pulumi preview --json` updates in place. */
export function updatedResources(preview: { steps?: readonly PreviewStep[] }): string[] {
  return (preview.steps ?? [])
    .filter((step) => step.op === "update")
    .map((step) => resourceOf(step.urn));
}

/** A pod as the readiness checks read it. */
export interface PodState {
  readonly metadata: {
    readonly name: string;
    readonly creationTimestamp?: string;
    readonly ownerReferences?: readonly { kind: string; name: string }[];
  };
  readonly status?: {
    readonly phase?: string;
    readonly conditions?: readonly {
      type: string;
      status: string;
      lastTransitionTime?: string;
    }[];
    readonly containerStatuses?: readonly {
      name: string;
      ready?: boolean;
      restartCount?: number;
    }[];
  };
}

/** The workload a pod belongs to: `Deployment backend` (a ReplicaSet's name less its hash). */
export function workloadOf(pod: PodState): string {
  const owner = pod.metadata.ownerReferences?.[0];
  if (!owner) return `Pod ${pod.metadata.name}`;
  if (owner.kind === "ReplicaSet") return `Deployment ${owner.name.replace(/-[a-z0-9]+$/, "")}`;
  return `${owner.kind} ${owner.name}`;
}

/** Whether a pod's Ready condition is true. */
export function isReady(pod: {
  readonly status?: { readonly conditions?: readonly { type: string; status: string }[] };
}): boolean {
  return (
    pod.status?.conditions?.some(
      (condition) => condition.type === "Ready" && condition.status === "True",
    ) ?? false
  );
}

/**
 * The pods of long-running workloads that are not Ready, or whose containers restarted, one line
 * each. Job pods run to completion and are not counted.
 */
export function unreadyPods(pods: ListOf<PodState>): string[] {
  return pods.items
    .filter((pod) => pod.metadata.ownerReferences?.[0]?.kind !== "Job")
    .flatMap((pod) => {
      const problems: string[] = [];
      if (!isReady(pod)) {
        problems.push(`${pod.metadata.name}: not Ready (phase ${pod.status?.phase ?? "unknown"})`);
      }
      for (const container of pod.status?.containerStatuses ?? []) {
        if ((container.restartCount ?? 0) > 0) {
          problems.push(
            `${pod.metadata.name}: container ${container.name} restarted ${container.restartCount} times`,
          );
        }
      }
      return problems;
    });
}

/** Each Ready pod's seconds from its creation to Ready, the slowest first. */
export function timesToReady(pods: ListOf<PodState>): { workload: string; seconds: number }[] {
  return pods.items
    .flatMap((pod) => {
      const ready = pod.status?.conditions?.find((condition) => condition.type === "Ready");
      if (ready?.status !== "True" || !ready.lastTransitionTime || !pod.metadata.creationTimestamp)
        return [];
      const seconds =
        (Date.parse(ready.lastTransitionTime) - Date.parse(pod.metadata.creationTimestamp)) / 1000;
      return [{ workload: workloadOf(pod), seconds }];
    })
    .sort((a, b) => b.seconds - a.seconds);
}
