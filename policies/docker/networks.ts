// Networks: the data and tool tiers' networks are internal.
import { resourceRule } from "../lib/define";
import { dockerNetworkType } from "../lib/docker";

export const dockerInternalNetworks = resourceRule({
  name: "docker-internal-networks",
  description:
    "Docker networks of the data and tool tiers (names ending in database, cache, mcp) are " +
    "internal, with no route outside Docker (data-tier-isolation (seed); seed Docker Phase 3 " +
    "test 6).",
  severity: "high",
  enforcementLevel: "mandatory",
  config: {
    internalNetworks: {
      type: "array",
      items: { type: "string" },
      default: ["database", "cache", "mcp"],
      description: "Network name endings that must be internal.",
    },
  },
  remediationSteps:
    "Set `internal: true` on the network; services that need the outside world join a second, " +
    "non-internal network.",
  appliesTo: (type) => type === dockerNetworkType,
  check: (resource, config) => {
    const name = String(resource.props.name ?? resource.ref.name);
    const suffix = (config.internalNetworks as string[]).find((ending) =>
      name.toLowerCase().endsWith(ending.toLowerCase()),
    );
    if (suffix === undefined || resource.props.internal === true) return [];
    return [
      `network "${name}" must be internal (its name ends in "${suffix}"); set internal: true`,
    ];
  },
});
