// The stacks on the e2e's one node. It has this machine's two cores, and staging and production
// ask for more CPU than that at their smallest size (production: about 7 cores). The node's copy
// of a stack file scales every service's CPU request by one factor, so that the pods fit with room
// for a rollout's surge pod and the hand-run backup jobs; CPU limits, memory, replica counts and
// everything else stay as the stack file declares them. The factor is reported, never hidden.
import { parseDocument } from "yaml";
import type { PlatformConfig } from "../../components/config";
import { parseCpu } from "../../components/config/quantity";

/**
 * The node's CPU for the stack's steady pods, in millicores: its 2,000 less CoreDNS (50) and
 * room for a surge pod and a backup job at once.
 */
export const nodeCpuBudget = 1400;

/** The stack's CPU requests at its smallest size: each service's pods (or HPA minimum). */
export function cpuAtMinimum(config: PlatformConfig): number {
  // Redis in Sentinel mode runs a pod per server, each with a Sentinel and two exporters.
  const sentinelMode = config.redis.mode === "sentinel";
  const servers = sentinelMode ? config.redis.replicas + 1 : 1;
  const containersOf: Partial<Record<string, number>> = {
    // A CloudNativePG cluster runs `database.instances` pods of the postgres settings.
    ...(config.database.engine === "cloudnative-pg" ? { postgres: config.database.instances } : {}),
    redis: servers,
    redisSentinel: servers,
    redisExporter: sentinelMode ? servers * 2 : 1,
  };
  return Object.entries(config.services).reduce((total, [service, settings]) => {
    if (!settings) return total;
    const replicas =
      containersOf[service] ?? settings.autoscaling?.minReplicas ?? settings.replicas;
    return total + replicas * (parseCpu(settings.resources.requests.cpu) ?? 0);
  }, 0);
}

export interface NodeFit {
  /** What every CPU request is multiplied by: 1 when the stack fits as it is. */
  readonly factor: number;
  /** The stack file's text with the scaled requests. */
  readonly stackFile: string;
}

/** `stackFile` with every service's CPU request scaled so that `config` fits `budget`. */
export function fitToNode(
  stackFile: string,
  config: PlatformConfig,
  budget = nodeCpuBudget,
): NodeFit {
  const factor = Math.min(1, budget / cpuAtMinimum(config));
  if (factor === 1) return { factor, stackFile };
  const document = parseDocument(stackFile);
  for (const [service, settings] of Object.entries(config.services)) {
    if (!settings) continue;
    const { requests, limits } = settings.resources;
    const scaled = Math.max(1, Math.floor((parseCpu(requests.cpu) ?? 0) * factor));
    document.setIn(
      ["config", "toolboxai:services", service, "resources"],
      document.createNode({ requests: { ...requests, cpu: `${scaled}m` }, limits }),
    );
  }
  return { factor, stackFile: document.toString() };
}
