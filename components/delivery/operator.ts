// Delivery by the Pulumi Kubernetes Operator (v2): a `Stack` (pulumi.com/v1) that deploys this
// repository's program at a branch with this stack's name, in the stack's own delivery namespace.
// It refreshes and updates on every new commit and every resync (drift correction), retries with
// backoff, and never destroys on deletion. The state backend's credentials come from a Secret
// made outside the program (referenced, never inlined). The workspace runs as a ServiceAccount
// holding exactly the rights the stack needs (./deployer-rights.ts), in a pod hardened like
// every workload here.
import * as pulumi from "@pulumi/pulumi";
import type { DeliverySettings } from "../config/schema";
import { parseCpu, parseMemory } from "../config/quantity";
import * as k8s from "../kubernetes/api";
import { emptyFootprint, type Footprint } from "../kubernetes/budget";
import { partOf, recommendedLabels } from "../kubernetes/labels";
import { nonPublicRanges } from "../kubernetes/network";
import { kubernetesProbes, podSecurityContext } from "../kubernetes/pod";
import { resolveSecurity } from "../model/security";
import { clusterDeployerRules, namespacedDeployerRules, type ManagedKind } from "./deployer-rights";

export type OperatorSettings = Extract<DeliverySettings, { mode: "operator" }>;

export interface OperatorDeliveryArgs {
  readonly settings: OperatorSettings;
  /** The stack's name (`pulumi stack`); the backend's name when the settings give none. */
  readonly stack: string;
  readonly instance: string;
  /** Where the Stack and its workspace live (created by the caller). */
  readonly namespace: string;
  /** Every namespace the stack manages, this one included. */
  readonly stackNamespaces: readonly string[];
  /** The kinds the stack creates in them (`stackNamespacedKinds`): what the deployer manages. */
  readonly namespacedKinds: readonly ManagedKind[];
  /** The ClusterRole of an operator the stack installs, which the deployer may create and bind. */
  readonly operatorClusterRole?: string;
  /** The stack's admission policies and bindings, which the deployer manages by name. */
  readonly admissionPolicyNames?: readonly string[];
  /** The workspace pod's PriorityClass (the stack's standard one). */
  readonly priorityClassName: string;
  /** The Pulumi CLI the workspace runs: the version this program is tested with. */
  readonly pulumiImage: string;
  readonly dependsOn?: readonly pulumi.Resource[];
}

/** The workspace's `server` container (Pulumi runs there); its init containers get the defaults. */
export const workspaceResources = {
  requests: { cpu: "500m", memory: "1Gi" },
  limits: { cpu: "2", memory: "4Gi" },
};

/**
 * What the workspace pod can occupy, for the delivery namespace's quota: one pod (the operator's
 * StatefulSet of one); its init containers run one at a time, within the LimitRange's defaults.
 */
export const workspaceFootprint: Footprint = {
  ...emptyFootprint,
  pods: 1,
  requestsCpu: parseCpu(workspaceResources.requests.cpu)!,
  requestsMemory: parseMemory(workspaceResources.requests.memory)!,
  limitsCpu: parseCpu(workspaceResources.limits.cpu)!,
  limitsMemory: parseMemory(workspaceResources.limits.memory)!,
  maxContainerCpu: parseCpu(workspaceResources.limits.cpu)!,
  maxContainerMemory: parseMemory(workspaceResources.limits.memory)!,
};

/** The workspace's ServiceAccount. */
export const deployerAccount = "pulumi-deployer";
/** The port the operator calls the workspace's agent on (PKO v2). */
export const workspaceAgentPort = 50051;

export class OperatorDelivery extends pulumi.ComponentResource {
  /** The Stack object's name, for `kubectl get stack -n <namespace>`. */
  readonly stackObject: string;

  constructor(name: string, args: OperatorDeliveryArgs, opts?: pulumi.ComponentResourceOptions) {
    super("toolboxai:delivery:Operator", name, {}, opts);
    const { settings, namespace, instance } = args;
    const context = { instance };
    const inNamespace = { parent: this, dependsOn: [...(args.dependsOn ?? [])] };
    const labels = (component: string) => recommendedLabels(deployerAccount, component, context);

    const account = new k8s.core.v1.ServiceAccount(
      "deployer",
      {
        metadata: { name: deployerAccount, namespace, labels: labels("delivery") },
        // Mounted by the workspace pod alone (it deploys through the API server).
        automountServiceAccountToken: false,
      },
      inNamespace,
    );
    const subjects = [{ kind: "ServiceAccount", name: deployerAccount, namespace }];

    // Namespaced rights: a Role in each of the stack's namespaces, and nowhere else.
    for (const target of args.stackNamespaces) {
      const role = new k8s.rbac.v1.Role(
        `deployer-${target}`,
        {
          metadata: { name: `${instance}-deployer`, namespace: target, labels: labels("delivery") },
          rules: namespacedDeployerRules(args.namespacedKinds),
        },
        inNamespace,
      );
      new k8s.rbac.v1.RoleBinding(
        `deployer-${target}`,
        {
          metadata: { name: `${instance}-deployer`, namespace: target, labels: labels("delivery") },
          roleRef: {
            apiGroup: "rbac.authorization.k8s.io",
            kind: "Role",
            name: role.metadata.name,
          },
          subjects,
        },
        inNamespace,
      );
    }
    const clusterRole = new k8s.rbac.v1.ClusterRole(
      "deployer-cluster",
      {
        metadata: { name: `${instance}-deployer-cluster`, labels: labels("delivery") },
        rules: clusterDeployerRules(
          args.stackNamespaces,
          args.operatorClusterRole,
          args.admissionPolicyNames,
        ),
      },
      { parent: this },
    );
    new k8s.rbac.v1.ClusterRoleBinding(
      "deployer-cluster",
      {
        metadata: { name: `${instance}-deployer-cluster`, labels: labels("delivery") },
        roleRef: {
          apiGroup: "rbac.authorization.k8s.io",
          kind: "ClusterRole",
          name: clusterRole.metadata.name,
        },
        subjects,
      },
      inNamespace,
    );

    // The workspace pods (labelled by the operator): DNS (the namespace's own policy), HTTPS to
    // the repository and the backend, the API server; the operator calls their agent.
    const workspacePods = {
      "app.kubernetes.io/component": "workspace",
      "app.kubernetes.io/managed-by": "pulumi-kubernetes-operator",
    };
    new k8s.networking.v1.NetworkPolicy(
      "workspace",
      {
        metadata: { name: "pulumi-workspace", namespace, labels: labels("network-policy") },
        spec: {
          podSelector: { matchLabels: workspacePods },
          policyTypes: ["Ingress", "Egress"],
          ingress: [
            {
              from: [
                {
                  namespaceSelector: {
                    matchLabels: { "kubernetes.io/metadata.name": settings.operatorNamespace },
                  },
                },
              ],
              ports: [{ protocol: "TCP", port: workspaceAgentPort }],
            },
          ],
          egress: [
            {
              to: [{ ipBlock: { cidr: "0.0.0.0/0", except: nonPublicRanges } }],
              ports: [{ protocol: "TCP", port: 443 }],
            },
            // The API server, wherever the cluster puts it.
            {
              ports: [
                { protocol: "TCP", port: 443 },
                { protocol: "TCP", port: 6443 },
              ],
            },
          ],
        },
      },
      inNamespace,
    );

    // Pulumi Cloud (an https:// backend, or none) takes an access token; the self-managed
    // backends (s3, gs, azblob) a passphrase for the stack's secrets.
    const credentialKey =
      settings.backend === "" || settings.backend.startsWith("https://")
        ? "PULUMI_ACCESS_TOKEN"
        : "PULUMI_CONFIG_PASSPHRASE";
    const profile = resolveSecurity("pulumi-workspace", undefined);
    const stack = new k8s.CustomResource(
      "stack",
      {
        apiVersion: "pulumi.com/v1",
        kind: "Stack",
        metadata: { name: instance, namespace, labels: labels("delivery") },
        spec: {
          stack: settings.stack || args.stack,
          projectRepo: settings.repository,
          branch: `refs/heads/${settings.branch}`,
          ...(settings.path ? { repoDir: settings.path } : {}),
          ...(settings.backend ? { backend: settings.backend } : {}),
          envRefs: {
            [credentialKey]: {
              type: "Secret",
              secret: { name: settings.credentialsSecret, key: credentialKey },
            },
          },
          // Drift: refresh before every update, and update on every resync even when the
          // commit has not changed; a conflicting update is retried.
          refresh: true,
          resyncFrequencySeconds: settings.resyncMinutes * 60,
          continueResyncOnCommitMatch: true,
          retryOnUpdateConflict: true,
          retryMaxBackoffDurationSeconds: settings.retryMaxBackoffMinutes * 60,
          // Deleting the Stack object stops delivery; it never deletes the environment.
          destroyOnFinalize: false,
          // Deploy only a stack that exists (bootstrapped by hand), never a new empty one.
          useLocalStackOnly: true,
          serviceAccountName: deployerAccount,
          workspaceReclaimPolicy: "Delete",
          workspaceTemplate: {
            spec: {
              image: args.pulumiImage,
              imagePullPolicy: "IfNotPresent",
              securityProfile: "restricted",
              resources: workspaceResources,
              // The CLI and its plugins write under HOME: the shared workspace volume.
              env: [
                { name: "HOME", value: "/share/home" },
                { name: "PULUMI_HOME", value: "/share/home/.pulumi" },
              ],
              podTemplate: {
                metadata: { labels: { "app.kubernetes.io/part-of": partOf } },
                spec: {
                  // The workspace deploys through the API server: it alone mounts the token.
                  automountServiceAccountToken: true,
                  priorityClassName: args.priorityClassName,
                  securityContext: podSecurityContext(profile),
                  containers: [
                    {
                      // The operator's name for the workspace container.
                      name: "server",
                      securityContext: {
                        allowPrivilegeEscalation: false,
                        readOnlyRootFilesystem: true,
                        capabilities: { drop: ["ALL"] },
                      },
                      volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
                      // The agent's gRPC port, which the operator calls: the one thing its
                      // image serves, so readiness and liveness both check it.
                      ...kubernetesProbes({
                        readiness: { tcp: { port: "grpc" } },
                        liveness: { tcp: { port: "grpc" } },
                      }),
                      // As the operator names it (merged by port number).
                      ports: [{ name: "grpc", containerPort: workspaceAgentPort }],
                    },
                  ],
                  volumes: [{ name: "tmp", emptyDir: { sizeLimit: "1Gi" } }],
                },
              },
            },
          },
        },
      },
      { ...inNamespace, dependsOn: [...(args.dependsOn ?? []), account] },
    );
    this.stackObject = instance;
    this.registerOutputs({ stack: stack.metadata.name });
  }
}
