// Checks every stack must pass, run against the real program with the real stack file. Each
// stack has its own test file (the SDK's runtime is global per process; jest isolates files).
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { isCustomResource } from "./crd-schemas";
import { itWithTool, runMonitoringTool } from "./monitoring-tools";
import { mandatoryViolations, packFindings } from "./pack";
import { tempDir } from "./temp";
import {
  mockPasswordPrefix,
  runProgram,
  type ProgramRun,
  type RegisteredResource,
} from "../../tools/engine/mock-engine";
import { ageRecipientOf } from "../../components/backup/age-keys";
import { parseCpu, parseMemory } from "../../components/config/quantity";
import { isKubernetesObject, writeRenderedOutput } from "../../tools/engine/render";
import { readStackConfig } from "../../tools/engine/stack-config";
import { toRunnerResources } from "../../tools/policy-resources";

/* eslint-disable @typescript-eslint/no-explicit-any -- manifests are untyped JSON here */

export interface StackExpectations {
  /** How the stack file delivers the stack (`toolboxai:delivery`); default none. */
  readonly delivery?: "operator" | "argocd";
  /** Config values over the stack file's (full keys, `toolboxai:platform`), as `pulumi config set` would. */
  readonly overrides?: Readonly<Record<string, string>>;
  /** Secret config values (full keys), as `pulumi config set --secret` would set them. */
  readonly secrets?: Readonly<Record<string, string>>;
  readonly namespace: string;
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

const podKinds = new Set(["Deployment", "StatefulSet", "DaemonSet", "CronJob"]);

/** The pod template of a controller: a CronJob's is inside its Job template. */
function templateOf(controller: any): any {
  return controller.kind === "CronJob"
    ? controller.spec.jobTemplate.spec.template
    : controller.spec.template;
}

/** The monitoring tier, one pod each, in every stack (components/monitoring). */
const monitoringWorkloads = [
  "prometheus",
  "alertmanager",
  "grafana",
  "loki",
  "alloy",
  "jaeger",
  "kube-state-metrics",
];
/** The workloads that read the Kubernetes API, and so mount their ServiceAccount token. */
const apiReaders = new Set(["prometheus", "alloy", "kube-state-metrics"]);

function byKind(run: ProgramRun, kind: string): RegisteredResource[] {
  return run.resources.filter(
    (resource) => isKubernetesObject(resource) && resource.inputs.kind === kind,
  );
}

/** What each generated password starts with under the mocks: text that must never leak. */
function generatedPasswords(run: ProgramRun): string[] {
  return run.resources
    .filter((resource) => resource.type === "random:index/randomPassword:RandomPassword")
    .map((resource) => mockPasswordPrefix(resource.name));
}

function named(run: ProgramRun, kind: string, name: string, namespace?: string): any {
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

export function describeStack(stack: string, expected: StackExpectations): void {
  const over = Object.entries(expected.overrides ?? {});
  const title = `Pulumi.${stack}.yaml${over.map(([key, value]) => `, ${key}=${value}`).join("")}`;
  describe(`stack ${stack} (${title})`, () => {
    const namespaces = {
      platform: expected.namespace,
      monitoring: `${expected.namespace}-monitoring`,
      nodeExporter: `${expected.namespace}-node-exporter`,
      // The operator's Stack and workspace, where the stack delivers itself.
      ...(expected.delivery === "operator" ? { delivery: `${expected.namespace}-delivery` } : {}),
    };
    let run: ProgramRun;
    beforeAll(async () => {
      const config = readStackConfig(stack);
      for (const [key, value] of over) config.values[key] = value;
      for (const [key, value] of Object.entries(expected.secrets ?? {})) {
        config.values[key] = value;
        config.secretKeys.push(key);
      }
      run = await runProgram(stack, { config });
    });

    const pods = () =>
      run.resources
        .filter(
          (resource) => isKubernetesObject(resource) && podKinds.has(String(resource.inputs.kind)),
        )
        .map((resource) => resource.inputs as any);

    test("renders every workload of the platform", () => {
      const names = pods()
        .map((workload) => workload.metadata.name)
        .sort();
      expect(names).toEqual(
        [
          ...Object.keys(expected.replicas),
          ...monitoringWorkloads,
          "node-exporter",
          ...expected.backups.jobs,
        ].sort(),
      );
    });

    test("each controller is created after the ServiceAccount, ConfigMaps and Secrets its pods name", () => {
      const objects = run.resources.filter(isKubernetesObject);
      const urnOf = (kind: string, name: string) =>
        objects.find(
          (resource) =>
            (resource.inputs as any).kind === kind &&
            (resource.inputs as any).metadata.name === name,
        )?.urn;
      const controllers = objects.filter((resource) => podKinds.has(String(resource.inputs.kind)));
      expect(controllers.length).toBeGreaterThan(0);
      for (const controller of controllers) {
        const pod = templateOf(controller.inputs).spec;
        const named = [
          urnOf("ServiceAccount", pod.serviceAccountName),
          ...pod.volumes
            .filter((volume: any) => volume.secret)
            .map((volume: any) => urnOf("Secret", volume.secret.secretName)),
          ...pod.volumes
            .filter((volume: any) => volume.configMap)
            .map((volume: any) => urnOf("ConfigMap", volume.configMap.name)),
        ];
        expect(named).not.toContain(undefined);
        expect({
          controller: controller.name,
          missing: named.filter((urn) => !controller.dependencies.includes(urn!)),
        }).toEqual({ controller: controller.name, missing: [] });
      }
    });

    test("backs up PostgreSQL and Redis every recovery point objective, encrypted, never two at once", () => {
      const cronJobs = byKind(run, "CronJob").map((resource) => resource.inputs as any);
      expect(cronJobs.map((job) => job.metadata.name).sort()).toEqual(
        [...expected.backups.jobs].sort(),
      );
      const verified = expected.backups.jobs.includes("postgres-restore-check");
      const bucket = expected.backups.bucket;
      const storageEnv = bucket
        ? {
            BACKUP_S3_ENDPOINT: bucket.endpoint,
            BACKUP_S3_BUCKET: bucket.bucket,
            BACKUP_S3_REGION: bucket.region,
            BACKUP_S3_PREFIX: bucket.prefix,
            S3_ACCESS_KEY_ID_FILE: "/run/secrets/s3-access-key-id",
            S3_SECRET_ACCESS_KEY_FILE: "/run/secrets/s3-secret-access-key",
          }
        : { BACKUP_DIR: "/backups" };
      const recipients: string[] = named(run, "Secret", "postgres-backup-secrets")
        .stringData["backup-encryption-key"].trim()
        .split("\n");
      expect(recipients.length).toBe(expected.backups.recipients + (verified ? 1 : 0));
      for (const recipient of recipients) expect(recipient).toMatch(/^age1[02-9ac-hj-np-z]{58}$/);
      for (const [name, target, script] of [
        ["postgres-backup", "postgres", "pg-backup.sh"],
        ["redis-backup", "redis", "redis-backup.sh"],
      ] as const) {
        const job = named(run, "CronJob", name, namespaces.platform);
        expect(job.metadata.labels["backup.toolboxai.io/target"]).toBe(target);
        expect(job.spec).toMatchObject({
          schedule: expected.backups.cron,
          timeZone: "Etc/UTC",
          concurrencyPolicy: "Forbid",
          suspend: false,
          successfulJobsHistoryLimit: 3,
          failedJobsHistoryLimit: 3,
        });
        expect(job.spec.startingDeadlineSeconds).toBeGreaterThan(0);
        expect(job.spec.jobTemplate.spec.activeDeadlineSeconds).toBeGreaterThan(0);
        const pod = templateOf(job).spec;
        const env = Object.fromEntries(
          pod.containers[0].env.map((variable: any) => [variable.name, variable.value]),
        );
        expect(env).toMatchObject({
          BACKUP_RETENTION_DAYS: String(expected.backups.retentionDays),
          BACKUP_ENCRYPTION_KEY_FILE: "/run/secrets/backup-encryption-key",
          ...storageEnv,
        });
        // The job runs the repository's own script, mounted from its ConfigMap.
        expect(pod.containers[0].command).toEqual(["sh", `/opt/backup/${script}`]);
        expect(named(run, "ConfigMap", `${name}-config`).data[script]).toBe(
          readFileSync(path.join(__dirname, "..", "..", "scripts", "backup", script), "utf8"),
        );
        if (bucket) {
          expect(env.BACKUP_DIR).toBeUndefined();
          expect(pod.volumes.filter((volume: any) => volume.persistentVolumeClaim)).toEqual([]);
        } else {
          expect(pod.volumes).toContainEqual({
            name: "claim-backups",
            persistentVolumeClaim: { claimName: "backups" },
          });
        }
        // Out: DNS and its data store's port, nothing else.
        const egress = named(run, "NetworkPolicy", name).spec.egress;
        expect(egress.flatMap((rule: any) => rule.to ?? [])).toContainEqual({
          namespaceSelector: {
            matchLabels: { "app.kubernetes.io/instance": `toolboxai-${stack}` },
          },
          podSelector: {
            matchLabels: {
              [`zone.toolboxai.io/${target === "postgres" ? "database" : "cache"}`]: "true",
            },
          },
        });
      }
      if (bucket) {
        // The bucket is outside the cluster: no claim; its credentials are the stack's secrets.
        const claims = byKind(run, "PersistentVolumeClaim");
        expect(claims.map((claim) => (claim.inputs.metadata as any).name)).not.toContain("backups");
        expect(named(run, "Secret", "postgres-backup-secrets").stringData).toMatchObject({
          "s3-access-key-id": expected.secrets?.["toolboxai:backupS3AccessKeyId"],
          "s3-secret-access-key": expected.secrets?.["toolboxai:backupS3SecretAccessKey"],
        });
      } else {
        expect(named(run, "PersistentVolumeClaim", "backups").metadata.labels).toMatchObject({
          "backup.toolboxai.io/storage": "true",
        });
      }
      if (verified) {
        const check = named(run, "CronJob", "postgres-restore-check");
        expect(check.spec.schedule).toBe("40 4 * * *");
        expect(check.metadata.labels["backup.toolboxai.io/target"]).toBeUndefined();
        const identity = named(run, "Secret", "postgres-restore-check-secrets").stringData[
          "restore-check-identity"
        ];
        // Every backup is also encrypted to the restore check's own key, and only it holds the
        // private half; the recovery keys' private halves are nowhere in the stack.
        expect(recipients).toContain(ageRecipientOf(identity.trim()));
        if (bucket) {
          const env = Object.fromEntries(
            templateOf(check).spec.containers[0].env.map((variable: any) => [
              variable.name,
              variable.value,
            ]),
          );
          expect(env).toMatchObject(storageEnv);
        } else {
          expect(templateOf(check).spec.volumes).toContainEqual({
            name: "claim-backups",
            persistentVolumeClaim: { claimName: "backups", readOnly: true },
          });
        }
        const secrets = byKind(run, "Secret").filter((secret) =>
          Object.values(secret.inputs.stringData as Record<string, string>).some((value) =>
            value.includes("AGE-SECRET-KEY-"),
          ),
        );
        expect(secrets.map((secret) => (secret.inputs.metadata as any).name)).toEqual([
          "postgres-restore-check-secrets",
        ]);
      }
    });

    test("the provider awaits readiness: no resource is annotated pulumi.com/skipAwait", () => {
      const skipping = run.resources.filter(
        (resource) =>
          isKubernetesObject(resource) &&
          (resource.inputs as any).metadata?.annotations?.["pulumi.com/skipAwait"] !== undefined,
      );
      expect(skipping.map((resource) => resource.name)).toEqual([]);
    });

    test("every container is hardened and sized", () => {
      for (const workload of pods()) {
        const pod = templateOf(workload).spec;
        expect({
          workload: workload.metadata.name,
          token: pod.automountServiceAccountToken,
        }).toEqual({
          workload: workload.metadata.name,
          token: apiReaders.has(workload.metadata.name),
        });
        expect(pod.securityContext).toMatchObject({
          runAsNonRoot: true,
          seccompProfile: { type: "RuntimeDefault" },
        });
        expect(pod.securityContext.runAsUser).toBeGreaterThanOrEqual(1001);
        expect(pod.securityContext.fsGroup).toBeGreaterThanOrEqual(1001);
        for (const container of pod.containers) {
          const where = `${workload.metadata.name}/${container.name}`;
          expect({ where, ...container.securityContext }).toMatchObject({
            where,
            runAsNonRoot: true,
            readOnlyRootFilesystem: true,
            allowPrivilegeEscalation: false,
            privileged: false,
            capabilities: { drop: ["ALL"] },
          });
          expect(container.securityContext.capabilities.add).toBeUndefined();
          expect(container.securityContext.runAsUser).toBeGreaterThanOrEqual(1001);
          expect(container.resources.requests.cpu).toBeDefined();
          expect(container.resources.requests.memory).toBeDefined();
          expect(container.resources.limits.cpu).toBeDefined();
          expect(container.resources.limits.memory).toBeDefined();
          if (workload.kind === "CronJob") {
            // A job runs to completion: no probes, and a failed run is a new pod.
            expect(container.readinessProbe).toBeUndefined();
            expect(pod.restartPolicy).toBe("Never");
          } else {
            expect(container.readinessProbe).toBeDefined();
            expect(container.livenessProbe).toBeDefined();
            expect(container.livenessProbe).not.toEqual(container.readinessProbe);
            expect(container.readinessProbe).toMatchObject({
              periodSeconds: 30,
              failureThreshold: 3,
            });
            const startup = container.startupProbe;
            expect(startup.periodSeconds * startup.failureThreshold).toBeGreaterThanOrEqual(40);
          }
          expect(container.image).toMatch(/:[A-Za-z0-9_][A-Za-z0-9_.-]*$|@sha256:[a-f0-9]{64}$/);
          expect(container.image).not.toMatch(/:latest$/);
          expect(container.imagePullPolicy).toBe("IfNotPresent");
        }
        for (const volume of pod.volumes) {
          if (volume.emptyDir) expect(volume.emptyDir.sizeLimit).toBeDefined();
          // Only the node agent reads the host, in its own namespace (policy exemption).
          if (workload.metadata.name !== "node-exporter") expect(volume.hostPath).toBeUndefined();
        }
        expect(pod.hostPID ?? false).toBe(workload.metadata.name === "node-exporter");
      }
    });

    test("secrets reach containers only as files under /run/secrets with *_FILE variables", () => {
      const secretValues = run.resources
        .filter((resource) => resource.inputs.kind === "Secret")
        .flatMap((resource) => Object.values(resource.inputs.stringData as Record<string, string>));
      expect(secretValues.length).toBeGreaterThan(0);
      const passwords = generatedPasswords(run);
      expect(passwords.length).toBe(7);
      for (const workload of pods()) {
        for (const container of templateOf(workload).spec.containers) {
          for (const variable of container.env) {
            expect(variable.valueFrom).toBeUndefined();
            for (const secret of [...secretValues, ...passwords]) {
              expect(String(variable.value)).not.toContain(secret);
            }
            if (
              variable.name.endsWith("_FILE") &&
              String(variable.value).startsWith("/run/secrets/")
            ) {
              const mount = container.volumeMounts.find((m: any) => m.mountPath === variable.value);
              expect({ variable: variable.name, readOnly: mount?.readOnly }).toEqual({
                variable: variable.name,
                readOnly: true,
              });
            }
          }
          expect(container.envFrom).toBeUndefined();
          for (const arg of [...(container.command ?? []), ...(container.args ?? [])]) {
            for (const secret of passwords) expect(arg).not.toContain(secret);
          }
        }
      }
      for (const configMap of byKind(run, "ConfigMap")) {
        for (const content of Object.values(configMap.inputs.data as Record<string, string>)) {
          for (const secret of passwords) expect(content).not.toContain(secret);
        }
      }
    });

    test("replicas, autoscalers and disruption budgets follow the stack file", () => {
      for (const [name, count] of Object.entries(expected.replicas)) {
        const kind = ["postgres", "redis"].includes(name) ? "StatefulSet" : "Deployment";
        // An autoscaled workload leaves its replica count to the HPA (checked below).
        const pinned = expected.autoscaled[name] === undefined ? count : undefined;
        expect({ name, replicas: named(run, kind, name).spec.replicas }).toEqual({
          name,
          replicas: pinned,
        });
        if (pinned === undefined) expect(expected.autoscaled[name][0]).toBe(count);
      }
      const hpas = byKind(run, "HorizontalPodAutoscaler").map((resource) => resource.inputs as any);
      expect(
        Object.fromEntries(
          hpas.map((hpa) => [hpa.metadata.name, [hpa.spec.minReplicas, hpa.spec.maxReplicas]]),
        ),
      ).toEqual(expected.autoscaled);
      for (const hpa of hpas) {
        expect(pods().map((workload) => workload.metadata.name)).toContain(
          hpa.spec.scaleTargetRef.name,
        );
      }
      const budgets = byKind(run, "PodDisruptionBudget").map(
        (resource) => (resource.inputs.metadata as any).name,
      );
      const replicated = Object.entries(expected.replicas)
        .filter(([name, count]) => count > 1 || expected.autoscaled[name] !== undefined)
        .map(([name]) => name);
      expect(budgets.sort()).toEqual(replicated.sort());
      for (const name of replicated) {
        const budget = named(run, "PodDisruptionBudget", name).spec;
        expect(budget.maxUnavailable).toBeGreaterThanOrEqual(1);
        expect(budget.unhealthyPodEvictionPolicy).toBe("AlwaysAllow");
        const spread = named(run, "Deployment", name).spec.template.spec.topologySpreadConstraints;
        expect(spread.map((constraint: any) => constraint.topologyKey)).toContain(
          "kubernetes.io/hostname",
        );
        const antiAffinity = named(run, "Deployment", name).spec.template.spec.affinity
          .podAntiAffinity;
        expect(
          antiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm
            .topologyKey,
        ).toBe("kubernetes.io/hostname");
      }
      expect(named(run, "Deployment", "celery-beat").spec).toMatchObject({
        replicas: 1,
        strategy: { type: "Recreate" },
      });
      expect(named(run, "Deployment", "backend").spec.strategy).toEqual({
        type: "RollingUpdate",
        rollingUpdate: { maxUnavailable: 0, maxSurge: 1 },
      });
    });

    test("data stores, gateway and API schedule as critical, the rest as standard", () => {
      const critical = new Set(["postgres", "redis", "gateway", "backend"]);
      for (const workload of pods()) {
        const priority = critical.has(workload.metadata.name) ? "critical" : "standard";
        expect({
          name: workload.metadata.name,
          priorityClassName: templateOf(workload).spec.priorityClassName,
        }).toEqual({
          name: workload.metadata.name,
          priorityClassName: `toolboxai-${stack}-${priority}`,
        });
      }
      const classes = byKind(run, "PriorityClass").map((resource) => resource.inputs as any);
      expect(
        classes.map((priorityClass) => [priorityClass.metadata.name, priorityClass.value]),
      ).toEqual([
        [`toolboxai-${stack}-critical`, 100000],
        [`toolboxai-${stack}-standard`, 10000],
      ]);
    });

    test("every object carries the recommended labels and lives in the stack's namespace", () => {
      for (const resource of run.resources.filter(isKubernetesObject)) {
        const metadata = resource.inputs.metadata as any;
        expect(metadata.labels["app.kubernetes.io/part-of"]).toBe("toolboxai");
        expect(metadata.labels["app.kubernetes.io/managed-by"]).toBe("pulumi");
        expect(metadata.labels["app.kubernetes.io/instance"]).toBeDefined();
        const clusterWide = ["Namespace", "PriorityClass", "ClusterRole", "ClusterRoleBinding"];
        if (!clusterWide.includes(String(resource.inputs.kind))) {
          expect(metadata.labels["app.kubernetes.io/name"]).toBeDefined();
          expect(Object.values(namespaces)).toContain(metadata.namespace);
        }
      }
      for (const workload of pods()) {
        const labels = templateOf(workload).metadata.labels;
        expect(labels["app.kubernetes.io/component"]).toBeDefined();
        expect(Object.keys(labels).some((key) => key.startsWith("zone.toolboxai.io/"))).toBe(true);
      }
    });

    test("the namespace quota leaves the configured headroom above the workloads' peak", () => {
      const quota = named(run, "ResourceQuota", "toolboxai-quota", namespaces.platform).spec.hard;
      const hpaMax = new Map(
        byKind(run, "HorizontalPodAutoscaler").map((resource) => {
          const hpa = resource.inputs as any;
          return [hpa.spec.scaleTargetRef.name, hpa.spec.maxReplicas];
        }),
      );
      // The peak, from the rendered objects: every autoscaler at its maximum, every rolling
      // Deployment with its surge pod at once.
      const peak = { pods: 0, cpu: 0, memory: 0, limitsCpu: 0, limitsMemory: 0 };
      for (const workload of pods().filter(
        (candidate) => candidate.metadata.namespace === namespaces.platform,
      )) {
        const surge = workload.spec.strategy?.type === "RollingUpdate" ? 1 : 0;
        // A CronJob runs one pod at a time (concurrencyPolicy Forbid).
        const count = (hpaMax.get(workload.metadata.name) ?? workload.spec.replicas ?? 1) + surge;
        peak.pods += count;
        for (const container of templateOf(workload).spec.containers) {
          peak.cpu += count * parseCpu(container.resources.requests.cpu)!;
          peak.memory += count * parseMemory(container.resources.requests.memory)!;
          peak.limitsCpu += count * parseCpu(container.resources.limits.cpu)!;
          peak.limitsMemory += count * parseMemory(container.resources.limits.memory)!;
        }
      }
      const margin = 1 + expected.quotaHeadroomPercent / 100;
      expect(Number(quota.pods)).toBeGreaterThanOrEqual(Math.ceil(peak.pods * margin));
      expect(Number(quota.pods)).toBeGreaterThan(peak.pods);
      expect(parseCpu(quota["requests.cpu"])).toBeGreaterThanOrEqual(peak.cpu * margin);
      expect(parseMemory(quota["requests.memory"])).toBeGreaterThanOrEqual(peak.memory * margin);
      expect(parseCpu(quota["limits.cpu"])).toBeGreaterThanOrEqual(peak.limitsCpu * margin);
      expect(parseMemory(quota["limits.memory"])).toBeGreaterThanOrEqual(
        peak.limitsMemory * margin,
      );
      expect(Number(quota["persistentvolumeclaims"])).toBeGreaterThanOrEqual(Math.ceil(2 * margin));
      const limits = named(run, "LimitRange", "toolboxai-limits", namespaces.platform).spec
        .limits[0];
      // Each of the stack's namespaces has its own quota and limits.
      for (const namespace of Object.values(namespaces)) {
        expect(named(run, "ResourceQuota", "toolboxai-quota", namespace)).toBeDefined();
        expect(named(run, "LimitRange", "toolboxai-limits", namespace)).toBeDefined();
      }
      expect(limits.type).toBe("Container");
      expect(limits.default).toBeDefined();
      expect(limits.defaultRequest).toBeDefined();
    });

    test("what holds data is protected from pulumi destroy exactly where the stack asks", () => {
      const protectedResources = run.resources
        .filter((resource) => resource.protect)
        .map((resource) => `${resource.type.split(":").pop()} ${resource.name}`)
        .sort();
      expect(protectedResources).toEqual([...expected.protectedResources].sort());
      expect(run.resources.filter((resource) => resource.retainOnDelete)).toEqual([]);
    });

    test("the namespace enforces Pod Security restricted and denies by default", () => {
      for (const name of Object.values(namespaces).filter(
        (candidate) => candidate !== namespaces.nodeExporter,
      )) {
        const namespace = named(run, "Namespace", name);
        for (const mode of ["enforce", "audit", "warn"]) {
          expect(namespace.metadata.labels[`pod-security.kubernetes.io/${mode}`]).toBe(
            "restricted",
          );
        }
      }
      // node-exporter's namespace alone admits host access, and still audits and warns.
      expect(named(run, "Namespace", namespaces.nodeExporter).metadata.labels).toMatchObject({
        "pod-security.kubernetes.io/enforce": "privileged",
        "pod-security.kubernetes.io/audit": "restricted",
        "pod-security.kubernetes.io/warn": "restricted",
      });
      expect(
        pods()
          .filter((workload) => workload.metadata.namespace === namespaces.nodeExporter)
          .map((workload) => workload.metadata.name),
      ).toEqual(["node-exporter"]);
      const deny = named(run, "NetworkPolicy", "default-deny");
      expect(deny.spec).toEqual({ podSelector: {}, policyTypes: ["Ingress", "Egress"] });
      expect(named(run, "NetworkPolicy", "allow-dns").spec.egress[0].ports).toContainEqual({
        protocol: "UDP",
        port: 53,
      });
      for (const workload of pods()) {
        const policy = named(run, "NetworkPolicy", workload.metadata.name);
        expect(policy.spec.policyTypes).toEqual(["Ingress", "Egress"]);
        // A CronJob has no selector: the policy must select its pods' labels.
        if (workload.spec.selector) {
          expect(policy.spec.podSelector.matchLabels).toEqual(workload.spec.selector.matchLabels);
        } else {
          expect(templateOf(workload).metadata.labels).toMatchObject(
            policy.spec.podSelector.matchLabels,
          );
        }
      }
    });

    test("database and cache accept only the backend zone and the backup jobs; roblox-sync reaches only backend, traces and HTTPS", () => {
      const sources = (name: string) =>
        named(run, "NetworkPolicy", name).spec.ingress.flatMap((rule: any) =>
          rule.from.map((peer: any) =>
            JSON.stringify(peer.podSelector?.matchLabels ?? peer.namespaceSelector),
          ),
        );
      const backendZone = JSON.stringify({ "zone.toolboxai.io/backend": "true" });
      const zoneSourcesOf = (name: string) =>
        sources(name).filter(
          (source: string) =>
            source.includes("zone.toolboxai.io/") && !source.includes("monitoring"),
        );
      const backupZone = JSON.stringify({ "zone.toolboxai.io/backup": "true" });
      // PostgreSQL also admits Grafana (the observability zone), as a read-only role; both data
      // stores admit the backup jobs.
      expect(zoneSourcesOf("postgres")).toEqual([
        backendZone,
        JSON.stringify({ "zone.toolboxai.io/observability": "true" }),
        backupZone,
      ]);
      expect(zoneSourcesOf("redis")).toEqual([backendZone, backupZone]);
      for (const mcpMember of ["mcp-server", "agent-coordinator"]) {
        const zoneSources = sources(mcpMember).filter(
          (source: string) =>
            source.includes("zone.toolboxai.io/") && !source.includes("monitoring"),
        );
        expect({ mcpMember, zoneSources }).toEqual({ mcpMember, zoneSources: [backendZone] });
      }
      const roblox = named(run, "NetworkPolicy", "roblox-sync").spec;
      expect(roblox.egress).toEqual([
        {
          to: [
            {
              namespaceSelector: {
                matchLabels: { "app.kubernetes.io/instance": `toolboxai-${stack}` },
              },
              podSelector: { matchLabels: { "zone.toolboxai.io/backend": "true" } },
            },
          ],
        },
        // Traces to Jaeger's OTLP/HTTP port, and nothing else of the monitoring tier.
        {
          to: [
            {
              namespaceSelector: {
                matchLabels: { "app.kubernetes.io/instance": `toolboxai-${stack}` },
              },
              podSelector: { matchLabels: { "zone.toolboxai.io/monitoring": "true" } },
            },
          ],
          ports: [{ protocol: "TCP", port: "otlp-http" }],
        },
        expect.objectContaining({ ports: [{ protocol: "TCP", port: 443 }] }),
      ]);
      const gatewayIngress = named(run, "NetworkPolicy", "gateway").spec.ingress;
      expect(gatewayIngress).toContainEqual(
        expect.objectContaining({
          from: [
            {
              namespaceSelector: {
                matchLabels: { "kubernetes.io/metadata.name": "ingress-nginx" },
              },
            },
          ],
        }),
      );
    });

    test("stack outputs name endpoints and secrets, never secret values", async () => {
      expect(run.outputs.publicUrl).toBe(expected.publicUrl);
      expect(run.outputs.runsOn).toEqual({
        platform: "kubernetes",
        namespaces: Object.values(namespaces),
      });
      const text = JSON.stringify(run.outputs);
      for (const password of generatedPasswords(run)) expect(text).not.toContain(password);
      const secretObjects = byKind(run, "Secret").map(
        (resource) => (resource.inputs.metadata as any).name,
      );
      expect([...(run.outputs.secretNames as any).kubernetesSecrets].sort()).toEqual(
        secretObjects.sort(),
      );
      expect((run.outputs.secretNames as any).generated).toEqual([
        "postgresPassword",
        "redisPassword",
        "flowerPassword",
        "jwtSecret",
        "appSecretKey",
        "grafanaAdminPassword",
        "postgresReaderPassword",
      ]);
      const ingress = named(run, "Ingress", "gateway");
      if (expected.tlsIssuer) {
        expect(ingress.metadata.annotations["cert-manager.io/cluster-issuer"]).toBe(
          expected.tlsIssuer,
        );
        expect(ingress.spec.tls[0].hosts).toEqual([new URL(expected.publicUrl).host]);
      } else {
        expect(ingress.spec.tls).toBeUndefined();
      }
    });

    test("passes the policy pack with its own config: no mandatory violation", async () => {
      const findings = await packFindings(toRunnerResources(run), stack);
      expect(mandatoryViolations(findings)).toEqual([]);
      const advisories = findings.map(
        (finding) =>
          `${finding.policy}: ${finding.resource ? `${finding.resource.kind} ${finding.resource.name}` : "stack"}`,
      );
      expect([...new Set(advisories)].sort()).toEqual([...expected.advisories].sort());
    });

    itWithTool("promtool")(
      "the monitoring tier's generated configuration passes promtool, amtool and jaeger validate",
      () => {
        const configMap = (name: string) =>
          named(run, "ConfigMap", name, namespaces.monitoring).data as Record<string, string>;
        const prometheus = configMap("prometheus-config");
        const checks = [
          runMonitoringTool("promtool", ["check", "config", "--syntax-only", "prometheus.yml"], {
            "prometheus.yml": prometheus["prometheus.yml"],
          }),
          runMonitoringTool("promtool", ["check", "rules", "alerts.yml"], {
            "alerts.yml": prometheus["alerts.yml"],
          }),
          runMonitoringTool("amtool", ["check-config", "alertmanager.yml"], {
            "alertmanager.yml": configMap("alertmanager-config")["alertmanager.yml"],
          }),
          runMonitoringTool("jaeger", ["validate", "--config=jaeger.yaml"], {
            "jaeger.yaml": configMap("jaeger-config")["jaeger.yaml"],
          }),
        ];
        expect(checks.map((result) => result.status)).toEqual([0, 0, 0, 0]);
        expect(checks[0].output).toContain("SUCCESS");
        // Every declared metrics endpoint of the stack became a scrape job.
        const jobs = (parse(prometheus["prometheus.yml"]).scrape_configs as any[]).map(
          (job) => job.job_name,
        );
        for (const name of ["backend", "postgres", "redis", "grafana", "loki", "jaeger"]) {
          expect(jobs).toContain(name);
        }
      },
    );

    test("--out writes manifests that are valid against the Kubernetes schemas, secrets redacted", () => {
      const outDir = tempDir(`toolboxai-${stack}-`);
      const count = writeRenderedOutput(run, outDir);
      const files = readdirSync(path.join(outDir, "kubernetes"));
      expect(files.length).toBe(count);
      expect(count).toBe(run.resources.filter(isKubernetesObject).length);
      const passwords = generatedPasswords(run);
      for (const file of files) {
        const text = readFileSync(path.join(outDir, "kubernetes", file), "utf8");
        for (const secret of passwords) expect(text).not.toContain(secret);
        const manifest = parse(text);
        // Custom resources are checked against their real CRDs in delivery.test.ts (the
        // schemas take seconds to load); the rest against kubernetes-models.
        if (isCustomResource(manifest)) continue;
        const Model = modelFor(manifest);
        expect(() => new Model(manifest).validate()).not.toThrow();
      }
      const resourcesJson = readFileSync(path.join(outDir, "resources.json"), "utf8");
      for (const secret of passwords) expect(resourcesJson).not.toContain(secret);
      expect(JSON.parse(resourcesJson).length).toBe(run.resources.length);
    });
  });
}
