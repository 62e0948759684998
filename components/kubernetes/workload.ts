// Renders one WorkloadSpec as Kubernetes resources: ServiceAccount, ConfigMap and Secret (files),
// Deployment, StatefulSet, DaemonSet or CronJob, Service, NetworkPolicy, and a PodDisruptionBudget and
// HorizontalPodAutoscaler where the replica settings call for them.
import { createHash } from "node:crypto";
import * as k8s from "./api";
import * as pulumi from "@pulumi/pulumi";
import { secretChecksum } from "../model/checksum";
import { resolveSecurity, type SecurityProfile } from "../model/security";
import { assertValidWorkload } from "../model/validate";
import type { Endpoint, PortSpec, Priority, WorkloadSpec } from "../model/workload";
import { labelValue, recommendedLabels, selectorLabels, zoneLabels } from "./labels";
import { awaitMetadata, type AwaitContext } from "./await";
import { workloadPolicySpec, type NetworkContext } from "./network";
import { dataVolume, podSpec } from "./pod";

export interface KubernetesContext extends NetworkContext, AwaitContext {
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

export interface KubernetesWorkloadArgs {
  readonly spec: WorkloadSpec;
  readonly context: KubernetesContext;
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** Topology spread for replicated workloads: prefer distinct nodes and zones, never block. */
function spreadConstraints(labels: Record<string, string>) {
  return ["kubernetes.io/hostname", "topology.kubernetes.io/zone"].map((topologyKey) => ({
    maxSkew: 1,
    topologyKey,
    whenUnsatisfiable: "ScheduleAnyway",
    labelSelector: { matchLabels: labels },
  }));
}

/** Prefer, never require, one replica per node: a full node must not block a rollout. */
function preferDistinctNodes(labels: Record<string, string>) {
  return {
    preferredDuringSchedulingIgnoredDuringExecution: [
      {
        weight: 100,
        podAffinityTerm: {
          topologyKey: "kubernetes.io/hostname",
          labelSelector: { matchLabels: labels },
        },
      },
    ],
  };
}

/** What every builder of a workload's resources shares: its spec, names, labels and options. */
interface WorkloadScope {
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

function createServiceAccount(scope: WorkloadScope) {
  const { spec, namespace, labels, names, security, child } = scope;
  return new k8s.core.v1.ServiceAccount(
    spec.name,
    {
      metadata: { name: names.serviceAccount, namespace, labels },
      automountServiceAccountToken: security.automountServiceAccountToken,
    },
    child,
  );
}

/**
 * The workload's reads of the Kubernetes API: a Role and RoleBinding in each namespace it reads,
 * and a ClusterRole and ClusterRoleBinding (named after the installation, being cluster-wide)
 * for cluster-scoped resources. Returns the bindings, which its pods need before they start.
 */
function createApiAccess(scope: WorkloadScope): pulumi.Resource[] {
  const { spec, context, namespace, labels, names, child } = scope;
  const access = spec.apiAccess;
  if (!access) return [];
  const subjects = [{ kind: "ServiceAccount", name: names.serviceAccount, namespace }];
  const rulesOf = (rules: NonNullable<typeof access.cluster>) =>
    rules.map((rule) => ({
      apiGroups: [...rule.apiGroups],
      resources: [...rule.resources],
      verbs: [...rule.verbs],
    }));
  const bindings: pulumi.Resource[] = [];
  for (const grant of access.namespaced ?? []) {
    for (const target of grant.namespaces) {
      const name = `${spec.name}-read`;
      const role = new k8s.rbac.v1.Role(
        `${spec.name}-read-${target}`,
        { metadata: { name, namespace: target, labels }, rules: rulesOf(grant.rules) },
        child,
      );
      bindings.push(
        new k8s.rbac.v1.RoleBinding(
          `${spec.name}-read-${target}`,
          {
            metadata: { name, namespace: target, labels },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name },
            subjects,
          },
          { ...child, dependsOn: [...child.dependsOn, role] },
        ),
      );
    }
  }
  if (access.cluster?.length) {
    const name = `${context.instance}-${spec.name}-read`;
    const role = new k8s.rbac.v1.ClusterRole(
      `${spec.name}-read`,
      { metadata: { name, labels }, rules: rulesOf(access.cluster) },
      child,
    );
    bindings.push(
      new k8s.rbac.v1.ClusterRoleBinding(
        `${spec.name}-read`,
        {
          metadata: { name, labels },
          roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name },
          subjects,
        },
        { ...child, dependsOn: [...child.dependsOn, role] },
      ),
    );
  }
  return bindings;
}

/** What the pods of a workload need before they can be created and started. */
interface PodPrerequisite<Annotation> {
  /** The pod annotation that rolls the pods when the content changes. */
  readonly annotations: Record<string, Annotation>;
  readonly resource?: pulumi.Resource;
}

/** The ConfigMap of the workload's config files. */
function createConfigFiles(scope: WorkloadScope): PodPrerequisite<string> {
  const { spec, namespace, labels, names, child } = scope;
  const configFiles = spec.configFiles ?? [];
  if (configFiles.length === 0) return { annotations: {} };
  const data = Object.fromEntries(configFiles.map((file) => [file.name, file.content]));
  const resource = new k8s.core.v1.ConfigMap(
    `${spec.name}-config`,
    { metadata: { name: names.configMap, namespace, labels }, data },
    child,
  );
  return {
    annotations: { "checksum.toolboxai.io/config": sha256(JSON.stringify(data)) },
    resource,
  };
}

/** The Secret of the workload's secret files. */
function createSecretFiles(scope: WorkloadScope): PodPrerequisite<pulumi.Output<string>> {
  const { spec, context, namespace, labels, names, child } = scope;
  const secretFiles = spec.secretFiles ?? [];
  if (secretFiles.length === 0) return { annotations: {} };
  const stringData = pulumi.secret(
    pulumi
      .all(secretFiles.map((file) => file.value))
      .apply((values) =>
        Object.fromEntries(secretFiles.map((file, index) => [file.name, values[index]])),
      ),
  );
  const resource = new k8s.core.v1.Secret(
    `${spec.name}-secrets`,
    {
      metadata: { name: names.secret, namespace, labels },
      type: "Opaque",
      stringData,
    },
    context.secretsProvider ? { ...child, provider: context.secretsProvider } : child,
  );
  // Pods roll when a secret changes. The checksum is left unsecret so that the pod template
  // (and every diff of it) stays readable; scrypt makes it useless for guessing the values.
  return {
    annotations: {
      "checksum.toolboxai.io/secrets": pulumi.unsecret(
        stringData.apply((data) => secretChecksum(spec.name, JSON.stringify(data))),
      ),
    },
    resource,
  };
}

function isReplicated(spec: WorkloadSpec): boolean {
  const minReplicas = spec.autoscaling?.minReplicas ?? spec.replicas;
  return minReplicas > 1 || (spec.autoscaling?.maxReplicas ?? 1) > 1;
}

function podTemplate(scope: WorkloadScope, annotations: Record<string, pulumi.Input<string>>) {
  const { spec, context, security, labels, selector, names } = scope;
  return {
    metadata: {
      labels: { ...labels, ...zoneLabels(spec.zones) },
      annotations,
    },
    spec: {
      ...podSpec(spec, security, names),
      priorityClassName: context.priorityClassNames[spec.priority ?? "standard"],
      ...(isReplicated(spec)
        ? {
            topologySpreadConstraints: spreadConstraints(selector),
            affinity: { podAntiAffinity: preferDistinctNodes(selector) },
          }
        : {}),
    },
  };
}

type PodTemplate = ReturnType<typeof podTemplate>;

function createStatefulSet(scope: WorkloadScope, template: PodTemplate) {
  const { spec, context, namespace, labels, selector, child } = scope;
  const volume = spec.persistentVolume!;
  return new k8s.apps.v1.StatefulSet(
    spec.name,
    {
      metadata: { name: spec.name, namespace, labels, ...awaitMetadata(context) },
      spec: {
        serviceName: spec.name,
        replicas: spec.replicas,
        selector: { matchLabels: selector },
        podManagementPolicy: "OrderedReady",
        updateStrategy: { type: "RollingUpdate" },
        // Deleting the StatefulSet must never delete the data.
        persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
        template,
        volumeClaimTemplates: [
          {
            metadata: { name: dataVolume, labels: selector },
            spec: {
              accessModes: ["ReadWriteOnce"],
              ...(volume.storageClass ? { storageClassName: volume.storageClass } : {}),
              resources: { requests: { storage: volume.size } },
            },
          },
        ],
      },
    },
    // The data outlives the stack: destroying it must be a decision (docs/DEPLOYMENT.md, "Protected data").
    { ...child, protect: context.protectData ?? false },
  );
}

/**
 * A CronJob: never two runs at once, a run that cannot start in time is skipped (and counted),
 * the last three successes and failures kept for inspection. Its last successful time is what
 * the monitoring tier's freshness alert reads (kube-state-metrics).
 */
function createCronJob(scope: WorkloadScope, template: PodTemplate) {
  const { spec, namespace, labels, child } = scope;
  const schedule = spec.schedule!;
  return new k8s.batch.v1.CronJob(
    spec.name,
    {
      metadata: { name: spec.name, namespace, labels },
      spec: {
        schedule: schedule.cron,
        timeZone: "Etc/UTC",
        concurrencyPolicy: "Forbid",
        startingDeadlineSeconds: schedule.startingDeadlineSeconds,
        suspend: false,
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 3,
        jobTemplate: {
          metadata: { labels },
          spec: {
            backoffLimit: schedule.backoffLimit ?? 1,
            activeDeadlineSeconds: schedule.activeDeadlineSeconds,
            template,
          },
        },
      },
    },
    child,
  );
}

/** One pod per node; a node agent rolls one node at a time. */
function createDaemonSet(scope: WorkloadScope, template: PodTemplate) {
  const { spec, context, namespace, labels, selector, child } = scope;
  return new k8s.apps.v1.DaemonSet(
    spec.name,
    {
      metadata: { name: spec.name, namespace, labels, ...awaitMetadata(context) },
      spec: {
        revisionHistoryLimit: 5,
        selector: { matchLabels: selector },
        updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1 } },
        template,
      },
    },
    child,
  );
}

function createDeployment(scope: WorkloadScope, template: PodTemplate) {
  const { spec, context, namespace, labels, selector, child } = scope;
  return new k8s.apps.v1.Deployment(
    spec.name,
    {
      metadata: { name: spec.name, namespace, labels, ...awaitMetadata(context) },
      spec: {
        // With an autoscaler the replica count is the autoscaler's alone: pinning it here
        // would fight the HPA on every update.
        ...(spec.autoscaling ? {} : { replicas: spec.replicas }),
        revisionHistoryLimit: 5,
        selector: { matchLabels: selector },
        strategy:
          spec.updateStrategy === "recreate"
            ? { type: "Recreate" }
            : { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
        template,
      },
    },
    child,
  );
}

/** A ClusterIP Service (headless for stateful workloads); returns its in-cluster DNS name. */
function createService(scope: WorkloadScope, ports: readonly PortSpec[]): string {
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

function createNetworkPolicy(scope: WorkloadScope): void {
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

function createDisruptionBudget(scope: WorkloadScope): void {
  const { spec, namespace, labels, selector, child } = scope;
  new k8s.policy.v1.PodDisruptionBudget(
    spec.name,
    {
      metadata: { name: spec.name, namespace, labels },
      spec: {
        maxUnavailable: spec.maxUnavailable ?? 1,
        selector: { matchLabels: selector },
        // A crash-looping pod must not block a node drain: evict unhealthy pods regardless.
        unhealthyPodEvictionPolicy: "AlwaysAllow",
      },
    },
    child,
  );
}

function createAutoscaler(
  scope: WorkloadScope,
  autoscaling: NonNullable<WorkloadSpec["autoscaling"]>,
  target: pulumi.Resource,
): void {
  const { spec, namespace, labels, child } = scope;
  new k8s.autoscaling.v2.HorizontalPodAutoscaler(
    spec.name,
    {
      metadata: { name: spec.name, namespace, labels },
      spec: {
        scaleTargetRef: {
          apiVersion: "apps/v1",
          kind: spec.kind === "stateful" ? "StatefulSet" : "Deployment",
          name: spec.name,
        },
        minReplicas: autoscaling.minReplicas,
        maxReplicas: autoscaling.maxReplicas,
        metrics: [
          {
            type: "Resource",
            resource: {
              name: "cpu",
              target: {
                type: "Utilization",
                averageUtilization: autoscaling.targetCpuUtilizationPercent,
              },
            },
          },
        ],
      },
    },
    { ...child, dependsOn: [...child.dependsOn, target] },
  );
}

export class KubernetesWorkload extends pulumi.ComponentResource {
  /** The resolved security profile the pods run with. */
  readonly security: SecurityProfile;
  /** In-cluster DNS name of the workload's Service (undefined for workloads without ports). */
  readonly serviceHost?: string;
  readonly workloadName: string;
  /** Name of the Secret holding the workload's secret files, if it has any. */
  readonly secretName?: string;
  private readonly ports: readonly PortSpec[];

  constructor(name: string, args: KubernetesWorkloadArgs, opts?: pulumi.ComponentResourceOptions) {
    super("toolboxai:kubernetes:Workload", name, {}, opts);
    const { spec, context } = args;
    assertValidWorkload(spec);
    // A workload that reads the API needs its token; every other keeps the default (none).
    this.security = resolveSecurity(spec.name, {
      ...spec.security,
      ...(spec.apiAccess ? { automountServiceAccountToken: true } : {}),
    });
    this.workloadName = spec.name;

    const version = spec.containers[0].image.tag ?? spec.containers[0].image.digest;
    const scope: WorkloadScope = {
      spec,
      context,
      security: this.security,
      namespace: context.namespace,
      labels: { ...spec.labels, ...recommendedLabels(spec.name, spec.component, context, version) },
      selector: selectorLabels(spec.name, context),
      names: {
        serviceAccount: spec.name,
        secret: `${spec.name}-secrets`,
        configMap: `${spec.name}-config`,
      },
      child: { parent: this, dependsOn: [...(context.dependsOn ?? [])] },
    };

    const serviceAccount = createServiceAccount(scope);
    const apiAccess = createApiAccess(scope);
    const configFiles = createConfigFiles(scope);
    const secretFiles = createSecretFiles(scope);
    if (spec.secretFiles?.length) this.secretName = scope.names.secret;
    const template = podTemplate(scope, { ...configFiles.annotations, ...secretFiles.annotations });
    // The pods name these by string: without the dependency the controller can be created first,
    // and its first pods are refused ("serviceaccount not found") until the retry.
    const controllerScope: WorkloadScope = {
      ...scope,
      child: {
        ...scope.child,
        dependsOn: [
          ...scope.child.dependsOn,
          serviceAccount,
          ...apiAccess,
          ...[configFiles.resource, secretFiles.resource].filter(
            (resource): resource is pulumi.Resource => resource !== undefined,
          ),
        ],
      },
    };
    const controller =
      spec.kind === "stateful"
        ? createStatefulSet(controllerScope, template)
        : spec.kind === "daemon"
          ? createDaemonSet(controllerScope, template)
          : spec.kind === "scheduled"
            ? createCronJob(controllerScope, template)
            : createDeployment(controllerScope, template);

    this.ports = spec.containers.flatMap((container) => container.ports ?? []);
    if (this.ports.length > 0) this.serviceHost = createService(scope, this.ports);
    createNetworkPolicy(scope);
    if (isReplicated(spec) && spec.kind !== "daemon") createDisruptionBudget(scope);
    if (spec.autoscaling) createAutoscaler(scope, spec.autoscaling, controller);

    this.registerOutputs({ serviceHost: this.serviceHost, version: labelValue(version ?? "") });
  }

  /** Where other workloads reach the named port of this one. */
  endpoint(portName: string): Endpoint {
    const port = this.ports.find((candidate) => candidate.name === portName);
    if (!this.serviceHost || !port) {
      throw new Error(`workload ${this.workloadName} publishes no port "${portName}"`);
    }
    return { host: this.serviceHost, port: port.port };
  }
}
