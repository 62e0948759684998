// Network zones: the source design's Docker network segmentation, kept as data. A workload is a
// member of one or more zones; a zone says which zones may open connections to its members.
// Renderers derive every allow rule from this table, so the segmentation is reviewed here, once.

export const zones = [
  "frontend",
  "backend",
  "database",
  "cache",
  "mcp",
  "roblox",
  "monitoring",
  "observability",
  "backup",
] as const;
export type Zone = (typeof zones)[number];

export interface ZoneRule {
  readonly description: string;
  /** Zones whose members may connect to this zone's members, on the members' service ports. */
  readonly acceptsFrom: readonly Zone[];
}

export const zoneRules: Readonly<Record<Zone, ZoneRule>> = {
  frontend: {
    description: "dashboard and gateway; the gateway alone also accepts the ingress controller",
    acceptsFrom: ["frontend"],
  },
  backend: {
    description: "backend API, MCP server, agent coordinator, Celery",
    acceptsFrom: ["frontend", "backend", "roblox"],
  },
  database: {
    description:
      "PostgreSQL, reachable from the backend zone, Grafana (as a read-only role) and the backup job",
    acceptsFrom: ["backend", "observability", "backup"],
  },
  cache: {
    description: "Redis, reachable from the backend zone and the backup job",
    acceptsFrom: ["backend", "backup"],
  },
  mcp: {
    description: "MCP server and agent coordinator; called by each other and the backend zone",
    acceptsFrom: ["mcp", "backend"],
  },
  roblox: { description: "roblox-sync: reaches the backend and the Roblox APIs", acceptsFrom: [] },
  monitoring: {
    description:
      "the monitoring tier (Prometheus, Alertmanager, Loki, Alloy, Jaeger, exporters); it " +
      "scrapes every workload's metrics ports, and Grafana queries it",
    acceptsFrom: ["monitoring", "observability"],
  },
  observability: {
    description: "Grafana: reached only through the gateway's /grafana/ path",
    acceptsFrom: ["frontend"],
  },
  backup: {
    description:
      "the backup and restore-check jobs: they reach the data stores, nothing reaches them",
    acceptsFrom: [],
  },
};

/** Zones whose members accept connections from a member of any of `memberOf`. */
export function reachableZones(memberOf: readonly Zone[]): Zone[] {
  return zones.filter((zone) =>
    zoneRules[zone].acceptsFrom.some((from) => memberOf.includes(from)),
  );
}

/**
 * Zones whose members may connect to a workload that is a member of every zone in `memberOf`.
 * A client must be accepted by each of those zones: joining a second zone can only narrow who
 * gets in (the MCP server is in backend and mcp, so the frontend cannot reach it).
 */
export function clientZones(memberOf: readonly Zone[]): Zone[] {
  return zones.filter((client) =>
    memberOf.every((zone) => zoneRules[zone].acceptsFrom.includes(client)),
  );
}
