// Every top-level key under `toolboxai:`, and the key sets the decoding of engine strings reads.
import { z } from "zod";
import { backupSchema, recoveryPointObjectives } from "./backup";
import { databaseSchema } from "./database";
import { redisSchema } from "./redis";
import { deliverySchema } from "./delivery";
import { dockerSchema } from "./docker";
import { monitoringSchema } from "./monitoring";
import { dnsLabel, hostname, intRange, oneOf } from "./primitives";
import { renderDirPath } from "./render-dir";
import { secretShape } from "./secrets";
import { servicesSchema } from "./service";

export const platforms = ["kubernetes", "docker"] as const;
const registryMessage = "must be empty or a registry host such as ghcr.io or registry.local:5000";
export type PlatformKind = (typeof platforms)[number];

/**
 * Every top-level key under `toolboxai:`. Scalars carry their defaults here; `services` is an
 * object, which Pulumi.yaml cannot type, so it is validated only here.
 */
export const stackConfigSchema = z
  .object({
    environment: oneOf(["dev", "staging", "production"]).meta({
      description: "Instance label `toolboxai-<environment>`, the apps' `ENVIRONMENT`.",
    }),
    platform: oneOf(platforms)
      .default("kubernetes")
      .meta({
        description:
          "Where workloads run: a Kubernetes cluster, or a local Docker engine (dev). A key " +
          "only the other platform reads is refused.",
      }),
    docker: dockerSchema
      .prefault({})
      .meta({ description: "The Docker engine and its published port (`platform: docker` only)." }),
    imageRegistry: z
      .string({ error: registryMessage })
      .regex(/^$|^[a-z0-9]([-a-z0-9.]*[a-z0-9])?(:\d{1,5})?$/, { error: registryMessage })
      .default("")
      .meta({
        description:
          "Where built images are pushed (with the engine's `docker login` credentials); " +
          "required for a build on Kubernetes. Empty: builds stay on the local engine, which " +
          "only `platform: docker` can run.",
        allowed: '`""` or a registry host such as `ghcr.io` or `registry.local:5000`',
      }),
    namespace: dnsLabel.meta({ description: "Namespace created for the stack." }),
    domain: hostname.meta({ description: "Host the Ingress serves." }),
    ingressClassName: dnsLabel.default("nginx").meta({
      description: "IngressClass of the cluster's ingress controller.",
    }),
    ingressControllerNamespace: dnsLabel.default("ingress-nginx").meta({
      description: "The only namespace allowed to reach the gateway.",
    }),
    tlsIssuer: z
      .union([z.literal(""), dnsLabel])
      .default("")
      .meta({
        description: "cert-manager ClusterIssuer for the gateway certificate; empty: plain HTTP.",
      }),
    kubernetesContext: z
      .string()
      .default("")
      .meta({ description: "kubeconfig context; empty: the current context." }),
    renderDir: renderDirPath.default("").meta({
      description:
        "The kubernetes provider writes the manifests into this folder instead of deploying " +
        "them (`renderYamlToDirectory`, used by `npm run e2e`); empty deploys to the cluster. " +
        "It must be missing, empty, or hold only the provider's `0-crd/` and `1-manifest/` " +
        "(links followed).",
      allowed: '`""` or an absolute, normalised path, not a system folder',
    }),
    logLevel: oneOf(["debug", "info", "warning", "error"])
      .default("info")
      .meta({ description: "The apps' `LOG_LEVEL` (upper-cased)." }),
    databaseName: z
      .string()
      .regex(/^[a-z_][a-z0-9_]{0,62}$/, {
        error: "must be a PostgreSQL identifier: lowercase letters, digits and '_'",
      })
      .default("toolboxai")
      .meta({
        description: "Database created by PostgreSQL.",
        allowed: "PostgreSQL identifier, `[a-z_][a-z0-9_]*`",
      }),
    databaseUser: z
      .string()
      .regex(/^[a-z_][a-z0-9_]{0,62}$/, {
        error: "must be a PostgreSQL identifier: lowercase letters, digits and '_'",
      })
      .default("toolboxai")
      .meta({
        description: "Role the application connects as.",
        allowed: "PostgreSQL identifier, `[a-z_][a-z0-9_]*`",
      }),
    database: databaseSchema.prefault({}).meta({
      description:
        "How PostgreSQL runs: one server, or a CloudNativePG cluster with failover (Kubernetes).",
    }),
    redis: redisSchema.prefault({}).meta({
      description:
        "How Redis runs: one server, or a primary with replicas and Sentinels that fail over " +
        "(Kubernetes).",
    }),
    robloxSyncEnabled: z
      .boolean({ error: "must be true or false" })
      .default(true)
      .meta({ description: "Deploy roblox-sync." }),
    flowerEnabled: z
      .boolean({ error: "must be true or false" })
      .default(true)
      .meta({ description: "Deploy Flower (Celery UI, basic auth user `admin`)." }),
    grafanaEnabled: z
      .boolean({ error: "must be true or false" })
      .default(true)
      .meta({
        description:
          "Deploy Grafana with its dashboards, served under /grafana/ by the gateway (off: " +
          "e.g. you run your own; Prometheus, Loki and Jaeger stay).",
      }),
    protectData: z
      .boolean({ error: "must be true or false" })
      .default(true)
      .meta({
        description:
          "Pulumi `protect` on what holds data (the namespace, the stateful workloads, the data " +
          "stores' generated passwords), so `pulumi destroy` refuses (see Protected data in " +
          "docs/DEPLOYMENT.md). Default on; dev turns it off.",
      }),
    recoveryPointObjectiveMinutes: z
      .number({ error: `must be one of: ${recoveryPointObjectives.join(", ")}` })
      .refine((value) => (recoveryPointObjectives as readonly number[]).includes(value), {
        error:
          `must be one of: ${recoveryPointObjectives.join(", ")} ` +
          "(a divisor of an hour or a day, so that backups run exactly that often)",
      })
      .default(60)
      .meta({
        description:
          "The recovery point objective: the most data a restore may lose. Backups run exactly " +
          "this often, and the backup-freshness alert fires when the last good one is older " +
          "(production 15, staging 60, dev 240).",
        allowed: recoveryPointObjectives.join(", "),
      }),
    quotaHeadroomPercent: intRange(0, 200)
      .default(25)
      .meta({
        description:
          "Margin of the namespace ResourceQuota above the peak the workloads can reach " +
          "(autoscaler maximums, surge).",
      }),
    services: servicesSchema
      .default({})
      .meta({ description: "Per-service overrides, keyed by service name." }),
    monitoring: monitoringSchema
      .prefault({})
      .meta({ description: "The monitoring tier's retention and alert thresholds." }),
    backup: backupSchema.optional().meta({
      description:
        "Recovery keys, retention, restore check and storage of the backups. Not set: no " +
        "backups (the pack's backup-schedule rule refuses that where mandatory).",
    }),
    admissionPolicies: oneOf(["enforce", "audit", "off"])
      .default("enforce")
      .meta({
        description:
          "The pack's rules that judge one object, as ValidatingAdmissionPolicies in the " +
          "cluster, judging the stack's namespaces whoever applies there, at each rule's level in " +
          "`policies/config/<stack>.json`: `enforce` (mandatory rules refuse, advisory ones " +
          "warn), `audit` (every rule only warns and audits: a first rollout), `off` (e.g. the " +
          "cluster runs Kyverno or Gatekeeper). See docs/ADMISSION.md.",
      }),
    delivery: deliverySchema.prefault({ mode: "none" }).meta({
      description:
        "How the stack keeps itself deployed in its cluster (see docs/DELIVERY.md); dev " +
        "needs none.",
    }),
    ...secretShape,
  })
  .strict();

export type StackConfigInput = z.input<typeof stackConfigSchema>;
export type StackConfig = z.output<typeof stackConfigSchema>;

/**
 * Config namespaces besides the project's (`toolboxai:`) that a stack file may use: `pulumi:`
 * (the engine's own settings) and one per provider package the program depends on (a test keeps
 * this equal to the `@pulumi/*` dependencies in package.json). A key under any other namespace
 * would be read by nothing, so it is refused.
 */
export const providerNamespaces: readonly string[] = ["pulumi", "kubernetes", "random", "docker"];

/** The top-level keys whose schema (under its default) is of the given zod type. */
function keysOfType(type: new (...args: never[]) => z.ZodType): ReadonlySet<string> {
  const unwrapped = (schema: z.ZodType): z.ZodType =>
    schema instanceof z.ZodDefault ||
    schema instanceof z.ZodPrefault ||
    schema instanceof z.ZodOptional
      ? unwrapped(schema.unwrap() as z.ZodType)
      : schema;
  return new Set(
    Object.entries(stackConfigSchema.shape)
      .filter(([, schema]) => unwrapped(schema) instanceof type)
      .map(([key]) => key),
  );
}

/** Top-level keys whose raw config string is JSON (objects, one of several objects), not a plain string. */
export const objectKeys: ReadonlySet<string> = new Set([
  ...keysOfType(z.ZodObject),
  ...keysOfType(z.ZodDiscriminatedUnion),
]);
/** Top-level keys whose raw config string is "true"/"false". */
export const booleanKeys = keysOfType(z.ZodBoolean);
/** Top-level keys whose raw config string is an integer. */
export const integerKeys = keysOfType(z.ZodNumber);
