// What index.ts composes the services on: a Kubernetes cluster or a local Docker engine, chosen by
// the stack's `platform` key. The components see only the renderers; everything that exists on
// one platform only (namespaces, quotas and the Ingress; networks and published ports) is here.
import type * as pulumi from "@pulumi/pulumi";
import type { GatewayArgs } from "../app/gateway";
import type { WorkloadRenderer } from "../model/renderer";
import type { MonitoringArgs } from "../monitoring/monitoring";
import type { ScrapeTarget } from "../monitoring/prometheus-config";

export interface Platform {
  /** Options every component is created with: the platform's provider. */
  readonly opts: pulumi.ComponentResourceOptions;
  /** Renders the applications, the data stores and the backups. */
  readonly renderer: WorkloadRenderer;
  /** Renders the monitoring tier. */
  readonly monitoringRenderer: WorkloadRenderer;
  /** What the monitoring tier watches on a cluster; absent on Docker. */
  readonly cluster?: MonitoringArgs["cluster"];
  /** How users reach the gateway. */
  readonly gatewayEntry: GatewayArgs["entry"];
  /** The metrics endpoints the workloads rendered so far declared. */
  readonly scrapeTargets: readonly ScrapeTarget[];
  /**
   * Called once, after the last workload: sizes each namespace's quota from what was rendered
   * (Kubernetes), or creates the helper that fills every file volume (Docker).
   */
  finish(): PlatformOutputs;
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
