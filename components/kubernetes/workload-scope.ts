// What the builders of one workload's Kubernetes resources share: the platform's context and the
// workload's scope (its spec, names, labels and the options of every child).
import type * as pulumi from "@pulumi/pulumi";
import type { SecurityProfile } from "../model/security";
import type { Priority, WorkloadSpec } from "../model/workload";
import type { NetworkContext } from "./network";

export interface KubernetesContext extends NetworkContext {
  /** How the cluster's Ingress controller serves a workload's public entry. */
  readonly ingress: {
    readonly className: string;
    /** cert-manager ClusterIssuer of the certificate; empty: no TLS (local clusters). */
    readonly tlsIssuer: string;
  };
  /** Key of the checksums that roll pods when their secrets change: a generated stack secret. */
  readonly checksumKey: pulumi.Input<string>;
  /** Namespace every resource of the workload is created in. */
  readonly namespace: string;
  /** Resources to create first (the namespace); the name alone carries no dependency. */
  readonly dependsOn?: readonly pulumi.Resource[];
  /** PriorityClass name per priority; pods get the one their spec asks for. */
  readonly priorityClassNames: Readonly<Record<Priority, string>>;
  /**
   * Pulumi `protect` on the controllers of workloads with a persistent volume, so that
   * `pulumi destroy` refuses to delete them; default false.
   */
  readonly protectData?: boolean;
  /**
   * The provider of the workload's Secret when it is not the one of everything else: with Argo CD
   * delivery the stack applies Secrets itself and renders the rest into git (never a secret).
   */
  readonly secretsProvider?: pulumi.ProviderResource;
}

/** What every builder of a workload's resources shares: its spec, names, labels and options. */
export interface WorkloadScope {
  readonly spec: WorkloadSpec;
  readonly context: KubernetesContext;
  readonly security: SecurityProfile;
  readonly namespace: string;
  /** Recommended labels of every resource. */
  readonly labels: Record<string, string>;
  /** The subset of labels that selects the workload's pods. */
  readonly selector: Record<string, string>;
  readonly names: {
    readonly serviceAccount: string;
    readonly secret: string;
    readonly configMap: string;
  };
  /** Options of every child: parented to the component, after the context's dependencies. */
  readonly child: pulumi.CustomResourceOptions & { dependsOn: pulumi.Resource[] };
}
