// Zone isolation: pods of the data tier's isolated zones admit only the zones allowed for them.
import { stackRule, type StackFinding } from "../lib/define";
import { braced, isEmptySelector } from "../lib/kubernetes";
import { policySelects, policyTypesOf } from "../lib/network-policies";
import {
  describeObject,
  inNamespace,
  objectsOfKind,
  podOwners,
  type KubeObject,
} from "../lib/stack-objects";

/* eslint-disable @typescript-eslint/no-explicit-any -- policy props are untyped JSON */

/** Does a selector require `key: "true"` (matchLabels, or matchExpressions In ["true"])? */
function requiresTrue(selector: any, key: string): boolean {
  if (selector?.matchLabels?.[key] === "true") return true;
  return (selector?.matchExpressions ?? []).some(
    (expression: any) =>
      expression?.key === key &&
      expression.operator === "In" &&
      (expression.values ?? []).length > 0 &&
      [...expression.values].every((value: unknown) => value === "true"),
  );
}

function describePeer(peer: any): string {
  const parts: string[] = [];
  if (peer?.ipBlock) parts.push(`ipBlock ${peer.ipBlock.cidr}`);
  if (peer?.namespaceSelector) parts.push(`namespaceSelector ${braced(peer.namespaceSelector)}`);
  if (peer?.podSelector) parts.push(`podSelector ${braced(peer.podSelector)}`);
  return parts.length > 0 ? parts.join(" + ") : "an empty peer";
}

/** A peer that selects exactly the policy's own pods, in its namespace. */
function isOwnPods(peer: any, policy: KubeObject): boolean {
  const own = policy.props?.spec?.podSelector;
  return (
    peer?.ipBlock === undefined &&
    peer?.namespaceSelector === undefined &&
    !isEmptySelector(own) &&
    JSON.stringify(peer?.podSelector) === JSON.stringify(own)
  );
}

export const dataTierIsolation = stackRule({
  name: "data-tier-isolation",
  description:
    "Pods of an isolated zone (database, cache, mcp) admit ingress only from pods of the zones " +
    "allowed for it and from the monitoring zone: every `from` peer of every NetworkPolicy " +
    "selecting them is a podSelector requiring one of those zone labels, and no rule admits all " +
    "sources (data-tier-isolation; the source design's internal Docker networks).",
  severity: "critical",
  enforcementLevel: "mandatory",
  config: {
    isolatedZones: {
      type: "object",
      additionalProperties: { type: "array", items: { type: "string", minLength: 1 } },
      // The backend API calls the MCP server and the agent coordinator (MCP_SERVER_URL …).
      // Grafana (observability) reads PostgreSQL through a read-only role; the backup jobs
      // (backup) dump PostgreSQL and snapshot Redis.
      default: {
        database: ["backend", "observability", "backup"],
        cache: ["backend", "backup"],
        mcp: ["mcp", "backend"],
      },
      description: "Isolated zone → the zones whose pods may connect to its pods.",
    },
    monitoringZone: {
      type: "string",
      minLength: 1,
      default: "monitoring",
      description: "The zone whose pods may reach every isolated zone (metrics scraping).",
    },
    zoneLabelPrefix: {
      type: "string",
      minLength: 1,
      default: "zone.toolboxai.io/",
      description: 'Zone membership is the pod label `<prefix><zone>: "true"`.',
    },
  },
  remediationSteps:
    "In the NetworkPolicies that select the isolated pods, allow ingress only from peers with a " +
    'podSelector requiring an allowed zone label (`zone.toolboxai.io/<zone>: "true"`) or the ' +
    "monitoring zone label; remove ipBlock, namespace-only, empty and other-zone peers and rules " +
    "without `from`. The allowed zones come from components/model/zones.ts.",
  check: (resources, config) => {
    const isolated: Record<string, readonly string[]> = config.isolatedZones ?? {};
    const prefix = String(config.zoneLabelPrefix);
    const monitoring = String(config.monitoringZone);
    const policies = objectsOfKind(resources, "NetworkPolicy").filter((policy) =>
      policyTypesOf(policy).includes("Ingress"),
    );
    const findings: StackFinding[] = [];
    for (const owner of podOwners(resources)) {
      const zones = Object.keys(isolated).filter(
        (zone) => owner.labels?.[prefix + zone] === "true",
      );
      if (zones.length === 0) continue;
      const zoneList = zones.map((zone) => `"${zone}"`).join(", ");
      for (const policy of inNamespace(policies, owner.namespace)) {
        if (!policySelects(policy, owner.labels)) continue;
        const report = (message: string) => findings.push({ resource: policy.resource, message });
        (policy.props?.spec?.ingress ?? []).forEach((rule: any, index: number) => {
          const from: any[] = [...(rule?.from ?? [])];
          if (from.length === 0) {
            report(
              `ingress rule ${index + 1} has no from, so it admits every source to the zone ` +
                `${zoneList} pods of ${describeObject(owner)}`,
            );
            return;
          }
          for (const peer of from) {
            // The policy's own pods (a replicated data store's instances, which replicate from
            // each other) are members of the isolated zone themselves.
            if (isOwnPods(peer, policy)) continue;
            const denied = zones.filter((zone) => {
              const allowedZones = [...(isolated[zone] ?? []), monitoring];
              const podSelector = peer?.podSelector;
              return (
                peer?.ipBlock !== undefined ||
                isEmptySelector(podSelector) ||
                !allowedZones.some((allowedZone) => requiresTrue(podSelector, prefix + allowedZone))
              );
            });
            if (denied.length === 0) continue;
            const allowed = [...new Set(denied.flatMap((zone) => isolated[zone] ?? []))];
            report(
              `ingress rule ${index + 1} admits ${describePeer(peer)} to the zone ` +
                `${denied.map((zone) => `"${zone}"`).join(", ")} pods of ${describeObject(owner)}; ` +
                `only zones ${[...allowed, monitoring].join(", ")} may connect`,
            );
          }
        });
      }
    }
    return findings;
  },
});
