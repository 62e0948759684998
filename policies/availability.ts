// Availability: replica counts, disruption budgets, spreading, priority, rollouts, autoscalers and
// StatefulSet services (the Kyverno, Polaris and kube-score availability rows). Most rules need
// more than one object (a Deployment and its autoscaler or budget), so they are stack rules.
import type { Policies, PolicyResource } from "@pulumi/policy";
import { podRule, resourceRule, stackRule, type StackFinding } from "./lib/define";
import { listOf, podTemplateOf, selects } from "./lib/kubernetes";
import {
  describeObject,
  isKind,
  objectsOfKind,
  podOwners,
  type KubeObject,
} from "./lib/stack-objects";

/* eslint-disable @typescript-eslint/no-explicit-any -- policy props are untyped JSON */

/** The kinds whose replica count is `spec.replicas` and that an autoscaler may scale. */
const scalableKinds: ReadonlySet<string> = new Set([
  "Deployment",
  "StatefulSet",
  "ReplicaSet",
  "ReplicationController",
  "Rollout", // Argo Rollouts
]);

/** Deployments, StatefulSets, ReplicaSets, … with their pod template. */
function scalableWorkloads(resources: readonly PolicyResource[]) {
  return podOwners(resources).filter((owner) => scalableKinds.has(owner.kind));
}

/** How many replicas a workload runs at least: its autoscaler's minReplicas, else spec.replicas. */
interface Scale {
  readonly hpa?: KubeObject;
  readonly replicas: number;
  /** Where the number comes from, for messages. */
  readonly source: string;
}

function targets(hpa: KubeObject, workload: KubeObject): boolean {
  const ref = hpa.props?.spec?.scaleTargetRef;
  return (
    hpa.namespace === workload.namespace &&
    ref?.kind === workload.kind &&
    ref?.name === workload.name
  );
}

function scaleOf(workload: KubeObject, hpas: readonly KubeObject[]): Scale {
  const hpa = hpas.find((candidate) => targets(candidate, workload));
  if (hpa) {
    const minReplicas = hpa.props?.spec?.minReplicas;
    return {
      hpa,
      replicas: typeof minReplicas === "number" ? minReplicas : 1,
      source: `minReplicas of ${describeObject(hpa)}${minReplicas === undefined ? " unset, default 1" : ""}`,
    };
  }
  const replicas = workload.props?.spec?.replicas;
  return {
    replicas: typeof replicas === "number" ? replicas : 1,
    source: replicas === undefined ? "spec.replicas unset, default 1" : "spec.replicas",
  };
}

/** Replicated: more than one pod, or an autoscaler that may add some. */
function isReplicated(scale: Scale): boolean {
  return scale.hpa !== undefined || scale.replicas >= 2;
}

function replicaPhrase(scale: Scale): string {
  return scale.hpa
    ? `is scaled by ${describeObject(scale.hpa)} (minReplicas ${scale.replicas})`
    : `runs ${scale.replicas} replicas`;
}

function isZero(value: unknown): boolean {
  return value === 0 || value === "0" || value === "0%";
}

/** A plain value for a message: numbers bare, strings quoted. */
function show(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

/** How many pods `minAvailable` keeps out of `replicas` (percentages round up, as Kubernetes does). */
function podsKept(minAvailable: unknown, replicas: number): number | undefined {
  if (typeof minAvailable === "number") return minAvailable;
  const match = typeof minAvailable === "string" ? /^(\d+)%$/.exec(minAvailable) : null;
  if (match) return Math.ceil((replicas * Number(match[1])) / 100);
  if (typeof minAvailable === "string" && /^\d+$/.test(minAvailable)) return Number(minAvailable);
  return undefined;
}

const minReplicasConfig = {
  minReplicas: {
    type: "integer",
    minimum: 1,
    default: 2,
    description: "Fewest replicas a Deployment, StatefulSet or ReplicaSet may run.",
  },
} as const;

export const replicasMin = stackRule({
  name: "replicas-min",
  description:
    "Deployments, StatefulSets and ReplicaSets run at least the configured number of replicas, " +
    "counting an autoscaler's minReplicas (replicas-min; Kyverno; Polaris; kube-score).",
  severity: "medium",
  enforcementLevel: "mandatory",
  config: minReplicasConfig,
  remediationSteps:
    "Raise the workload's replicas (or its HorizontalPodAutoscaler minReplicas) in the stack " +
    "config to at least `minReplicas`. A workload that must stay single (a scheduler, a " +
    "single-instance database) is exempted by name with a reason in policies/config/<stack>.json.",
  check: (resources, config) => {
    const minimum = Number(config.minReplicas);
    const hpas = objectsOfKind(resources, "HorizontalPodAutoscaler");
    return scalableWorkloads(resources).flatMap((workload): StackFinding[] => {
      const scale = scaleOf(workload, hpas);
      if (scale.replicas >= minimum) return [];
      return [
        {
          resource: workload.resource,
          message: `runs ${scale.replicas} replica(s) (${scale.source}); at least ${minimum} are required`,
        },
      ];
    });
  },
});

export const pdbExists = stackRule({
  name: "pdb-exists",
  description:
    "Every replicated workload (two or more replicas, or autoscaled) is selected by a " +
    "PodDisruptionBudget in its namespace (pdb-exists; Kyverno; Polaris; kube-score).",
  severity: "medium",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Add a PodDisruptionBudget in the workload's namespace whose selector matches its pod " +
    "labels, with maxUnavailable: 1 (the workload components create one for replicated " +
    "workloads).",
  check: (resources) => {
    const hpas = objectsOfKind(resources, "HorizontalPodAutoscaler");
    const pdbs = objectsOfKind(resources, "PodDisruptionBudget");
    return scalableWorkloads(resources).flatMap((workload): StackFinding[] => {
      const scale = scaleOf(workload, hpas);
      if (!isReplicated(scale)) return [];
      const covered = pdbs.some(
        (pdb) =>
          pdb.namespace === workload.namespace &&
          selects(pdb.props?.spec?.selector, workload.labels),
      );
      if (covered) return [];
      return [
        {
          resource: workload.resource,
          message:
            `${replicaPhrase(scale)} but no PodDisruptionBudget in namespace ` +
            `${workload.namespace} selects its pods`,
        },
      ];
    });
  },
});

export const pdbSane = stackRule({
  name: "pdb-sane",
  description:
    "PodDisruptionBudgets allow evictions: maxUnavailable is not 0, minAvailable is below the " +
    "replicas (or autoscaler minimum) of every workload it selects, and it selects some pods " +
    "(pdb-sane; Kyverno; Polaris; kube-score).",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Use `maxUnavailable: 1` (or a percentage above 0) instead of 0 or a minAvailable equal to " +
    "the replica count, so node drains can evict pods one at a time; fix or delete a budget " +
    "whose selector matches no pod template.",
  check: (resources) => {
    const hpas = objectsOfKind(resources, "HorizontalPodAutoscaler");
    const owners = podOwners(resources);
    return objectsOfKind(resources, "PodDisruptionBudget").flatMap((pdb) => {
      const spec = pdb.props?.spec ?? {};
      const messages: string[] = [];
      const selected = owners.filter(
        (owner) => owner.namespace === pdb.namespace && selects(spec.selector, owner.labels),
      );
      if (selected.length === 0) {
        messages.push(`its selector matches no pod template in namespace ${pdb.namespace}`);
      }
      if (isZero(spec.maxUnavailable)) {
        messages.push(
          `maxUnavailable is ${show(spec.maxUnavailable)}, so no pod can ever be evicted; ` +
            "allow at least 1",
        );
      }
      if (spec.minAvailable !== undefined) {
        for (const owner of selected.filter((candidate) => scalableKinds.has(candidate.kind))) {
          const scale = scaleOf(owner, hpas);
          const kept = podsKept(spec.minAvailable, scale.replicas);
          if (kept !== undefined && kept >= scale.replicas) {
            messages.push(
              `minAvailable ${show(spec.minAvailable)} is not below the ${scale.replicas} ` +
                `replica(s) of ${describeObject(owner)} (${scale.source}), so no pod can ever be evicted`,
            );
          }
        }
      }
      return messages.map((message) => ({ resource: pdb.resource, message }));
    });
  },
});

export const pdbUnhealthyPodEvictionPolicy = resourceRule({
  name: "pdb-unhealthy-pod-eviction-policy",
  description:
    "PodDisruptionBudgets set spec.unhealthyPodEvictionPolicy: AlwaysAllow, so pods that run but " +
    "are not ready can always be evicted; under the default (IfHealthyBudget) a crash-looping " +
    "pod keeps its budget unmet and blocks every node drain (pdb-sane row; kube-linter " +
    "pdb-unhealthy-pod-eviction-policy; the Kubernetes PodDisruptionBudget documentation " +
    "recommends AlwaysAllow).",
  severity: "medium",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Set `spec.unhealthyPodEvictionPolicy: AlwaysAllow` on the PodDisruptionBudget (the " +
    "workload components do). A workload whose unready pods must never be evicted while the " +
    "budget is unmet (a quorum that is still forming) is exempted by name with a reason.",
  appliesTo: (type) => isKind(type, "PodDisruptionBudget"),
  check: (pdb) => {
    const policy = pdb.props?.spec?.unhealthyPodEvictionPolicy;
    if (policy === "AlwaysAllow") return [];
    const shown =
      policy === undefined || policy === null || policy === ""
        ? "unset (Kubernetes defaults to IfHealthyBudget)"
        : show(policy);
    return [
      `unhealthyPodEvictionPolicy is ${shown}, so a pod that runs but never becomes ready ` +
        "blocks node drains while the budget is unmet; set it to AlwaysAllow",
    ];
  },
});

/** Does a topology spread constraint or anti-affinity term count the workload's own pods? */
function spreadsOwnPods(podSpec: any, labels: any): { declared: boolean; effective: boolean } {
  const selectors = [
    ...listOf(podSpec?.topologySpreadConstraints).map((constraint) => constraint?.labelSelector),
    ...listOf(
      podSpec?.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution,
    ).map((term) => term?.labelSelector),
    ...listOf(
      podSpec?.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution,
    ).map((weighted) => weighted?.podAffinityTerm?.labelSelector),
  ];
  return {
    declared: selectors.length > 0,
    effective: selectors.some((selector) => selects(selector, labels)),
  };
}

export const topologySpread = stackRule({
  name: "topology-spread",
  description:
    "Replicated workloads spread their pods over nodes with topologySpreadConstraints or " +
    "podAntiAffinity that select their own pods (anti-affinity / topology-spread; Kyverno; " +
    "Polaris; kube-score).",
  severity: "medium",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Add `topologySpreadConstraints` on kubernetes.io/hostname (and topology.kubernetes.io/zone) " +
    "whose labelSelector matches the workload's own pod labels, with whenUnsatisfiable: " +
    "ScheduleAnyway; the workload components add them for replicated workloads.",
  check: (resources) => {
    const hpas = objectsOfKind(resources, "HorizontalPodAutoscaler");
    return scalableWorkloads(resources).flatMap((workload): StackFinding[] => {
      const scale = scaleOf(workload, hpas);
      if (!isReplicated(scale)) return [];
      const podSpec = podTemplateOf(workload.resource.type, workload.props)?.spec;
      const spread = spreadsOwnPods(podSpec, workload.labels);
      if (spread.effective) return [];
      const message = spread.declared
        ? `${replicaPhrase(scale)} but no topologySpreadConstraints or podAntiAffinity label ` +
          "selector matches its own pod labels, so its replicas are not spread"
        : `${replicaPhrase(scale)} but sets neither topologySpreadConstraints nor ` +
          "podAntiAffinity, so all replicas may land on one node";
      return [{ resource: workload.resource, message }];
    });
  },
});

export const priorityClass = podRule({
  name: "priority-class",
  description:
    "Pods name a priorityClassName, from the allowed list when one is configured " +
    "(priority-class; Kyverno; Polaris).",
  severity: "low",
  enforcementLevel: "advisory",
  config: {
    allowedPriorityClasses: {
      type: "array",
      items: { type: "string", minLength: 1 },
      default: [],
      description: "PriorityClass names pods may use; empty accepts any non-empty name.",
    },
  },
  remediationSteps:
    "Set `priorityClassName` in the pod spec to a PriorityClass of the cluster (one of " +
    "`allowedPriorityClasses` when the list is set), so the scheduler preempts less important " +
    "pods first under pressure.",
  check: (pod, config) => {
    const name = pod.podSpec?.priorityClassName;
    const allowed: readonly string[] = config.allowedPriorityClasses ?? [];
    if (typeof name !== "string" || name === "") return ["pod spec sets no priorityClassName"];
    if (allowed.length > 0 && !allowed.includes(name)) {
      return [`priorityClassName "${name}" is not one of the allowed: ${allowed.join(", ")}`];
    }
    return [];
  },
});

export const rolloutStrategy = stackRule({
  name: "rollout-strategy",
  description:
    "Deployments roll out with RollingUpdate and maxUnavailable 0; only a singleton (1 replica, " +
    "no autoscaler) may use Recreate (rollout-strategy; kube-score).",
  severity: "medium",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Set `strategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 0, maxSurge: 1}}`. " +
    "Use `strategy.type: Recreate` only for a single-replica Deployment that must never run two " +
    "pods at once (e.g. celery-beat).",
  check: (resources) => {
    const hpas = objectsOfKind(resources, "HorizontalPodAutoscaler");
    return scalableWorkloads(resources)
      .filter((workload) => workload.kind === "Deployment")
      .flatMap((deployment): StackFinding[] => {
        const scale = scaleOf(deployment, hpas);
        const strategy = deployment.props?.spec?.strategy ?? {};
        const type = strategy.type ?? "RollingUpdate";
        const report = (message: string) => [{ resource: deployment.resource, message }];
        if (type === "Recreate") {
          if (!scale.hpa && scale.replicas === 1) return [];
          return report(
            `uses strategy Recreate but ${replicaPhrase(scale)}; replicated Deployments must use ` +
              "RollingUpdate with maxUnavailable 0",
          );
        }
        if (type !== "RollingUpdate") return report(`strategy type ${show(type)} is unknown`);
        const maxUnavailable = strategy.rollingUpdate?.maxUnavailable;
        if (maxUnavailable === undefined) {
          return report(
            "RollingUpdate maxUnavailable is unset (Kubernetes defaults to 25%); set it to 0",
          );
        }
        if (!isZero(maxUnavailable)) {
          return report(
            `RollingUpdate maxUnavailable is ${show(maxUnavailable)}; set it to 0 so a rollout ` +
              "never runs fewer ready pods than desired",
          );
        }
        if (isZero(strategy.rollingUpdate?.maxSurge)) {
          return report(
            "RollingUpdate maxSurge and maxUnavailable are both 0, so a rollout cannot progress; " +
              "set maxSurge to 1",
          );
        }
        return [];
      });
  },
});

export const hpaSane = stackRule({
  name: "hpa-sane",
  description:
    "HorizontalPodAutoscalers target an existing workload of the named kind in their namespace, " +
    "keep minReplicas at or above the configured minimum and maxReplicas at or above " +
    "minReplicas, are the only autoscaler of their target, and the target does not also pin " +
    "spec.replicas (hpa-sane; Kyverno; Polaris; kube-score).",
  severity: "medium",
  enforcementLevel: "mandatory",
  config: minReplicasConfig,
  remediationSteps:
    "Point scaleTargetRef at the workload's kind and name, set minReplicas to at least " +
    "`minReplicas` and maxReplicas to at least minReplicas, keep one autoscaler per workload, " +
    "and omit `spec.replicas` from an autoscaled workload so each deployment does not reset " +
    "the count the autoscaler chose.",
  check: (resources, config) => {
    const minimum = Number(config.minReplicas);
    const hpas = objectsOfKind(resources, "HorizontalPodAutoscaler");
    const workloads = scalableWorkloads(resources);
    return hpas.flatMap((hpa, index) => {
      const spec = hpa.props?.spec ?? {};
      const ref = spec.scaleTargetRef;
      const messages: string[] = [];
      const target = workloads.find((workload) => targets(hpa, workload));
      if (!target) {
        messages.push(
          `scaleTargetRef names ${ref?.kind ?? "no kind"} ${show(ref?.name ?? "")}, which ` +
            `does not exist in namespace ${hpa.namespace}`,
        );
      }
      const minReplicas = typeof spec.minReplicas === "number" ? spec.minReplicas : 1;
      if (minReplicas < minimum) {
        messages.push(
          `minReplicas is ${spec.minReplicas ?? "unset (1)"}; at least ${minimum} are required`,
        );
      }
      if (typeof spec.maxReplicas === "number" && spec.maxReplicas < minReplicas) {
        messages.push(`maxReplicas ${spec.maxReplicas} is below minReplicas ${minReplicas}`);
      }
      if (target) {
        const earlier = hpas.slice(0, index).find((other) => targets(other, target));
        if (earlier) {
          messages.push(`${describeObject(target)} is also scaled by ${describeObject(earlier)}`);
        }
        const pinned = declaredReplicas(target.props);
        if (pinned !== undefined) {
          messages.push(
            `its target ${describeObject(target)} also pins spec.replicas ${pinned}; omit it so only ` +
              "the autoscaler sets the replica count",
          );
        }
      }
      return messages.map((message) => ({ resource: hpa.resource, message }));
    });
  },
});

/**
 * The replicas a workload declares. Before it exists its props are the program's inputs. Once it
 * exists, stack policies see the live object, whose `spec.replicas` the API server defaulted or an
 * autoscaler set; who declared it is in `managedFields`: an `Apply` entry (server-side apply, as
 * Pulumi deploys) that owns `f:spec.f:replicas`.
 */
export function declaredReplicas(props: any): number | undefined {
  const entries: any[] = Array.isArray(props?.metadata?.managedFields)
    ? props.metadata.managedFields
    : [];
  const applied = entries.filter((entry) => entry?.operation === "Apply");
  if (applied.length === 0) return props?.spec?.replicas;
  const owned = applied.some((entry) => entry.fieldsV1?.["f:spec"]?.["f:replicas"] !== undefined);
  return owned ? props?.spec?.replicas : undefined;
}

/** Does a Service's selector (a plain label map) select these labels? An empty one selects none. */
function serviceSelects(service: KubeObject, labels: any): boolean {
  const selector = service.props?.spec?.selector;
  if (!selector || Object.keys(selector).length === 0) return false;
  return selects({ matchLabels: selector }, labels);
}

export const statefulSetService = stackRule({
  name: "statefulset-service",
  description:
    "A StatefulSet's serviceName names a headless Service (clusterIP: None) in its namespace " +
    "that selects its pods (statefulset-service; kube-score).",
  severity: "medium",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Set `serviceName` on the StatefulSet to a Service in the same namespace with " +
    "`clusterIP: None` whose selector matches the StatefulSet's pod labels, so each pod gets a " +
    "stable DNS name.",
  check: (resources) => {
    const services = objectsOfKind(resources, "Service");
    return scalableWorkloads(resources)
      .filter((workload) => workload.kind === "StatefulSet")
      .flatMap((statefulSet): StackFinding[] => {
        const serviceName = statefulSet.props?.spec?.serviceName;
        const report = (message: string) => [{ resource: statefulSet.resource, message }];
        if (typeof serviceName !== "string" || serviceName === "") {
          return report("sets no serviceName; name a headless Service that selects its pods");
        }
        const service = services.find(
          (candidate) =>
            candidate.namespace === statefulSet.namespace && candidate.name === serviceName,
        );
        if (!service) {
          return report(
            `serviceName "${serviceName}" names no Service in namespace ${statefulSet.namespace}`,
          );
        }
        const messages: string[] = [];
        const clusterIP = service.props?.spec?.clusterIP;
        if (clusterIP !== "None") {
          messages.push(
            `${describeObject(service)} (its serviceName) is not headless: clusterIP is ` +
              `${clusterIP === undefined ? "unset" : show(clusterIP)}; set clusterIP: None`,
          );
        }
        if (!serviceSelects(service, statefulSet.labels)) {
          messages.push(`${describeObject(service)} (its serviceName) does not select its pods`);
        }
        return messages.map((message) => ({ resource: statefulSet.resource, message }));
      });
  },
});

export const availabilityPolicies: Policies = [
  replicasMin,
  pdbExists,
  pdbSane,
  pdbUnhealthyPodEvictionPolicy,
  topologySpread,
  priorityClass,
  rolloutStrategy,
  hpaSane,
  statefulSetService,
];
