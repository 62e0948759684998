// What index.ts composes the services on: a Kubernetes cluster or a local Docker engine, chosen by
// the stack's `platform` key. The components see only the renderers; everything that exists on
// one platform only (namespaces and quotas; networks) is here, or in its renderer.
import type * as pulumi from "@pulumi/pulumi";
import type { PlatformNamespace } from "../kubernetes/namespace";
import type { FlowTable, NetworkFlows } from "../model/flows";
import type { RecordingRenderer } from "../model/record";
import type { WorkloadRenderer } from "../model/renderer";
import type { Priority } from "../model/workload";

export interface Platform {
  /** Options every component is created with: the platform's provider. */
  readonly opts: pulumi.ComponentResourceOptions;
  /** Renders the applications, the data stores and the backups, and records them. */
  readonly renderer: RecordingRenderer;
  /** Renders the monitoring tier, and records it. */
  readonly monitoringRenderer: RecordingRenderer;
  /** What the monitoring tier watches on a cluster; absent on Docker. */
  readonly cluster?: ClusterView;
  /** What a delivery into the cluster builds on; absent on Docker. */
  readonly foundation?: ClusterFoundation;
  /**
   * After the last workload: closes every renderer's record and creates what derives from all of
   * it, each namespace's quota (Kubernetes) or the helper that fills every file volume (Docker).
   * A workload rendered afterwards fails; on Docker, a program that never closes fails too.
   * `beside`: the flows of what runs beside the renderers (an operator the stack installs), for
   * the flow table.
   */
  close(beside?: NetworkFlows): PlatformOutputs;
}

/** What the monitoring tier watches on a cluster: its namespaces and node-exporter's. */
export interface ClusterView {
  readonly namespaces: {
    /** The applications' namespace. */
    readonly platform: string;
    /** The monitoring tier's namespace. */
    readonly monitoring: string;
    /** node-exporter's own (privileged) namespace. */
    readonly nodeExporter: string;
  };
  /** Renders into node-exporter's namespace. */
  readonly nodeRenderer: WorkloadRenderer;
  /** cert-manager's namespace, when the stack issues its certificate with it. */
  readonly certManagerNamespace?: string;
}

/** What the stack's delivery (components/delivery) builds on in a cluster. */
export interface ClusterFoundation {
  /** Options that apply directly to the cluster, even where the workloads are rendered into git. */
  readonly applyOpts: pulumi.ComponentResourceOptions;
  /** The stack's namespaces: the platform's first. */
  readonly namespaces: readonly PlatformNamespace[];
  readonly priorityClassNames: Readonly<Record<Priority, string>>;
  /** The admission policies' and bindings' names; none where admissionPolicies is off. */
  readonly admissionPolicyNames: readonly string[];
}

/** Stack outputs that say where things run; names only, never a secret's value. */
export interface PlatformOutputs {
  /** Kubernetes: the stack's namespaces; Docker: the engine's networks, by zone or purpose. */
  readonly names:
    | { readonly namespaces: readonly string[] }
    | { readonly networks: Readonly<Record<string, pulumi.Output<string>>> };
  /** Kubernetes: the Secrets that hold the workloads' secret files. */
  readonly secrets: { readonly kubernetesSecrets?: readonly string[] };
  /**
   * Kubernetes: the flows the zone table allows, each enforced by a NetworkPolicy. Docker's
   * networks enforce zones, not ports: none there.
   */
  readonly flows?: FlowTable;
}
