// NetworkPolicy specs derived from the zone model. Pure functions: they return plain objects that
// the workload and namespace components hand to the Kubernetes provider.
import type * as k8s from "./api";
import type { WorkloadSpec } from "../model/workload";
import { outsideEgress, portAudience, type OutsideEgress } from "../model/flows";
import { reachableZones, type Zone } from "../model/zones";
import { selectorLabels, zoneLabel, type LabelContext } from "./labels";

type NetworkPolicySpec = k8s.types.input.networking.v1.NetworkPolicySpec;
type Peer = k8s.types.input.networking.v1.NetworkPolicyPeer;
type Rule = k8s.types.input.networking.v1.NetworkPolicyIngressRule;
type EgressRule = k8s.types.input.networking.v1.NetworkPolicyEgressRule;

/** Private ranges: where a cluster's nodes, pods and Services have their addresses. */
const privateRanges = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"];

/** Link-local addresses: a cloud node's instance metadata server (169.254.169.254) is here. */
export const linkLocalRange = "169.254.0.0/16";

/** Private and link-local ranges that "the internet" never includes. */
export const nonPublicRanges = [...privateRanges, linkLocalRange, "127.0.0.0/8"];

export interface NetworkContext extends LabelContext {
  /** Namespace of the ingress controller that forwards public traffic to the gateway. */
  readonly ingressControllerNamespace: string;
}

/**
 * Members of a zone in any namespace of this installation (the platform's, the monitoring
 * tier's): the namespaces carry the installation's instance label, which no other environment's
 * namespaces do, so staging never reaches production.
 */
function zonePeer(zone: Zone, context: LabelContext): Peer {
  return {
    namespaceSelector: { matchLabels: { "app.kubernetes.io/instance": context.instance } },
    podSelector: { matchLabels: { [zoneLabel(zone)]: "true" } },
  };
}

/** Default-deny for every pod in the namespace: nothing in or out unless a policy allows it. */
export function defaultDenySpec(): NetworkPolicySpec {
  return { podSelector: {}, policyTypes: ["Ingress", "Egress"] };
}

/** DNS lookups to the cluster DNS service, for every pod in the namespace. */
export function allowDnsSpec(): NetworkPolicySpec {
  return {
    podSelector: {},
    policyTypes: ["Egress"],
    egress: [
      {
        to: [
          {
            namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
            podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
          },
        ],
        ports: [
          { protocol: "UDP", port: 53 },
          { protocol: "TCP", port: 53 },
        ],
      },
    ],
  };
}

/** The address blocks of each kind of destination beyond the zones (../model/flows.ts). */
const outsideBlocks: Readonly<Record<OutsideEgress["to"], Peer[]>> = {
  public: [{ ipBlock: { cidr: "0.0.0.0/0", except: nonPublicRanges } }],
  private: privateRanges.map((cidr) => ({ ipBlock: { cidr } })),
  // The API server's address is the cluster's (kubernetes.default.svc resolves to it), and never
  // link-local, where the metadata server is.
  "any-but-link-local": [{ ipBlock: { cidr: "0.0.0.0/0", except: [linkLocalRange] } }],
};

/**
 * An operated workload's operator reaching its pods: a policy of its own, so that a reviewer (and
 * the pack's zone isolation, by a declared exemption) sees this one peer apart from the zones'.
 */
export function operatorPolicySpec(spec: WorkloadSpec, context: NetworkContext): NetworkPolicySpec {
  const operator = spec.operated!.operator;
  return {
    podSelector: { matchLabels: selectorLabels(spec.name, context) },
    policyTypes: ["Ingress"],
    ingress: [
      {
        from: [
          {
            namespaceSelector: {
              matchLabels: { "kubernetes.io/metadata.name": operator.namespace },
            },
          },
        ],
        ports: operator.ports.map((port) => ({ protocol: "TCP", port })),
      },
    ],
  };
}

/** The allow rules of one workload: who may reach its ports, and whom it may reach. */
export function workloadPolicySpec(spec: WorkloadSpec, context: NetworkContext): NetworkPolicySpec {
  const ports = spec.containers.flatMap((container) => container.ports ?? []);

  // One rule per audience (../model/flows.ts portAudience), with the ports it may reach.
  const byZones = new Map<string, { zones: readonly Zone[]; ports: string[] }>();
  const ingress: Rule[] = [];
  for (const port of ports) {
    const audience = portAudience(spec, port);
    if (audience.zones.length > 0) {
      const key = audience.zones.join(",");
      const group = byZones.get(key) ?? { zones: audience.zones, ports: [] };
      group.ports.push(port.name);
      byZones.set(key, group);
    }
    if (audience.ingressController) {
      ingress.push({
        from: [
          {
            namespaceSelector: {
              matchLabels: { "kubernetes.io/metadata.name": context.ingressControllerNamespace },
            },
          },
        ],
        ports: [{ protocol: "TCP", port: port.name }],
      });
    }
  }
  ingress.unshift(
    ...[...byZones.values()].map((group) => ({
      from: group.zones.map((zone) => zonePeer(zone, context)),
      ports: group.ports.map((port) => ({ protocol: "TCP", port })),
    })),
  );

  // The pods replicate from each other (an operated workload's operator reaches them apart).
  const peerPorts = spec.peerPorts ?? [];
  const ownPods = { podSelector: { matchLabels: selectorLabels(spec.name, context) } };
  const tcp = (names: readonly string[]) => names.map((port) => ({ protocol: "TCP", port }));
  if (peerPorts.length > 0) ingress.push({ from: [ownPods], ports: tcp(peerPorts) });

  const egress: EgressRule[] = reachableZones(spec.zones).map((zone) => ({
    to: [zonePeer(zone, context)],
  }));
  if (peerPorts.length > 0) egress.push({ to: [ownPods], ports: tcp(peerPorts) });
  for (const extra of spec.egress ?? []) {
    egress.push({
      to: [zonePeer(extra.zone, context)],
      ports: extra.ports.map((port) => ({ protocol: "TCP", port })),
    });
  }
  if (spec.scrapes) {
    // Every metrics port of the installation: each workload's own policy admits only its
    // metrics ports from the monitoring zone. The nodes' own addresses follow, below.
    egress.push({
      to: [
        {
          namespaceSelector: {
            matchLabels: { "app.kubernetes.io/instance": context.instance },
          },
        },
      ],
    });
  }
  for (const outside of outsideEgress(spec)) {
    egress.push({
      to: outsideBlocks[outside.to],
      ports: outside.ports.map((port) => ({ protocol: "TCP", port })),
    });
  }

  return {
    podSelector: { matchLabels: selectorLabels(spec.name, context) },
    policyTypes: ["Ingress", "Egress"],
    ingress,
    egress,
  };
}
