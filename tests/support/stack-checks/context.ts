// What the stack checks share: the expectations a stack test states, the run and its
// namespaces, and lookups into the rendered objects.
import {
  mockPasswordPrefix,
  type ProgramRun,
  type RegisteredResource,
} from "../../../tools/engine/mock-engine";
import { cloudNativePgInstancePod } from "../../../policies/lib/cloudnative-pg";
import { isKubernetesObject } from "../../../tools/engine/render";

/* eslint-disable @typescript-eslint/no-explicit-any -- manifests are untyped JSON here */

export interface StackExpectations {
  /** How the stack file delivers the stack (`toolboxai:delivery`); default none. */
  readonly delivery?: "operator" | "argocd";
  /** Config values over the stack file's (full keys, `toolboxai:platform`), as `pulumi config set` would. */
  readonly overrides?: Readonly<Record<string, string>>;
  /** Secret config values (full keys), as `pulumi config set --secret` would set them. */
  readonly secrets?: Readonly<Record<string, string>>;
  readonly namespace: string;
  /** Whether the stack runs the local alert sink (`monitoring.alertSink`); default no. */
  readonly alertSink?: boolean;
  /** Expected pod count per Deployment/StatefulSet name (HPA minimum where autoscaled). */
  readonly replicas: Readonly<Record<string, number>>;
  /** Workloads with a HorizontalPodAutoscaler: name → [min, max]. */
  readonly autoscaled: Readonly<Record<string, readonly [number, number]>>;
  readonly publicUrl: string;
  readonly tlsIssuer?: string;
  /** Advisory findings the stack's policy config lets through, as "policy: object" (README). */
  readonly advisories: readonly string[];
  /** `toolboxai:quotaHeadroomPercent` of the stack. */
  readonly quotaHeadroomPercent: number;
  /**
   * PostgreSQL as a CloudNativePG cluster (`database.engine: cloudnative-pg`) of this many
   * instances, with the operator the stack installs; default the single server.
   */
  readonly database?: { readonly instances: number };
  /** Resources with Pulumi's `protect`, as "<Type> <Pulumi name>". */
  readonly protectedResources: readonly string[];
  /** The backup CronJobs, their schedule (from the RPO), the retention and the recipients. */
  readonly backups: {
    readonly jobs: readonly string[];
    readonly cron: string;
    readonly retentionDays: number;
    readonly recipients: number;
    /** Where backups go: the claim `backups` (default), or the bucket's BACKUP_S3_* settings. */
    readonly bucket?: {
      readonly endpoint: string;
      readonly bucket: string;
      readonly region: string;
      readonly prefix: string;
    };
  };
}

/** One stack's run, as describeStack hands it to each group of checks. */
export interface StackContext {
  readonly stack: string;
  readonly expected: StackExpectations;
  /** The stack's namespaces by role. */
  readonly namespaces: Readonly<Record<string, string>> & {
    readonly platform: string;
    readonly monitoring: string;
    readonly nodeExporter: string;
  };
  /** The program's run (set once describeStack's beforeAll has run). */
  readonly run: () => ProgramRun;
  /**
   * The pod-bearing controllers of the run (Deployments, StatefulSets, DaemonSets, CronJobs), and
   * each CloudNativePG Cluster as its operator's pods (`operatedPods`).
   */
  readonly pods: () => any[];
}

export const podKinds = new Set(["Deployment", "StatefulSet", "DaemonSet", "CronJob"]);

/**
 * A Cluster as a controller of the pods its operator makes, as the policy pack models them
 * (policies/lib/cloudnative-pg.ts): `spec.replicas` its instances, `spec.template` their pod.
 */
export function operatedPods(cluster: any): any {
  const { metadata, spec } = cloudNativePgInstancePod(cluster);
  return {
    kind: "Cluster",
    metadata: cluster.metadata,
    spec: { replicas: cluster.spec.instances, template: { metadata, spec } },
  };
}

/** The CloudNativePG operator's Deployment (components/data/cloudnative-pg/operator.ts). */
export const postgresOperator = "cloudnative-pg";

/**
 * Pods that read the Kubernetes API: the declared readers, and with a CloudNativePG cluster its
 * operator and its instances (their instance manager).
 */
export function apiReadersOf(expected: StackExpectations): Set<string> {
  return new Set([...apiReaders, ...(expected.database ? [postgresOperator, "postgres"] : [])]);
}

/** The pod template of a controller: a CronJob's is inside its Job template. */
export function templateOf(controller: any): any {
  return controller.kind === "CronJob"
    ? controller.spec.jobTemplate.spec.template
    : controller.spec.template;
}

/** The monitoring tier, one pod each, in every stack (components/monitoring). */
export const monitoringWorkloads = [
  "prometheus",
  "alertmanager",
  "grafana",
  "loki",
  "alloy",
  "jaeger",
  "kube-state-metrics",
];
/** The workloads that read the Kubernetes API, and so mount their ServiceAccount token. */
export const apiReaders = new Set(["prometheus", "alloy", "kube-state-metrics"]);

export function byKind(run: ProgramRun, kind: string): RegisteredResource[] {
  return run.resources.filter(
    (resource) => isKubernetesObject(resource) && resource.inputs.kind === kind,
  );
}

/** What each generated password starts with under the mocks: text that must never leak. */
export function generatedPasswords(run: ProgramRun): string[] {
  return run.resources
    .filter((resource) => resource.type === "random:index/randomPassword:RandomPassword")
    .map((resource) => mockPasswordPrefix(resource.name));
}

export function named(run: ProgramRun, kind: string, name: string, namespace?: string): any {
  const found = byKind(run, kind).find(
    (resource) =>
      (resource.inputs.metadata as any)?.name === name &&
      (namespace === undefined || (resource.inputs.metadata as any)?.namespace === namespace),
  );
  if (!found) throw new Error(`no ${kind} named ${name}${namespace ? ` in ${namespace}` : ""}`);
  return found.inputs;
}

/** The validator class of a manifest, from kubernetes-models (a maintained schema library). */
export function modelFor(manifest: any): new (data: any) => { validate(): void } {
  const [group, version] = String(manifest.apiVersion).includes("/")
    ? String(manifest.apiVersion).split("/")
    : [undefined, manifest.apiVersion];
  const module = group ? `kubernetes-models/${group}/${version}` : `kubernetes-models/${version}`;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const model = require(module)[manifest.kind];
  if (!model) throw new Error(`kubernetes-models has no ${manifest.apiVersion} ${manifest.kind}`);
  return model;
}
