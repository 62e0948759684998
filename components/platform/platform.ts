// What index.ts composes the services on: a Kubernetes cluster or a local Docker engine, chosen by
// the stack's `platform` key. The components see only the renderers; everything that exists on
// one platform only (namespaces and quotas; networks) is here, or in its renderer.
import type * as pulumi from "@pulumi/pulumi";
import type { RecordingRenderer } from "../model/record";
import type { WorkloadRenderer } from "../model/renderer";

export interface Platform {
  /** Options every component is created with: the platform's provider. */
  readonly opts: pulumi.ComponentResourceOptions;
  /** Renders the applications, the data stores and the backups, and records them. */
  readonly renderer: RecordingRenderer;
  /** Renders the monitoring tier, and records it. */
  readonly monitoringRenderer: RecordingRenderer;
  /** What the monitoring tier watches on a cluster; absent on Docker. */
  readonly cluster?: ClusterView;
  /**
   * After the last workload: closes every renderer's record and creates what derives from all of
   * it, each namespace's quota (Kubernetes) or the helper that fills every file volume (Docker).
   * A workload rendered afterwards fails; on Docker, a program that never closes fails too.
   */
  close(): PlatformOutputs;
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

/** Stack outputs that say where things run; names only, never a secret's value. */
export interface PlatformOutputs {
  /** Kubernetes: the stack's namespaces; Docker: the engine's networks by zone. */
  readonly names:
    | { readonly namespaces: readonly string[] }
    | { readonly networks: Readonly<Record<string, pulumi.Output<string>>> };
  /** Kubernetes: the Secrets that hold the workloads' secret files. */
  readonly secrets: { readonly kubernetesSecrets?: readonly string[] };
  /** How the stack is delivered: the mode, and the object to watch (a Stack, an Application). */
  readonly delivery: {
    readonly mode: string;
    readonly namespace?: string;
    readonly stackObject?: string;
    /** Argo CD: the Application, and the deploy branch's folder it syncs. */
    readonly application?: string;
    readonly branch?: string;
    readonly path?: string;
  };
}
