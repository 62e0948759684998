// How a workload is reached: its Service, the NetworkPolicy its zones derive, and its public
// entry.
import type * as pulumi from "@pulumi/pulumi";
import type { PortSpec } from "../model/workload";
import * as k8s from "./api";
import { recommendedLabels } from "./labels";
import { workloadPolicySpec } from "./network";
import type { WorkloadScope } from "./workload-scope";

/**
 * A ClusterIP Service (headless for stateful workloads, naming each pod); returns its in-cluster
 * DNS name. Peers of a stateful workload find each other by those names while they start, before
 * they are ready.
 */
export function createService(scope: WorkloadScope, ports: readonly PortSpec[]): string {
  const { spec, namespace, labels, selector, child } = scope;
  new k8s.core.v1.Service(
    spec.name,
    {
      metadata: { name: spec.name, namespace, labels },
      spec: {
        type: "ClusterIP",
        ...(spec.kind === "stateful" ? { clusterIP: "None" } : {}),
        ...(spec.kind === "stateful" && (spec.peerPorts ?? []).length > 0
          ? { publishNotReadyAddresses: true }
          : {}),
        selector,
        ports: ports.map((port) => ({
          name: port.name,
          port: port.port,
          targetPort: port.name,
          protocol: "TCP",
        })),
      },
    },
    child,
  );
  return serviceHostOf(spec.name, namespace);
}

/** A workload's Service, by its cluster DNS name. */
export function serviceHostOf(workload: string, namespace: string): string {
  return `${workload}.${namespace}.svc.cluster.local`;
}

export function createNetworkPolicy(scope: WorkloadScope): void {
  const { spec, context, namespace, labels, child } = scope;
  new k8s.networking.v1.NetworkPolicy(
    spec.name,
    {
      metadata: { name: spec.name, namespace, labels },
      spec: workloadPolicySpec(spec, context),
    },
    child,
  );
}

/**
 * The workload's public entry: an Ingress of the cluster's controller routing the host to the
 * port, with a cert-manager certificate when the stack names an issuer. `formerParent` keeps its
 * identity from when the gateway component created it.
 */
export function createIngress(scope: WorkloadScope, formerParent?: pulumi.Resource): void {
  const { spec, context, namespace, child } = scope;
  const entry = spec.publicEntry;
  const port = spec.containers[0].ports?.find((candidate) => candidate.name === entry?.port);
  if (!entry || !port) return;
  const tls = context.ingress.tlsIssuer !== "";
  new k8s.networking.v1.Ingress(
    spec.name,
    {
      metadata: {
        name: spec.name,
        namespace,
        labels: recommendedLabels(spec.name, spec.component, context),
        ...(tls
          ? { annotations: { "cert-manager.io/cluster-issuer": context.ingress.tlsIssuer } }
          : {}),
      },
      spec: {
        ingressClassName: context.ingress.className,
        ...(tls ? { tls: [{ hosts: [entry.host], secretName: `${spec.name}-tls` }] } : {}),
        rules: [
          {
            host: entry.host,
            http: {
              paths: [
                {
                  path: "/",
                  pathType: "Prefix",
                  backend: { service: { name: spec.name, port: { number: port.port } } },
                },
              ],
            },
          },
        ],
      },
    },
    { ...child, aliases: formerParent ? [{ parent: formerParent }] : [] },
  );
}
