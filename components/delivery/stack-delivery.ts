// How a stack on Kubernetes keeps itself deployed (docs/DELIVERY.md), composed by index.ts on the
// platform's foundation: nothing more (`none`), the Pulumi Kubernetes Operator's Stack with its
// workspace in a namespace of their own (`operator`), or Argo CD syncing the deploy branch
// (`argocd`).
import type * as pulumi from "@pulumi/pulumi";
import type { DeliverySettings } from "../config/schema";
import { NamespaceBudget } from "../kubernetes/budget";
import { PlatformNamespace } from "../kubernetes/namespace";
import { deployedPath } from "../platform/deploy-branch";
import type { ClusterFoundation } from "../platform/platform";
import { ArgoCdDelivery } from "./argocd";
import { stackClusterKinds, stackNamespacedKinds } from "./deployer-rights";
import { OperatorDelivery, workspaceFootprint } from "./operator";

/** The Pulumi CLI image the operator's workspaces run: the engine version this program is tested with. */
export const pulumiWorkspaceImage = "pulumi/pulumi:3.276.0-nonroot";

export interface StackDeliveryArgs {
  readonly settings: DeliverySettings;
  readonly stack: string;
  readonly instance: string;
  /** The stack's namespace setting: the delivery namespace is `<namespace>-delivery`. */
  readonly namespace: string;
  readonly foundation: ClusterFoundation;
  readonly quotaHeadroomPercent: number;
  /** Backups on a volume: the deployer manages claims too. */
  readonly backupsOnVolume: boolean;
  /** A CloudNativePG cluster: the deployer manages its Cluster and ScheduledBackup too. */
  readonly cloudNativePg: boolean;
  /**
   * The CloudNativePG operator the stack installs: its namespace joins the stack's, and its
   * ClusterRole is the one the deployer may create and bind without holding its rights.
   */
  readonly postgresOperator?: { readonly namespace: string; readonly clusterRole: string };
}

/** What the stack reports about its delivery: the mode, and the object to watch. */
export interface DeliveryOutputs {
  readonly mode: string;
  readonly namespace?: string;
  /** The operator's Stack. */
  readonly stackObject?: string;
  /** Argo CD: the Application, and the deploy branch's folder it syncs. */
  readonly application?: string;
  readonly branch?: string;
  readonly path?: string;
}

export interface StackDelivery {
  readonly outputs: DeliveryOutputs;
  /** Namespaces the delivery added to the stack's. */
  readonly namespaces: readonly string[];
}

export function deliverStack(
  args: StackDeliveryArgs,
  opts: pulumi.ComponentResourceOptions,
): StackDelivery {
  const { settings, foundation } = args;
  const stackNamespaces = [
    ...foundation.namespaces.map((namespace) => namespace.name),
    ...(args.postgresOperator ? [args.postgresOperator.namespace] : []),
  ];
  const namespacedKinds = stackNamespacedKinds(args.backupsOnVolume, args.cloudNativePg);
  if (settings.mode === "operator") {
    const deliveryNamespace = new PlatformNamespace(
      "delivery-namespace",
      { name: `${args.namespace}-delivery`, instance: args.instance },
      opts,
    );
    const operator = new OperatorDelivery(
      "delivery",
      {
        settings,
        stack: args.stack,
        instance: args.instance,
        namespace: deliveryNamespace.name,
        stackNamespaces: [...stackNamespaces, deliveryNamespace.name],
        namespacedKinds,
        operatorClusterRole: args.postgresOperator?.clusterRole,
        admissionPolicyNames: foundation.admissionPolicyNames,
        pulumiImage: pulumiWorkspaceImage,
        priorityClassName: foundation.priorityClassNames.standard,
        // Its Roles go into every namespace of the stack.
        dependsOn: [...foundation.namespaces, deliveryNamespace],
      },
      opts,
    );
    new NamespaceBudget(
      "delivery-namespace-budget",
      {
        namespace: deliveryNamespace.name,
        instance: args.instance,
        footprint: workspaceFootprint,
        headroomPercent: args.quotaHeadroomPercent,
        dependsOn: [deliveryNamespace],
      },
      opts,
    );
    return {
      outputs: {
        mode: settings.mode,
        namespace: deliveryNamespace.name,
        stackObject: operator.stackObject,
        branch: settings.branch,
      },
      namespaces: [deliveryNamespace.name],
    };
  }
  if (settings.mode === "argocd") {
    const argocd = new ArgoCdDelivery(
      "delivery",
      {
        settings,
        stack: args.stack,
        instance: args.instance,
        namespace: stackNamespaces[0],
        stackNamespaces,
        namespacedKinds,
        // Argo CD syncs no admission policy: the stack applies them with its foundation.
        clusterKinds: stackClusterKinds(args.postgresOperator !== undefined, false),
      },
      // Argo CD's objects are applied, not committed to the branch Argo CD syncs.
      foundation.applyOpts,
    );
    return {
      outputs: {
        mode: settings.mode,
        namespace: settings.argocdNamespace,
        application: argocd.application,
        branch: settings.branch,
        path: deployedPath(settings, args.stack),
      },
      namespaces: [],
    };
  }
  return { outputs: { mode: settings.mode }, namespaces: [] };
}
