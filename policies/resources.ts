// Compute resources: requests and limits on every container, limits that are not below requests,
// bounded ephemeral storage, and a ResourceQuota plus LimitRange in every namespace that runs pods
// (the Kyverno, Polaris, kube-score and Checkov resource rows; the Docker `memory`/`cpus` rows
// are checked with the Docker resources, not here).
import type { Policies, PolicyResource } from "@pulumi/policy";
import { celString, describedContainer, everyContainer, podAdmission } from "./lib/admission-form";
import { podRule, stackRule, type StackFinding } from "./lib/define";
import {
  containerFields,
  describeContainer,
  describeRef,
  listOf,
  objectRef,
  podTemplatesOf,
  type ContainerEntry,
} from "./lib/kubernetes";

/* eslint-disable @typescript-eslint/no-explicit-any -- policy props are untyped JSON */

const binarySuffixes: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
const decimalExponents: Record<string, number> = {
  n: -9,
  u: -6,
  m: -3,
  "": 0,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};

function scale(amount: number, exponent: number): number {
  // Divide for negative exponents: 100 / 1e3 is exactly the double nearest 0.1, 100 * 1e-3 is not.
  return exponent >= 0 ? amount * 10 ** exponent : amount / 10 ** -exponent;
}

/**
 * A Kubernetes resource quantity in base units (cores, bytes): "250m" → 0.25, "1Gi" → 2^30,
 * "1e3" → 1000, 2 → 2. Undefined for anything the API server would reject, and for negatives.
 */
export function parseQuantity(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) && value >= 0 ? value : undefined;
  if (typeof value !== "string") return undefined;
  const match =
    /^\+?(\d+(?:\.\d*)?|\.\d+)(?:(Ki|Mi|Gi|Ti|Pi|Ei)|[eE]([+-]?\d+)|([numkMGTPE]?))$/.exec(value);
  if (!match) return undefined;
  const amount = Number(match[1]);
  if (match[2] !== undefined) return amount * binarySuffixes[match[2]];
  if (match[3] !== undefined) return scale(amount, Number(match[3]));
  return scale(amount, decimalExponents[match[4] ?? ""]);
}

/** Ephemeral containers cannot set resources (the API rejects them); every other one must. */
function sizedContainers(containers: readonly ContainerEntry[]): ContainerEntry[] {
  return containers.filter((entry) => entry.role !== "ephemeralContainer");
}

function isSet(value: unknown): boolean {
  return value !== undefined && value !== null && value !== "";
}

export const containerResources = podRule({
  name: "container-resources",
  description:
    "Every container (init containers included; ephemeral ones cannot) sets cpu and memory " +
    "requests and limits, and no limit is zero (a zero limit bounds nothing) (Kyverno require-requests-limits; Polaris cpu/memoryRequestsMissing and " +
    "cpu/memoryLimitsMissing; kube-score container-resources; CKV_K8S_10/11/12/13).",
  severity: "high",
  enforcementLevel: "mandatory",
  config: {
    requests: {
      type: "array",
      items: { type: "string", minLength: 1 },
      default: ["cpu", "memory"],
      description: "Resources every container must request.",
    },
    limits: {
      type: "array",
      items: { type: "string", minLength: 1 },
      default: ["cpu", "memory"],
      description: "Resources every container must limit.",
    },
  },
  remediationSteps:
    "Set `resources.requests` and `resources.limits` for cpu and memory on the container; " +
    "components take them from the workload's `resources` in the stack config (Pulumi.<stack>.yaml).",
  check: (pod, config) => {
    const messages: string[] = [];
    for (const entry of sizedContainers(pod.containers)) {
      const resources = entry.container.resources ?? {};
      for (const field of ["requests", "limits"] as const) {
        for (const name of [...(config[field] ?? [])].map(String)) {
          const value = resources[field]?.[name];
          if (!isSet(value)) {
            messages.push(`${describeContainer(entry)} sets no ${field}.${name}`);
          } else if (field === "limits" && parseQuantity(value) === 0) {
            // The runtime reads a zero limit as "no limit": it bounds nothing.
            messages.push(
              `${describeContainer(entry)} limits.${name} is ${String(value)}, which the ` +
                "runtime reads as no limit; set a positive limit",
            );
          }
        }
      }
    }
    return messages;
  },
  // Ephemeral containers cannot set resources; a quantity the API accepted is a string here.
  admission: podAdmission((config) =>
    (["requests", "limits"] as const).flatMap((field) =>
      [...(config[field] ?? [])].map(String).flatMap((name) => {
        const set = `has(c.resources) && has(c.resources.${field}) && ${celString(name)} in c.resources.${field}`;
        const value = `string(c.resources.${field}[${celString(name)}])`;
        // Zero in any of a quantity's spellings: 0, 0.0, 0m, 0Gi, 0e3…
        const zero = `${value}.matches('^[+]?(0+[.]?0*|[.]0+)([eE][+-]?[0-9]+|[numkMGTPE]|[KMGTPE]i)?$')`;
        return containerFields
          .filter(([list]) => list !== "ephemeralContainers")
          .flatMap(([list, role]) => [
            {
              expression: `variables.${list}.all(c, ${set})`,
              messageExpression: `variables.${list}.filter(c, !(${set})).map(c, ${describedContainer(role)} + ${celString(` sets no ${field}.${name}`)})[0]`,
            },
            ...(field === "limits"
              ? [
                  {
                    expression: `variables.${list}.all(c, !(${set}) || !(${zero}))`,
                    messageExpression: `variables.${list}.filter(c, (${set}) && ${zero}).map(c, ${describedContainer(role)} + ${celString(` limits.${name} is `)} + ${value} + ', which the runtime reads as no limit; set a positive limit')[0]`,
                  },
                ]
              : []),
          ]);
      }),
    ),
  ),
});

export const limitsNotBelowRequests = podRule({
  name: "limits-not-below-requests",
  description:
    "Every resource request and limit parses as a Kubernetes quantity, and no limit is below the " +
    "request for the same resource (the API server rejects both at apply time; this finds them " +
    "at preview).",
  severity: "medium",
  enforcementLevel: "mandatory",
  packOnly:
    "The API server refuses a quantity it cannot parse, and a request above its limit, before admission policies see it.",
  remediationSteps:
    "Write requests and limits as Kubernetes quantities (`250m`, `1`, `512Mi`, `1Gi`) and raise " +
    "the limit to at least the request (or lower the request) in the workload's `resources`.",
  check: (pod) => {
    const messages: string[] = [];
    for (const entry of sizedContainers(pod.containers)) {
      const requests = entry.container.resources?.requests ?? {};
      const limits = entry.container.resources?.limits ?? {};
      const parsed: Record<string, Record<string, number | undefined>> = {};
      for (const [field, values] of [
        ["requests", requests],
        ["limits", limits],
      ] as const) {
        parsed[field] = {};
        for (const name of Object.keys(values)) {
          const value = values[name];
          if (!isSet(value)) continue;
          const amount = parseQuantity(value);
          parsed[field][name] = amount;
          if (amount === undefined) {
            messages.push(
              `${describeContainer(entry)} ${field}.${name} "${String(value)}" is not a ` +
                "Kubernetes quantity",
            );
          }
        }
      }
      for (const name of Object.keys(parsed.requests)) {
        const request = parsed.requests[name];
        const limit = parsed.limits[name];
        if (request === undefined || limit === undefined) continue;
        if (limit < request) {
          messages.push(
            `${describeContainer(entry)} limits.${name} ${String(limits[name])} is below ` +
              `requests.${name} ${String(requests[name])}`,
          );
        }
      }
    }
    return messages;
  },
});

export const ephemeralStorage = podRule({
  name: "ephemeral-storage-bounded",
  description:
    "Every emptyDir volume has a `sizeLimit`, or every container that mounts it sets an " +
    "ephemeral-storage limit, so one pod cannot fill the node's disk (or memory, for " +
    "medium: Memory) (Kyverno; kube-score container-ephemeral-storage-request-and-limit).",
  severity: "medium",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Give the emptyDir a `sizeLimit` (components mount writable paths as emptyDirs with a " +
    "sizeLimit from the workload's `writablePaths`), or set `resources.limits.ephemeral-storage` " +
    "on every container that mounts it.",
  check: (pod) => {
    const messages: string[] = [];
    for (const volume of listOf(pod.podSpec.volumes)) {
      if (!volume.emptyDir || isSet(volume.emptyDir.sizeLimit)) continue;
      for (const entry of pod.containers) {
        const mounts = listOf(entry.container.volumeMounts).some(
          (mount: any) => mount.name === volume.name,
        );
        if (!mounts || isSet(entry.container.resources?.limits?.["ephemeral-storage"])) continue;
        messages.push(
          `emptyDir volume "${volume.name}" has no sizeLimit and ${describeContainer(entry)}, ` +
            "which mounts it, sets no limits.ephemeral-storage",
        );
      }
    }
    return messages;
  },
  admission: podAdmission(() => {
    const unbounded =
      "(has(variables.podSpec.volumes) ? variables.podSpec.volumes : [])" +
      ".filter(v, has(v.emptyDir) && !has(v.emptyDir.sizeLimit))";
    const limited =
      "has(c.resources) && has(c.resources.limits) && 'ephemeral-storage' in c.resources.limits";
    /** CEL: the unbounded emptyDirs the container `c` mounts. */
    const mountedBy = `${unbounded}.filter(v, has(c.volumeMounts) && c.volumeMounts.exists(m, m.name == v.name))`;
    return everyContainer(
      `${limited} || size(${mountedBy}) == 0`,
      (role) =>
        `'emptyDir volume "' + ${mountedBy}[0].name + '" has no sizeLimit and ' + ` +
        `${describedContainer(role)} + ', which mounts it, sets no limits.ephemeral-storage'`,
    );
  }),
});

const namespaceType = "kubernetes:core/v1:Namespace";
const resourceQuotaType = "kubernetes:core/v1:ResourceQuota";
const limitRangeType = "kubernetes:core/v1:LimitRange";

/** The namespace an object lives in; the provider's default when the object names none. */
function namespaceOf(resource: PolicyResource): string {
  const namespace = resource.props?.metadata?.namespace;
  return typeof namespace === "string" && namespace !== "" ? namespace : "default";
}

export const namespaceQuota = stackRule({
  name: "namespace-quota",
  description:
    "Every namespace that holds pod-bearing objects also holds a ResourceQuota and a LimitRange, " +
    "so the namespace as a whole is capped and containers get defaults (Kyverno " +
    "add-ns-quota). Objects that name no namespace count as `default`.",
  severity: "medium",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Add a ResourceQuota (requests/limits of cpu and memory, pods, persistentvolumeclaims) and a " +
    "LimitRange (type Container: default and defaultRequest) to the namespace, sized from the " +
    "stack's workloads, next to the Namespace the program creates.",
  check: (resources) => {
    const workloads = new Map<string, number>();
    const quotas = new Set<string>();
    const limitRanges = new Set<string>();
    const namespaces = new Map<string, PolicyResource>();
    for (const resource of resources) {
      if (podTemplatesOf(resource.type, resource.props).length > 0) {
        const namespace = namespaceOf(resource);
        workloads.set(namespace, (workloads.get(namespace) ?? 0) + 1);
      } else if (resource.type === resourceQuotaType) {
        quotas.add(namespaceOf(resource));
      } else if (resource.type === limitRangeType) {
        limitRanges.add(namespaceOf(resource));
      } else if (resource.type === namespaceType) {
        namespaces.set(objectRef(resource.type, resource.props, resource.name).name, resource);
      }
    }
    const findings: StackFinding[] = [];
    for (const [namespace, count] of workloads) {
      const missing = [
        ...(quotas.has(namespace) ? [] : ["ResourceQuota"]),
        ...(limitRanges.has(namespace) ? [] : ["LimitRange"]),
      ];
      if (missing.length === 0) continue;
      const message = `holds ${count} pod-bearing object${count === 1 ? "" : "s"} but no ${missing.join(" and no ")}`;
      const resource = namespaces.get(namespace);
      findings.push(
        resource
          ? { resource, message }
          : {
              message: `${describeRef({ kind: "Namespace", name: namespace })}: ${message}`,
            },
      );
    }
    return findings;
  },
});

export const resourcePolicies: Policies = [
  containerResources,
  limitsNotBelowRequests,
  ephemeralStorage,
  namespaceQuota,
];
