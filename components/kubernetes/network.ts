// NetworkPolicy specs derived from the zone model. Pure functions: they return plain objects that
// the workload and namespace components hand to the Kubernetes provider.
import type * as k8s from "@pulumi/kubernetes";
import type { WorkloadSpec } from "../model/workload";
import { clientZones, reachableZones, type Zone } from "../model/zones";
import { selectorLabels, zoneLabel, type LabelContext } from "./labels";

type NetworkPolicySpec = k8s.types.input.networking.v1.NetworkPolicySpec;
type Peer = k8s.types.input.networking.v1.NetworkPolicyPeer;
type Rule = k8s.types.input.networking.v1.NetworkPolicyIngressRule;
type EgressRule = k8s.types.input.networking.v1.NetworkPolicyEgressRule;

/** Private and link-local ranges that "the internet" never includes. */
export const nonPublicRanges = [
  "10.0.0.0/8",
  "172.16.0.0/12",
  "192.168.0.0/16",
  "100.64.0.0/10",
  "169.254.0.0/16",
  "127.0.0.0/8",
];

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

/** The allow rules of one workload: who may reach its ports, and whom it may reach. */
export function workloadPolicySpec(spec: WorkloadSpec, context: NetworkContext): NetworkPolicySpec {
  const metricsPorts = new Set((spec.metrics ?? []).map((metrics) => metrics.port));
  const servicePorts = spec.containers
    .flatMap((container) => container.ports ?? [])
    .filter((port) => port.purpose !== "metrics");

  const ingress: Rule[] = [];
  const clients = clientZones(spec.zones);
  if (servicePorts.length > 0 && clients.length > 0) {
    ingress.push({
      from: clients.map((zone) => zonePeer(zone, context)),
      ports: servicePorts.map((port) => ({ protocol: "TCP", port: port.name })),
    });
  }
  if (spec.publicEntry && servicePorts.length > 0) {
    ingress.push({
      from: [
        {
          namespaceSelector: {
            matchLabels: { "kubernetes.io/metadata.name": context.ingressControllerNamespace },
          },
        },
      ],
      ports: servicePorts.map((port) => ({ protocol: "TCP", port: port.name })),
    });
  }
  if (metricsPorts.size > 0) {
    ingress.push({
      from: [zonePeer("monitoring", context)],
      ports: [...metricsPorts].map((port) => ({ protocol: "TCP", port })),
    });
  }

  const egress: EgressRule[] = reachableZones(spec.zones).map((zone) => ({
    to: [zonePeer(zone, context)],
  }));
  if (spec.internetEgress) {
    egress.push({
      to: [{ ipBlock: { cidr: "0.0.0.0/0", except: nonPublicRanges } }],
      ports: [{ protocol: "TCP", port: 443 }],
    });
  }

  return {
    podSelector: { matchLabels: selectorLabels(spec.name, context) },
    policyTypes: ["Ingress", "Egress"],
    ingress,
    egress,
  };
}
