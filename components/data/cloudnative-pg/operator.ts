// The CloudNativePG operator, installed by the stack (`database.operator: install`; one per
// cluster): the release's CRDs, kept when the stack is destroyed (deleting a CRD deletes every
// cluster of that kind in the cluster), its ClusterRole and monitoring queries, and a Deployment
// hardened like every workload here, in a namespace of its own with default-deny policies and a
// quota. The operator makes its own webhook certificate and injects it into the webhooks.
import * as pulumi from "@pulumi/pulumi";
import type { ServiceSettings } from "../../config";
import { parseCpu, parseMemory } from "../../config/quantity";
import * as k8s from "../../kubernetes/api";
import { emptyFootprint, NamespaceBudget, type Footprint } from "../../kubernetes/budget";
import { recommendedLabels, selectorLabels, zoneLabel } from "../../kubernetes/labels";
import { PlatformNamespace } from "../../kubernetes/namespace";
import { linkLocalRange } from "../../kubernetes/network";
import {
  ephemeralStorageLimitFor,
  kubernetesProbes,
  podSecurityContext,
  withEphemeralStorage,
} from "../../kubernetes/pod";
import { preferDistinctNodes } from "../../kubernetes/workload-controllers";
import type { NetworkFlows, PortAudience } from "../../model/flows";
import { resolveSecurity } from "../../model/security";
import { imageReference } from "../../model/workload";
import { instanceStatusPort } from "../postgres-cluster";
import { releaseCrds, releaseObject } from "./release";

/** The operator's scratch folder, which its container's ephemeral-storage limit counts. */
const operatorScratchMi = 64;

export interface CloudNativePgOperatorArgs {
  readonly settings: ServiceSettings;
  readonly namespace: string;
  readonly instance: string;
  readonly priorityClassName: string;
  /** Margin of the namespace's quota (config `quotaHeadroomPercent`). */
  readonly headroomPercent: number;
  /**
   * The namespace's own options: applied directly like the stack's other namespaces, where the
   * rest is rendered for Argo CD (the platform's foundation `applyOpts`).
   */
  readonly namespaceOpts?: pulumi.ComponentResourceOptions;
}

/** The operator's fixed names (its code looks them up: internal/cmd/manager/controller). */
const operatorName = "cloudnative-pg";
const webhookService = "cnpg-webhook-service";
const webhookSecret = "cnpg-webhook-cert";
const monitoringQueries = "cnpg-default-monitoring";
const webhookPort = 9443;
const metricsPort = 8080;

/**
 * Who reaches the operator and where it reaches beyond the instances, for the stack's flow table
 * (`networkFlows`): what its NetworkPolicy below allows.
 */
export function operatorFlows(namespace: string): NetworkFlows {
  const flow = (port: string, number: number, from: PortAudience) => ({
    namespace,
    workload: operatorName,
    port,
    number,
    from,
  });
  return {
    ingress: [
      flow("metrics", metricsPort, { zones: ["monitoring"], ingressController: false }),
      flow("webhook", webhookPort, { zones: [], ingressController: false, anyAddress: true }),
    ],
    egress: [
      {
        namespace,
        workload: operatorName,
        outside: [{ to: "any-but-link-local", ports: [443, 6443], why: "the Kubernetes API" }],
      },
    ],
  };
}

export class CloudNativePgOperator extends pulumi.ComponentResource {
  /** The namespace the operator runs in: its pods manage the instances' status ports. */
  readonly namespace: string;
  /** Its flows, for the stack's flow table. */
  readonly flows: NetworkFlows;
  /** Its ClusterRole's name: what a deployer of the stack must be able to create and bind. */
  readonly clusterRole: string;

  constructor(
    name: string,
    args: CloudNativePgOperatorArgs,
    opts?: pulumi.ComponentResourceOptions,
  ) {
    super("toolboxai:data:CloudNativePgOperator", name, {}, opts);
    const { settings, instance } = args;
    const context = { instance };
    const version = settings.image.tag ?? settings.image.digest;
    const labels = (component: string) =>
      recommendedLabels(operatorName, component, context, version);

    const namespace = new PlatformNamespace(
      `${name}-namespace`,
      { name: args.namespace, instance, protect: false },
      { parent: this, ...args.namespaceOpts },
    );
    this.namespace = args.namespace;
    this.flows = operatorFlows(args.namespace);
    this.clusterRole = `${args.namespace}-cnpg-manager`;
    const inNamespace = { parent: this, dependsOn: [namespace] };

    // Kept on destroy: another stack's clusters may be of these kinds.
    const crds = releaseCrds().map(
      (crd) =>
        new k8s.apiextensions.v1.CustomResourceDefinition(
          crd.metadata.name,
          {
            ...(crd as unknown as k8s.types.input.apiextensions.v1.CustomResourceDefinition),
            metadata: {
              ...crd.metadata,
              labels: labels("crd"),
              // Shared by every stack on the cluster and kept when one is destroyed: another
              // stack's apply of the same CRD takes the fields over, not a conflict.
              annotations: { "pulumi.com/patchForce": "true" },
            },
          },
          { parent: this, retainOnDelete: true },
        ),
    );

    const account = new k8s.core.v1.ServiceAccount(
      `${name}-account`,
      {
        metadata: { name: "cnpg-manager", namespace: args.namespace, labels: labels("operator") },
        // Mounted by the operator's pods alone, which ask for it.
        automountServiceAccountToken: false,
      },
      inNamespace,
    );
    const managerRole = releaseObject("ClusterRole", "cnpg-manager");
    const role = new k8s.rbac.v1.ClusterRole(
      `${name}-role`,
      {
        metadata: { name: this.clusterRole, labels: labels("operator") },
        rules: managerRole.rules as k8s.types.input.rbac.v1.PolicyRule[],
      },
      { parent: this },
    );
    const binding = new k8s.rbac.v1.ClusterRoleBinding(
      `${name}-role`,
      {
        metadata: { name: this.clusterRole, labels: labels("operator") },
        roleRef: {
          apiGroup: "rbac.authorization.k8s.io",
          kind: "ClusterRole",
          name: role.metadata.name,
        },
        subjects: [{ kind: "ServiceAccount", name: "cnpg-manager", namespace: args.namespace }],
      },
      inNamespace,
    );
    const queries = new k8s.core.v1.ConfigMap(
      `${name}-monitoring`,
      {
        metadata: {
          name: monitoringQueries,
          namespace: args.namespace,
          labels: labels("operator"),
        },
        data: releaseObject("ConfigMap", monitoringQueries).data as Record<string, string>,
      },
      inNamespace,
    );
    new k8s.core.v1.Service(
      `${name}-webhook`,
      {
        metadata: { name: webhookService, namespace: args.namespace, labels: labels("operator") },
        spec: {
          type: "ClusterIP",
          selector: selectorLabels(operatorName, context),
          ports: [{ name: "webhook", port: 443, targetPort: "webhook", protocol: "TCP" }],
        },
      },
      inNamespace,
    );

    // The webhooks the release declares, pointed at this namespace. The operator fills in their
    // CA bundle at its start, and stops if they are missing: they come first; the Clusters
    // (created after this component) wait until it is ready.
    const webhookConfigurations: pulumi.Resource[] = [];
    for (const kind of [
      "MutatingWebhookConfiguration",
      "ValidatingWebhookConfiguration",
    ] as const) {
      const release = releaseObject(
        kind,
        kind === "MutatingWebhookConfiguration"
          ? "cnpg-mutating-webhook-configuration"
          : "cnpg-validating-webhook-configuration",
      );
      const webhooks = (release.webhooks as { clientConfig: { service: object } }[]).map(
        (webhook) => ({
          ...webhook,
          clientConfig: {
            ...webhook.clientConfig,
            service: { ...webhook.clientConfig.service, namespace: args.namespace },
          },
        }),
      );
      const Resource =
        kind === "MutatingWebhookConfiguration"
          ? k8s.admissionregistration.v1.MutatingWebhookConfiguration
          : k8s.admissionregistration.v1.ValidatingWebhookConfiguration;
      const configuration = new Resource(
        `${name}-${kind === "MutatingWebhookConfiguration" ? "mutating" : "validating"}`,
        {
          metadata: { name: release.metadata.name, labels: labels("operator") },
          webhooks: webhooks as never,
        },
        // The operator patches caBundle: not a drift to undo.
        { parent: this, ignoreChanges: ["webhooks[*].clientConfig.caBundle"] },
      );
      webhookConfigurations.push(configuration);
    }

    const profile = resolveSecurity(operatorName, { automountServiceAccountToken: true });
    new k8s.apps.v1.Deployment(
      `${name}-manager`,
      {
        metadata: { name: operatorName, namespace: args.namespace, labels: labels("operator") },
        spec: {
          replicas: settings.replicas,
          selector: { matchLabels: selectorLabels(operatorName, context) },
          // A new pod is ready before an old one stops; the leader election hands over.
          strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
          template: {
            metadata: { labels: labels("operator") },
            spec: {
              serviceAccountName: "cnpg-manager",
              // It reconciles through the API server: the one pod here that mounts the token.
              automountServiceAccountToken: true,
              priorityClassName: args.priorityClassName,
              terminationGracePeriodSeconds: 10,
              // One per node where there are several, so that a node's loss leaves the standby.
              affinity: {
                podAntiAffinity: preferDistinctNodes(selectorLabels(operatorName, context)),
              },
              topologySpreadConstraints: [
                {
                  maxSkew: 1,
                  topologyKey: "kubernetes.io/hostname",
                  whenUnsatisfiable: "ScheduleAnyway",
                  labelSelector: { matchLabels: selectorLabels(operatorName, context) },
                },
              ],
              securityContext: podSecurityContext(profile),
              containers: [
                {
                  name: "manager",
                  image: imageReference(settings.image),
                  imagePullPolicy: "IfNotPresent",
                  command: ["/manager"],
                  args: [
                    "controller",
                    "--leader-elect",
                    "--max-concurrent-reconciles=10",
                    "--config-map-name=cnpg-controller-manager-config",
                    "--secret-name=cnpg-controller-manager-config",
                    `--webhook-port=${webhookPort}`,
                  ],
                  env: [
                    // The instance pods copy the instance manager from this image.
                    { name: "OPERATOR_IMAGE_NAME", value: imageReference(settings.image) },
                    { name: "OPERATOR_NAMESPACE", value: args.namespace },
                    { name: "MONITORING_QUERIES_CONFIGMAP", value: monitoringQueries },
                  ],
                  ports: [
                    { name: "metrics", containerPort: metricsPort, protocol: "TCP" },
                    { name: "webhook", containerPort: webhookPort, protocol: "TCP" },
                  ],
                  ...operatorProbes(),
                  // Node disk as the platform's containers have it: logs, and its scratch folder.
                  resources: withEphemeralStorage(
                    settings.resources,
                    ephemeralStorageLimitFor(operatorScratchMi),
                  ),
                  securityContext: {
                    runAsNonRoot: true,
                    runAsUser: profile.runAsUser,
                    runAsGroup: profile.runAsGroup,
                    privileged: false,
                    allowPrivilegeEscalation: false,
                    readOnlyRootFilesystem: true,
                    capabilities: { drop: ["ALL"] },
                  },
                  volumeMounts: [
                    { name: "scratch-data", mountPath: "/controller" },
                    {
                      name: "webhook-certificates",
                      mountPath: "/run/secrets/cnpg.io/webhook",
                      readOnly: true,
                    },
                  ],
                },
              ],
              volumes: [
                { name: "scratch-data", emptyDir: { sizeLimit: `${operatorScratchMi}Mi` } },
                // The operator creates this Secret at its first start and waits for the mount.
                {
                  name: "webhook-certificates",
                  secret: { secretName: webhookSecret, optional: true, defaultMode: 0o444 },
                },
              ],
            },
          },
        },
      },
      {
        ...inNamespace,
        dependsOn: [namespace, account, binding, queries, ...crds, ...webhookConfigurations],
      },
    );

    new k8s.policy.v1.PodDisruptionBudget(
      `${name}-budget`,
      {
        metadata: { name: operatorName, namespace: args.namespace, labels: labels("operator") },
        spec: {
          maxUnavailable: 1,
          // A pod that never becomes ready must not block a node's drain.
          unhealthyPodEvictionPolicy: "AlwaysAllow",
          selector: { matchLabels: selectorLabels(operatorName, context) },
        },
      },
      inNamespace,
    );

    // Who reaches the operator: the API server, wherever the cluster puts it, on the webhook
    // port; Prometheus on its metrics. It reaches the API server and the instances' status API.
    new k8s.networking.v1.NetworkPolicy(
      `${name}-policy`,
      {
        metadata: {
          name: operatorName,
          namespace: args.namespace,
          labels: labels("network-policy"),
        },
        spec: {
          podSelector: { matchLabels: selectorLabels(operatorName, context) },
          policyTypes: ["Ingress", "Egress"],
          ingress: [
            // The API server calls the webhooks from the control plane's address.
            {
              from: [{ ipBlock: { cidr: "0.0.0.0/0", except: [linkLocalRange] } }],
              ports: [{ protocol: "TCP", port: webhookPort }],
            },
            {
              from: [
                {
                  namespaceSelector: { matchLabels: { "app.kubernetes.io/instance": instance } },
                  podSelector: { matchLabels: { [zoneLabel("monitoring")]: "true" } },
                },
              ],
              ports: [{ protocol: "TCP", port: metricsPort }],
            },
          ],
          egress: [
            // The API server, wherever the cluster puts it (never link-local: the metadata server).
            {
              to: [{ ipBlock: { cidr: "0.0.0.0/0", except: [linkLocalRange] } }],
              ports: [
                { protocol: "TCP", port: 443 },
                { protocol: "TCP", port: 6443 },
              ],
            },
            // The instances it manages, in whichever namespace their clusters are.
            {
              to: [
                {
                  namespaceSelector: {},
                  podSelector: { matchLabels: { "cnpg.io/podRole": "instance" } },
                },
              ],
              ports: [{ protocol: "TCP", port: instanceStatusPort }],
            },
          ],
        },
      },
      inNamespace,
    );

    new NamespaceBudget(
      `${name}-quota`,
      {
        namespace: args.namespace,
        instance,
        footprint: operatorFootprint(settings),
        headroomPercent: args.headroomPercent,
        dependsOn: [namespace],
      },
      { parent: this },
    );
    this.registerOutputs({ namespace: this.namespace });
  }
}

/** Readiness from its health endpoint (HTTPS, on the webhook server); liveness by TCP there. */
function operatorProbes() {
  const probes = kubernetesProbes({
    readiness: { tcp: { port: "webhook" } },
    liveness: { tcp: { port: "webhook" } },
  });
  const readyz = {
    tcpSocket: undefined,
    httpGet: { path: "/readyz", port: "webhook", scheme: "HTTPS" },
  };
  return {
    readinessProbe: { ...probes.readinessProbe, ...readyz },
    livenessProbe: probes.livenessProbe,
    startupProbe: { ...probes.startupProbe, ...readyz },
  };
}

/** The operator's pods at their most: its replicas and one rolling update's surge. */
export function operatorFootprint(settings: ServiceSettings): Footprint {
  const pods = settings.replicas + 1;
  const cpu = (value: string) => parseCpu(value) ?? 0;
  const memory = (value: string) => parseMemory(value) ?? 0;
  const { requests, limits } = settings.resources;
  return {
    ...emptyFootprint,
    pods,
    requestsCpu: pods * cpu(requests.cpu),
    requestsMemory: pods * memory(requests.memory),
    limitsCpu: pods * cpu(limits.cpu),
    limitsMemory: pods * memory(limits.memory),
    maxContainerCpu: cpu(limits.cpu),
    maxContainerMemory: memory(limits.memory),
  };
}
