// A namespace's resource budget, derived from the workloads rendered into it: a ResourceQuota that
// admits the peak the stack can reach (autoscaler maximums, one surge pod per rolling Deployment,
// and every Job the renderer renders) plus a headroom margin for what no workload declares (a
// debug pod, a second surge while old pods terminate, a manual migration), and a LimitRange whose
// defaults size anything created by hand and whose maximums are the largest container the stack
// declares. Nothing is typed into config twice.
import * as k8s from "./api";
import * as pulumi from "@pulumi/pulumi";
import { parseCpu, parseMemory } from "../config/quantity";
import type { TierRecord } from "../model/record";
import type { WorkloadSpec } from "../model/workload";
import { recommendedLabels, type LabelContext } from "./labels";

/** Totals in millicores and bytes. */
export interface Footprint {
  readonly pods: number;
  readonly requestsCpu: number;
  readonly requestsMemory: number;
  readonly limitsCpu: number;
  readonly limitsMemory: number;
  readonly claims: number;
  readonly storage: number;
  /** The largest single container's limits, for the LimitRange maximum. */
  readonly maxContainerCpu: number;
  readonly maxContainerMemory: number;
}

export const emptyFootprint: Footprint = {
  pods: 0,
  requestsCpu: 0,
  requestsMemory: 0,
  limitsCpu: 0,
  limitsMemory: 0,
  claims: 0,
  storage: 0,
  maxContainerCpu: 0,
  maxContainerMemory: 0,
};

/** What one workload can occupy at its largest: its maximum pods, plus a surge pod in rollouts. */
export function footprintOf(spec: WorkloadSpec): Footprint {
  const maxReplicas = spec.autoscaling?.maxReplicas ?? spec.replicas;
  // Only a rolling Deployment surges: a StatefulSet and a daemon replace pods in place, and a
  // scheduled job never runs twice at once.
  // An operator runs its own helper pods (a new standby's join job): as many as it declares.
  const surge =
    spec.kind === "operated"
      ? spec.operated!.surge
      : (spec.kind ?? "stateless") === "stateless" && spec.updateStrategy !== "recreate"
        ? 1
        : 0;
  const pods = maxReplicas + surge;
  const sum = (pick: (container: WorkloadSpec["containers"][number]) => number) =>
    spec.containers.reduce((total, container) => total + pick(container), 0);
  const cpu = (value: string) => parseCpu(value) ?? 0;
  const memory = (value: string) => parseMemory(value) ?? 0;
  // An operator's surge instance has a volume of its own too: a new standby's, or a cluster
  // recovered to a point in time beside the running one (docs/DISASTER_RECOVERY.md).
  const claims = spec.persistentVolume ? maxReplicas + (spec.kind === "operated" ? surge : 0) : 0;
  return {
    pods,
    requestsCpu: pods * sum((c) => cpu(c.resources.requests.cpu)),
    requestsMemory: pods * sum((c) => memory(c.resources.requests.memory)),
    limitsCpu: pods * sum((c) => cpu(c.resources.limits.cpu)),
    limitsMemory: pods * sum((c) => memory(c.resources.limits.memory)),
    claims,
    storage: claims * (spec.persistentVolume ? memory(spec.persistentVolume.size) : 0),
    maxContainerCpu: Math.max(...spec.containers.map((c) => cpu(c.resources.limits.cpu))),
    maxContainerMemory: Math.max(...spec.containers.map((c) => memory(c.resources.limits.memory))),
  };
}

export function addFootprints(a: Footprint, b: Footprint): Footprint {
  return {
    pods: a.pods + b.pods,
    requestsCpu: a.requestsCpu + b.requestsCpu,
    requestsMemory: a.requestsMemory + b.requestsMemory,
    limitsCpu: a.limitsCpu + b.limitsCpu,
    limitsMemory: a.limitsMemory + b.limitsMemory,
    claims: a.claims + b.claims,
    storage: a.storage + b.storage,
    maxContainerCpu: Math.max(a.maxContainerCpu, b.maxContainerCpu),
    maxContainerMemory: Math.max(a.maxContainerMemory, b.maxContainerMemory),
  };
}

// Zero is written "0", as the API server stores it (so the provider's output matches ours).
const cpuQuantity = (millicores: number) => (millicores > 0 ? `${Math.ceil(millicores)}m` : "0");
const memoryQuantity = (bytes: number) => (bytes > 0 ? `${Math.ceil(bytes / 2 ** 20)}Mi` : "0");

/**
 * The ResourceQuota's hard limits: the footprint's peak plus `headroomPercent` of it, each
 * rounded up, so that the peak itself never lands on the limit.
 */
/** What a namespace's workloads and shared volumes can occupy at their largest. */
export function footprintOfRecord(record: TierRecord): Footprint {
  const volumes = record.volumes.map((volume): Footprint => ({
    ...emptyFootprint,
    claims: 1,
    storage: parseMemory(volume.size) ?? 0,
  }));
  return [...record.workloads.map(({ spec }) => footprintOf(spec)), ...volumes].reduce(
    addFootprints,
    emptyFootprint,
  );
}

export function quotaHard(footprint: Footprint, headroomPercent: number): Record<string, string> {
  const withHeadroom = (value: number) => Math.ceil((value * (100 + headroomPercent)) / 100);
  return {
    pods: String(withHeadroom(footprint.pods)),
    "requests.cpu": cpuQuantity(withHeadroom(footprint.requestsCpu)),
    "requests.memory": memoryQuantity(withHeadroom(footprint.requestsMemory)),
    "limits.cpu": cpuQuantity(withHeadroom(footprint.limitsCpu)),
    "limits.memory": memoryQuantity(withHeadroom(footprint.limitsMemory)),
    persistentvolumeclaims: String(withHeadroom(footprint.claims)),
    "requests.storage": memoryQuantity(withHeadroom(footprint.storage)),
  };
}

/**
 * Defaults for containers that declare nothing (only hand-made ones), and the per-container cap.
 * The defaults never exceed the cap: the API server refuses such a LimitRange (seen in a
 * namespace of small containers, node-exporter's).
 */
export function limitRangeLimits(footprint: Footprint) {
  const maxCpu = footprint.maxContainerCpu;
  const maxMemory = footprint.maxContainerMemory;
  const defaultCpu = Math.min(500, maxCpu);
  const defaultMemory = Math.min(512 * 2 ** 20, maxMemory);
  return [
    {
      type: "Container",
      defaultRequest: {
        cpu: cpuQuantity(Math.min(100, defaultCpu)),
        memory: memoryQuantity(Math.min(128 * 2 ** 20, defaultMemory)),
      },
      default: { cpu: cpuQuantity(defaultCpu), memory: memoryQuantity(defaultMemory) },
      max: { cpu: cpuQuantity(maxCpu), memory: memoryQuantity(maxMemory) },
    },
  ];
}

export interface NamespaceBudgetArgs extends LabelContext {
  readonly namespace: string;
  readonly footprint: Footprint;
  /** Margin above the footprint's peak, in percent (config `quotaHeadroomPercent`, default 25). */
  readonly headroomPercent: number;
  readonly dependsOn?: readonly pulumi.Resource[];
}

export class NamespaceBudget extends pulumi.ComponentResource {
  constructor(name: string, args: NamespaceBudgetArgs, opts?: pulumi.ComponentResourceOptions) {
    super("toolboxai:kubernetes:NamespaceBudget", name, {}, opts);
    const child = { parent: this, dependsOn: [...(args.dependsOn ?? [])] };
    new k8s.core.v1.ResourceQuota(
      `${name}-quota`,
      {
        metadata: {
          name: "toolboxai-quota",
          namespace: args.namespace,
          labels: recommendedLabels("toolboxai-quota", "resource-budget", args),
        },
        spec: { hard: quotaHard(args.footprint, args.headroomPercent) },
      },
      child,
    );
    new k8s.core.v1.LimitRange(
      `${name}-limits`,
      {
        metadata: {
          name: "toolboxai-limits",
          namespace: args.namespace,
          labels: recommendedLabels("toolboxai-limits", "resource-budget", args),
        },
        spec: { limits: limitRangeLimits(args.footprint) },
      },
      child,
    );
    this.registerOutputs({});
  }
}
