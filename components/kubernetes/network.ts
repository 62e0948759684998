// NetworkPolicy specs derived from the zone model. Pure functions: they return plain objects that
// the workload and namespace components hand to the Kubernetes provider.
import type * as k8s from "./api";
import type { WorkloadSpec } from "../model/workload";
import { clientZones, reachableZones, type Zone } from "../model/zones";
import { selectorLabels, zoneLabel, type LabelContext } from "./labels";

type NetworkPolicySpec = k8s.types.input.networking.v1.NetworkPolicySpec;
type Peer = k8s.types.input.networking.v1.NetworkPolicyPeer;
type Rule = k8s.types.input.networking.v1.NetworkPolicyIngressRule;
type EgressRule = k8s.types.input.networking.v1.NetworkPolicyEgressRule;

/** Private ranges: where a cluster's nodes, pods and Services have their addresses. */
const privateRanges = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"];

/** Link-local addresses: a cloud node's instance metadata server (169.254.169.254) is here. */
const linkLocalRange = "169.254.0.0/16";

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

/** The allow rules of one workload: who may reach its ports, and whom it may reach. */
export function workloadPolicySpec(spec: WorkloadSpec, context: NetworkContext): NetworkPolicySpec {
  const metricsPorts = new Set((spec.metrics ?? []).map((metrics) => metrics.port));
  const ports = spec.containers.flatMap((container) => container.ports ?? []);
  // Ports with their own audience (`openTo`) are opened to it alone, below.
  const servicePorts = ports.filter((port) => port.purpose !== "metrics" && !port.openTo);

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
  for (const port of ports.filter((candidate) => candidate.openTo)) {
    ingress.push({
      from: port.openTo!.map((zone) => zonePeer(zone, context)),
      ports: [{ protocol: "TCP", port: port.name }],
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
  for (const extra of spec.egress ?? []) {
    egress.push({
      to: [zonePeer(extra.zone, context)],
      ports: extra.ports.map((port) => ({ protocol: "TCP", port })),
    });
  }
  if (spec.scrapes) {
    // Every metrics port of the installation (each workload's own policy admits only its
    // metrics ports from the monitoring zone), and on the nodes' own addresses node-exporter
    // (host network) and the kubelets (cAdvisor).
    egress.push({
      to: [
        {
          namespaceSelector: {
            matchLabels: { "app.kubernetes.io/instance": context.instance },
          },
        },
      ],
    });
    egress.push({
      to: privateRanges.map((cidr) => ({ ipBlock: { cidr } })),
      ports: [
        { protocol: "TCP", port: 9100 },
        { protocol: "TCP", port: 10250 },
      ],
    });
  }
  if (spec.apiAccess) {
    // The API server's address is the cluster's (kubernetes.default.svc resolves to it), and
    // never link-local, where the metadata server is.
    egress.push({
      to: [{ ipBlock: { cidr: "0.0.0.0/0", except: [linkLocalRange] } }],
      ports: [
        { protocol: "TCP", port: 443 },
        { protocol: "TCP", port: 6443 },
      ],
    });
  }
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
