// Delivery by Argo CD (the rendered-manifests pattern): CI runs `pulumi up`, which renders the
// stack's workloads into a checkout of the deploy branch (.github/workflows/deliver-stack.yml) and
// applies the stack's foundation itself: its namespaces, priority classes and Secrets, so that no
// secret is ever committed, and the Argo CD objects below. An Application syncs the stack's folder
// of the deploy branch with automated prune and self-heal, retries with backoff and server-side
// apply; its AppProject admits exactly that repository, the stack's namespaces and the kinds the
// rendered folder holds, and nothing of the foundation.
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "../kubernetes/api";
import { recommendedLabels } from "../kubernetes/labels";
import { deployedPath, type ArgoCdSettings } from "../platform/deploy-branch";
import type { ManagedKind } from "./deployer-rights";

// The e2e's Argo CD suite reads the rendered folder by this name.
export { deployedManifestsDir } from "../platform/deploy-branch";

/**
 * Kinds the stack applies itself instead of committing them: namespaces and priority classes
 * (what every synced object needs before it can be admitted), and Secrets (never in git).
 */
export const foundationKinds: readonly string[] = ["Namespace", "PriorityClass", "Secret"];
/** Kinds of the operator's delivery, never in the rendered folder. */
const operatorKinds: readonly string[] = ["Stack"];

/** The kinds the rendered folder holds, for the AppProject's whitelists. */
export function syncedKinds(kinds: readonly ManagedKind[]): { group: string; kind: string }[] {
  return kinds
    .filter((kind) => !foundationKinds.includes(kind.kind) && !operatorKinds.includes(kind.kind))
    .map(({ group, kind }) => ({ group, kind }));
}

/** The cluster Argo CD runs in: the Application deploys there. */
export const inClusterServer = "https://kubernetes.default.svc";

/** Waits between sync retries: 30 s first, doubling, at most 10 min. */
export const retryBackoff = { duration: "30s", factor: 2, maxDuration: "10m" };

export interface ArgoCdDeliveryArgs {
  readonly settings: ArgoCdSettings;
  readonly stack: string;
  readonly instance: string;
  /** The namespace the Application deploys to by default: the platform's. */
  readonly namespace: string;
  /** Every namespace the stack manages: the AppProject's destinations. */
  readonly stackNamespaces: readonly string[];
  /** The kinds the stack creates in them (`stackNamespacedKinds`): the ones it may sync. */
  readonly namespacedKinds: readonly ManagedKind[];
  /** The cluster-scoped kinds the stack creates (`stackClusterKinds`). */
  readonly clusterKinds: readonly ManagedKind[];
}

export class ArgoCdDelivery extends pulumi.ComponentResource {
  /** The Application's name, for `kubectl get application -n <argocdNamespace>`. */
  readonly application: string;

  constructor(name: string, args: ArgoCdDeliveryArgs, opts?: pulumi.ComponentResourceOptions) {
    super("toolboxai:delivery:ArgoCd", name, {}, opts);
    const { settings, instance } = args;
    const metadata = {
      name: instance,
      namespace: settings.argocdNamespace,
      labels: recommendedLabels(instance, "delivery", { instance }),
    };

    const project = new k8s.CustomResource(
      "project",
      {
        apiVersion: "argoproj.io/v1alpha1",
        kind: "AppProject",
        metadata,
        spec: {
          description: `ToolboxAI ${args.stack}: the manifests CI renders, and nothing else`,
          sourceRepos: [settings.repository],
          destinations: args.stackNamespaces.map((namespace) => ({
            server: inClusterServer,
            namespace,
          })),
          clusterResourceWhitelist: syncedKinds(args.clusterKinds),
          namespaceResourceWhitelist: syncedKinds(args.namespacedKinds),
          // An object in the stack's namespaces that the folder does not hold shows as a warning.
          orphanedResources: { warn: true },
        },
      },
      { parent: this },
    );

    const application = new k8s.CustomResource(
      "application",
      {
        apiVersion: "argoproj.io/v1alpha1",
        kind: "Application",
        metadata,
        // No resources-finalizer: deleting the Application stops delivery and leaves the
        // environment running (like the operator's destroyOnFinalize: false).
        spec: {
          project: instance,
          source: {
            repoURL: settings.repository,
            targetRevision: settings.branch,
            path: deployedPath(settings, args.stack),
            // The provider writes into 0-crd/ and 1-manifest/ under the folder.
            directory: { recurse: true },
          },
          destination: { server: inClusterServer, namespace: args.namespace },
          syncPolicy: {
            automated: { prune: true, selfHeal: true, allowEmpty: false },
            syncOptions: ["ServerSideApply=true", "PruneLast=true", "FailOnSharedResource=true"],
            retry: { limit: settings.retryLimit, backoff: retryBackoff },
          },
        },
      },
      { parent: this, dependsOn: [project] },
    );
    this.application = instance;
    this.registerOutputs({ application: application.metadata.name });
  }
}
