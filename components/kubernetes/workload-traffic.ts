// How a workload is reached: its Service, and the NetworkPolicy its zones derive.
import type { PortSpec } from "../model/workload";
import * as k8s from "./api";
import { awaitMetadata } from "./await";
import { workloadPolicySpec } from "./network";
import type { WorkloadScope } from "./workload-scope";

/** A ClusterIP Service (headless for stateful workloads); returns its in-cluster DNS name. */
export function createService(scope: WorkloadScope, ports: readonly PortSpec[]): string {
  const { spec, context, namespace, labels, selector, child } = scope;
  new k8s.core.v1.Service(
    spec.name,
    {
      metadata: { name: spec.name, namespace, labels, ...awaitMetadata(context) },
      spec: {
        type: "ClusterIP",
        ...(spec.kind === "stateful" ? { clusterIP: "None" } : {}),
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
