// Who may open a connection to each port of a workload, and where beyond the zones a workload may
// connect: the zone table (./zones) applied to the rendered workloads. Renderers enforce it their
// own way (NetworkPolicies on Kubernetes, ../kubernetes/network.ts); kept as data, it is a stack
// output a reviewer reads ("who reaches the database?") and the table the e2e compares with the
// flows a real cluster lets through.
import type { TierRecord } from "./record";
import type { PortSpec, WorkloadSpec } from "./workload";
import { clientZones, zones as allZones, type Zone } from "./zones";

/** Who may connect to one port. */
export interface PortAudience {
  /** Members of these zones of the same installation. */
  readonly zones: readonly Zone[];
  /** The cluster's ingress controller: the port is the workload's public entry. */
  readonly ingressController: boolean;
  /** The workload's own pods, on their peer ports. */
  readonly peers?: true;
  /** The pods of the operator's namespace, on the ports it manages the instances through. */
  readonly operatorNamespace?: string;
  /**
   * Every address but link-local: the API server calling an admission webhook, from the control
   * plane's address, which no selector names (every pod can connect too).
   */
  readonly anyAddress?: true;
}

/** A port that serves the workload's clients (not metrics only, no audience of its own). */
export function servesClients(port: PortSpec): boolean {
  return port.purpose !== "metrics" && !port.openTo;
}

/** Who may connect to `port` of `spec`: its clients, its own audience, Prometheus on metrics. */
export function portAudience(spec: WorkloadSpec, port: PortSpec): PortAudience {
  const scraped = (spec.metrics ?? []).some((metrics) => metrics.port === port.name);
  const admitted = new Set<Zone>([
    ...(servesClients(port) ? clientZones(spec.zones) : []),
    ...(port.openTo ?? []),
    ...(scraped ? (["monitoring"] as const) : []),
  ]);
  const operated = spec.operated;
  return {
    zones: allZones.filter((zone) => admitted.has(zone)),
    ingressController: servesClients(port) && spec.publicEntry?.port === port.name,
    ...(spec.peerPorts?.includes(port.name) ? { peers: true as const } : {}),
    ...(operated?.operator.ports.includes(port.name)
      ? { operatorNamespace: operated.operator.namespace }
      : {}),
  };
}

/** Where a workload may connect outside its zones' members, and why. */
export interface OutsideEgress {
  /** "public": addresses outside every private and link-local range; "private": the nodes' and
   * other private addresses; "any-but-link-local": every address but the metadata server's. */
  readonly to: "public" | "private" | "any-but-link-local";
  readonly ports: readonly number[];
  readonly why: string;
}

/** The ports a workload may reach beyond its zones, by `to`. */
export function outsideEgress(spec: WorkloadSpec): OutsideEgress[] {
  return [
    ...(spec.scrapes
      ? [{ to: "private" as const, ports: [9100, 10250], why: "node-exporter and the kubelets" }]
      : []),
    ...(spec.apiAccess || spec.kind === "operated"
      ? [{ to: "any-but-link-local" as const, ports: [443, 6443], why: "the Kubernetes API" }]
      : []),
    ...(spec.internetEgress
      ? [{ to: "public" as const, ports: [443], why: "HTTPS to the internet" }]
      : []),
  ];
}

/** One port of a rendered workload and who may connect to it. */
export interface IngressFlow {
  readonly namespace: string;
  readonly workload: string;
  readonly port: string;
  readonly number: number;
  readonly from: PortAudience;
  /** The node's own port (host network): no NetworkPolicy applies, every pod on the node reaches it. */
  readonly hostNetwork?: true;
}

/** One workload's egress beyond its zones. */
export interface EgressFlow {
  readonly namespace: string;
  readonly workload: string;
  readonly outside: readonly OutsideEgress[];
}

/** The network flows the zone table allows between the workloads of `records`. */
export interface NetworkFlows {
  readonly ingress: readonly IngressFlow[];
  readonly egress: readonly EgressFlow[];
}

/** Two sets of flows as one (the platform's and an operator's). */
export function joinFlows(a: NetworkFlows, b: NetworkFlows): NetworkFlows {
  return { ingress: [...a.ingress, ...b.ingress], egress: [...a.egress, ...b.egress] };
}

export function networkFlows(records: readonly TierRecord[]): NetworkFlows {
  const workloads = records.flatMap((record) => record.workloads);
  return {
    ingress: workloads.flatMap(({ spec, namespace }) =>
      spec.containers.flatMap((container) =>
        (container.ports ?? []).map((port) => ({
          namespace,
          workload: spec.name,
          port: port.name,
          number: port.port,
          from: portAudience(spec, port),
          ...(spec.host?.network ? { hostNetwork: true as const } : {}),
        })),
      ),
    ),
    egress: workloads.map(({ spec, namespace }) => ({
      namespace,
      workload: spec.name,
      outside: outsideEgress(spec),
    })),
  };
}

/**
 * The flow table as a stack output, one line each, as `pulumi stack output networkFlows` prints it:
 * `ingress["<namespace>/<workload>:<port>"]` is "<number> ← <zones, the ingress controller>" (or
 * "← nobody", or "← every pod (host network)"); `egress["<namespace>/<workload>"]`, for each
 * workload that reaches beyond its zones, is "<ports> to <addresses> (<why>)", "; "-separated.
 */
export interface FlowTable {
  readonly ingress: Readonly<Record<string, string>>;
  readonly egress: Readonly<Record<string, string>>;
}

/** How the flow table names the address ranges of `OutsideEgress.to`. */
export const outsideRangeNames: Readonly<Record<OutsideEgress["to"], string>> = {
  public: "public addresses",
  private: "private addresses",
  "any-but-link-local": "any address but link-local",
};

export const ingressControllerSource = "the ingress controller";
export const peersSource = "its own pods";
export const anyAddressSource = "any address (the API server)";
/** How the flow table names an operator's namespace as a source. */
export const operatorSource = (namespace: string) => `the operator in ${namespace}`;
export const hostNetworkSource = "every pod (host network)";

export function flowTable(flows: NetworkFlows): FlowTable {
  const sources = (flow: IngressFlow) => {
    if (flow.hostNetwork) return hostNetworkSource;
    const named = [
      ...flow.from.zones,
      ...(flow.from.ingressController ? [ingressControllerSource] : []),
      ...(flow.from.peers ? [peersSource] : []),
      ...(flow.from.operatorNamespace ? [operatorSource(flow.from.operatorNamespace)] : []),
      ...(flow.from.anyAddress ? [anyAddressSource] : []),
    ];
    return named.join(", ") || "nobody";
  };
  return {
    ingress: Object.fromEntries(
      flows.ingress.map((flow) => [
        `${flow.namespace}/${flow.workload}:${flow.port}`,
        `${flow.number} ← ${sources(flow)}`,
      ]),
    ),
    egress: Object.fromEntries(
      flows.egress
        .filter((flow) => flow.outside.length > 0)
        .map((flow) => [
          `${flow.namespace}/${flow.workload}`,
          flow.outside
            .map(
              (outside) =>
                `${outside.ports.join(", ")} to ${outsideRangeNames[outside.to]} (${outside.why})`,
            )
            .join("; "),
        ]),
    ),
  };
}
