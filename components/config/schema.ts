// The stack configuration schema: every key a Pulumi.<stack>.yaml may set, its type, its allowed
// values and its default. This file is the single source of config defaults; Pulumi.yaml repeats
// the scalar defaults for the engine and a test keeps the two equal.
import * as path from "node:path";
import { z } from "zod";
import { defaultRunbookBaseUrl } from "./defaults";
import { parseCpu, parseMemory } from "./quantity";

const dnsLabelMessage =
  "must be a DNS label: lowercase letters, digits and '-', 1 to 63 characters";
const dnsLabel = z
  .string({ error: dnsLabelMessage })
  .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, { error: dnsLabelMessage });

const hostnameMessage = "must be a fully qualified lowercase DNS name such as app.example.com";
const hostname = z
  .string({ error: hostnameMessage })
  .regex(/^(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, {
    error: hostnameMessage,
  });

const renderDirMessage =
  "must be empty (deploy to the cluster) or an absolute folder path, where the provider then " +
  "writes the manifests instead of applying them";
const renderDirPathMessage =
  "must be a normalised absolute path of letters, digits, '.', '_', '-' and '/' (no '..', " +
  "'//' or trailing '/'), such as /tmp/toolboxai-render";

/** Folders of the operating system: a render into them, or into anything under them, is refused. */
export const systemFolders: readonly string[] = [
  "/bin",
  "/boot",
  "/dev",
  "/etc",
  "/lib",
  "/lib32",
  "/lib64",
  "/proc",
  "/sbin",
  "/sys",
  "/usr",
];

/**
 * Why `folder` (absolute, normalised) is no place for a render, or undefined: it is the root or a
 * top-level folder (/tmp, /home: shared by everything), or in an operating system folder.
 */
export function systemFolderProblem(folder: string): string | undefined {
  const system = systemFolders.find((root) => folder === root || folder.startsWith(`${root}/`));
  const why =
    system !== undefined
      ? `is the operating system's folder ${system} or inside it`
      : path.posix.dirname(folder) === "/" || folder === "/"
        ? "is the root or a top-level folder, shared by everything on the machine"
        : undefined;
  return why && `${why}: name a folder of the render's own, such as /tmp/toolboxai-render`;
}

/** Absolute, normalised (no '.' or '..' segment, no '//', no trailing '/'), shell-safe. */
const renderDirPattern = /^(\/(?!\.\.?(\/|$))[A-Za-z0-9._-]+)+$/;

/** Objects say what they are when given something else, instead of zod's generic message. */
const mapping = { error: "must be a mapping of keys to values" };

/** Whether a URL names a user or password before its host (`https://user:token@host/…`). */
export function hasUserinfo(url: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\/[^\s/]*@/i.test(url);
}
const userinfoMessage =
  "must not carry credentials (user:token@ before the host): they would be rendered in plain " +
  "text; keep them in a Secret the delivery tool reads, and give the URL without them";
/** A URL refused when it carries credentials, before its other checks. */
function urlWithoutCredentials(message: string) {
  return z
    .string({ error: message })
    .refine((url) => !hasUserinfo(url), { error: userinfoMessage, abort: true });
}

/** An integer in [min, max], with a message that says the range. */
export function intRange(min: number, max: number) {
  const message = `must be an integer from ${min} to ${max}`;
  return (
    z
      .number({ error: message })
      // Abort: a number past the safe integers (1e308) fails int and max alike; say it once.
      .int({ error: message, abort: true })
      .min(min, { error: message })
      .max(max, { error: message })
  );
}

function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: `must be one of: ${values.join(", ")}` });
}

/**
 * A quantity above 0 (a zero limit is no bound, a zero request or size reserves nothing); YAML
 * reads an unquoted `2` as a number, which Kubernetes accepts as "2" too.
 */
function quantity(parse: (value: string) => number | undefined, message: string) {
  return z.preprocess(
    (value) => (typeof value === "number" ? String(value) : value),
    z
      .string({ error: message })
      .refine((value) => parse(value) !== undefined, { error: message, abort: true })
      .refine((value) => (parse(value) ?? 0) > 0, {
        error:
          "must be more than 0 (a zero limit sets no bound; a zero request or size reserves nothing)",
      }),
  );
}
const cpu = quantity(parseCpu, "must be a CPU quantity such as 250m or 1");
const memory = quantity(parseMemory, "must be a memory quantity such as 256Mi or 1Gi");

const repositoryMessage =
  "must be an image repository such as ghcr.io/toolboxai/backend (a ':' only before a " +
  "registry's port, such as registry.local:5000/backend)";
/** distribution/reference: `[host[:port]/]path`, lowercase components joined by '.', '_' or '-'. */
const repositoryPattern =
  /^([a-z0-9]+([._-][a-z0-9]+)*(:\d{1,5})?\/)?[a-z0-9]+([._-][a-z0-9]+)*(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/;

function shortened(text = ""): string {
  return text.length > 20 ? `${text.slice(0, 19)}…` : text;
}

/** The tag (`:latest`) or digest (`@sha256:…`) a repository ends in, if it carries one. */
export function pinInRepository(repository: string): string | undefined {
  const at = repository.indexOf("@");
  if (at >= 0) return repository.slice(at);
  const last = repository.slice(repository.lastIndexOf("/") + 1);
  const colon = last.indexOf(":");
  return colon >= 0 ? last.slice(colon) : undefined;
}
/** Docker's tag grammar (distribution/reference): `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`. */
const tagMessage =
  "must be a Docker image tag: 1 to 128 letters, digits, '_', '.' or '-', " +
  "not starting with '.' or '-' (such as 1.4.0 or 1.4.0-beta)";
const digestMessage = "must be sha256: followed by 64 hex digits";

export const imageSchema = z
  .object(
    {
      repository: z
        .string({ error: repositoryMessage })
        .refine((repository) => pinInRepository(repository) === undefined, {
          error: (issue) =>
            `must not carry a tag or digest ("${shortened(pinInRepository(String(issue.input)))}"): the ` +
            "reference is repository:tag or repository@digest, so give the version in " +
            "image.tag or image.digest",
          abort: true,
        })
        .regex(repositoryPattern, { error: repositoryMessage }),
      /** Never `latest` (CONTRIBUTING, rule 8): a floating tag is not a pinned image. */
      tag: z
        .string({ error: tagMessage })
        .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, { error: tagMessage })
        .refine((tag) => tag !== "latest", { error: 'must be a pinned version, not "latest"' })
        .optional(),
      digest: z
        .string({ error: digestMessage })
        .regex(/^sha256:[a-f0-9]{64}$/, { error: digestMessage })
        .optional(),
    },
    mapping,
  )
  .strict()
  .refine((image) => image.tag !== undefined || image.digest !== undefined, {
    error: "must pin a tag or a digest",
  });

const cpuAndMemory = z.object({ cpu, memory }, mapping).strict();
const resourcesSchema = z
  .object({ requests: cpuAndMemory, limits: cpuAndMemory }, mapping)
  .strict();

const autoscalingSchema = z
  .object(
    {
      minReplicas: intRange(1, 100),
      maxReplicas: intRange(1, 100),
      targetCpuUtilizationPercent: intRange(10, 100),
    },
    mapping,
  )
  .strict();

const storageSchema = z
  .object(
    {
      size: memory,
      /** Empty: the cluster's default StorageClass. */
      storageClass: z.union([z.literal(""), dnsLabel]),
    },
    mapping,
  )
  .strict();

const contextMessage = "must be a folder path (relative to the project, or absolute)";
/** A local build of a service's image (components/images): its folder and Dockerfile. */
const buildSchema = z
  .object(
    {
      context: z.string({ error: contextMessage }).min(1, { error: contextMessage }),
      /** Relative to the context. */
      dockerfile: z.string({ error: "must be a file path" }).min(1).default("Dockerfile"),
      /**
       * Let the context and Dockerfile lie outside the project folder (links and '..' resolved);
       * default false: the engine sends the whole context to the Docker daemon, so a stray path
       * (`../../..`) would ship files off this machine.
       */
      allowOutsideProject: z.boolean({ error: "must be true or false" }).default(false),
    },
    mapping,
  )
  .strict();
export type ImageBuild = z.output<typeof buildSchema>;

/** What a stack may set for one service; each field replaces the code default wholesale. */
export const serviceSchema = z
  .object(
    {
      image: imageSchema,
      replicas: intRange(1, 50),
      resources: resourcesSchema,
      autoscaling: autoscalingSchema,
      /** Pods a voluntary disruption may take down at once (rendered when replicas ≥ 2). */
      maxUnavailable: intRange(1, 10),
      storage: storageSchema,
      /** Allow HTTPS egress to public addresses (LLM providers, the Roblox APIs). */
      internetEgress: z.boolean({ error: "must be true or false" }),
      /** Build the image from this folder, tagged with `image`'s repository and tag. */
      build: buildSchema,
    },
    mapping,
  )
  .partial()
  .strict();

export type ServiceOverrides = z.infer<typeof serviceSchema>;
export type ImageRef = z.infer<typeof imageSchema>;
export type Resources = z.infer<typeof resourcesSchema>;
export type Autoscaling = z.infer<typeof autoscalingSchema>;
export type Storage = z.infer<typeof storageSchema>;

export const serviceNames = [
  "backend",
  "dashboard",
  "mcpServer",
  "agentCoordinator",
  "celeryWorker",
  "celeryBeat",
  "flower",
  "robloxSync",
  "gateway",
  "postgres",
  "postgresExporter",
  "redis",
  "redisExporter",
  "prometheus",
  "alertmanager",
  "grafana",
  "loki",
  "alloy",
  "jaeger",
  "nodeExporter",
  "kubeStateMetrics",
  "backup",
] as const;
export type ServiceName = (typeof serviceNames)[number];

export const servicesSchema = z
  .object(
    Object.fromEntries(serviceNames.map((name) => [name, serviceSchema])) as {
      [K in ServiceName]: typeof serviceSchema;
    },
    mapping,
  )
  .partial()
  .strict();

/** Alert thresholds of the monitoring tier (components/monitoring/alerts.ts). */
export const alertThresholdsSchema = z
  .object(
    {
      /** Node CPU busy above this share, for 10 min (the source design: 80). */
      cpuPercent: intRange(50, 99).default(80),
      /** Node memory used above this share, for 5 min (the source design: 85). */
      memoryPercent: intRange(50, 99).default(85),
      /** A node filesystem with less free space than this, for 2 min (the source design: 10). */
      diskFreePercent: intRange(1, 50).default(10),
      /** The gateway certificate expires within this many days (the source design: 30). */
      certificateDays: intRange(1, 89).default(30),
      /** 5xx responses above this share of an app's requests, for 5 min. */
      errorRatePercent: intRange(1, 50).default(5),
      /** An app's 95th-percentile response time above this, for 10 min. */
      slowResponseMilliseconds: intRange(50, 60000).default(500),
      /** PostgreSQL connections above this share of max_connections, for 2 min. */
      postgresConnectionsPercent: intRange(50, 99).default(80),
    },
    mapping,
  )
  .strict();
export type AlertThresholds = z.output<typeof alertThresholdsSchema>;

const runbookUrlMessage =
  "must be an https:// URL without a fragment or query, such as " +
  "https://github.com/<owner>/<repo>/blob/main/docs/ALERTS.md (each alert adds #<alert name>)";

/** The monitoring tier's settings (`toolboxai:monitoring`). */
export const monitoringSchema = z
  .object(
    {
      /** Days Prometheus keeps samples. */
      metricsRetentionDays: intRange(1, 400).default(15),
      /** Days Loki keeps logs (the compactor deletes older chunks). */
      logRetentionDays: intRange(1, 400).default(7),
      /** Days Jaeger keeps traces (staging and production; dev keeps them in memory). */
      traceRetentionDays: intRange(1, 30).default(3),
      /** Each alert links to `<runbookBaseUrl>#<alert in lowercase>`. */
      runbookBaseUrl: urlWithoutCredentials(runbookUrlMessage)
        .regex(/^https:\/\/[^\s#?]+$/, { error: runbookUrlMessage })
        .default(defaultRunbookBaseUrl),
      alerts: alertThresholdsSchema.prefault({}),
    },
    mapping,
  )
  .strict();
export type MonitoringSettings = z.output<typeof monitoringSchema>;

const ageRecipientMessage =
  "must be an age public key (age1 followed by 58 Bech32 characters, as `age-keygen -y` prints it)";
const bucketMessage = "must be an S3 bucket name: 3 to 63 lowercase letters, digits, '.' or '-'";
const endpointMessage =
  "must be an https:// URL of an S3-compatible service (http:// only for localhost)";

/** Where backups are kept: a volume in the cluster, or an S3-compatible bucket outside it. */
export const backupStorageSchema = z.discriminatedUnion(
  "type",
  [
    z
      .object(
        {
          type: z.literal("volume"),
          size: memory.default("20Gi"),
          /** Empty: the cluster's default StorageClass. */
          storageClass: z.union([z.literal(""), dnsLabel]).default(""),
        },
        mapping,
      )
      .strict(),
    z
      .object(
        {
          type: z.literal("s3"),
          endpoint: urlWithoutCredentials(endpointMessage).regex(
            /^(https:\/\/[^\s/]+|http:\/\/(localhost|127\.0\.0\.1)(:\d+)?)\/?$/,
            {
              error: endpointMessage,
            },
          ),
          bucket: z
            .string({ error: bucketMessage })
            .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { error: bucketMessage }),
          region: z
            .string()
            .regex(/^[a-z0-9-]{2,32}$/, { error: "must be a region such as eu-west-1" })
            .default("us-east-1"),
          /** Folder inside the bucket, e.g. `production/`; empty for the bucket's root. */
          prefix: z
            .string()
            .regex(/^([a-z0-9][a-z0-9._-]*\/)*$/, {
              error: "must be empty or folder names each ending in '/', such as production/",
            })
            .default(""),
        },
        mapping,
      )
      .strict(),
  ],
  { error: "must have type: volume (with size, storageClass) or type: s3 (with endpoint, bucket)" },
);
export type BackupStorage = z.output<typeof backupStorageSchema>;

/** Backups of PostgreSQL and Redis (`toolboxai:backup`, components/backup). */
export const backupSchema = z
  .object(
    {
      /**
       * Public keys the backups are encrypted to (the recovery keys). Their private keys stay
       * offline with the people who restore: they never enter the cluster.
       */
      recipients: z
        .array(
          z
            .string({ error: ageRecipientMessage })
            .regex(/^age1[02-9ac-hj-np-z]{58}$/, { error: ageRecipientMessage }),
          {
            error: "must be a list of age public keys",
          },
        )
        .min(1, { error: "must list at least one age public key" })
        .max(10, { error: "must list at most 10 keys" }),
      /** Days a backup is kept before the backup job prunes it (the source design: 30). */
      retentionDays: intRange(1, 3650).default(30),
      /** Restore the newest PostgreSQL backup into a throwaway server every day, and check it. */
      verify: z.boolean({ error: "must be true or false" }).default(false),
      storage: backupStorageSchema.prefault({ type: "volume" }),
    },
    mapping,
  )
  .strict();
export type BackupSettings = z.output<typeof backupSchema>;

export const platforms = ["kubernetes", "docker"] as const;
const registryMessage = "must be empty or a registry host such as ghcr.io or registry.local:5000";
export type PlatformKind = (typeof platforms)[number];

const dockerHostMessage =
  "must be empty (the DOCKER_HOST variable or the local socket) or a unix://, tcp:// or " +
  "ssh:// address of a Docker engine";
const ipv4Message = "must be an IPv4 address such as 127.0.0.1";

/** The local Docker engine of `platform: docker` (components/docker). */
export const dockerSchema = z
  .object(
    {
      host: z
        .string({ error: dockerHostMessage })
        .regex(/^$|^(unix|tcp|ssh):\/\/\S+$/, { error: dockerHostMessage })
        .default(""),
      /** The host address the gateway's port binds to; 127.0.0.1 keeps it off the network. */
      publishAddress: z
        .string({ error: ipv4Message })
        .regex(/^((25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(25[0-5]|2[0-4]\d|1?\d?\d)$/, {
          error: ipv4Message,
        })
        .default("127.0.0.1"),
      /** The host port of the gateway: the platform is at http://<domain>:<gatewayPort>. */
      gatewayPort: intRange(1024, 65535).default(8080),
    },
    mapping,
  )
  .strict();
export type DockerSettings = z.output<typeof dockerSchema>;

const repositoryUrlMessage =
  "must be an https:// git URL such as https://github.com/toolboxai/infrastructure.git";
const gitRepository = urlWithoutCredentials(repositoryUrlMessage).regex(
  /^https:\/\/[^\s/]+\/\S+$/,
  { error: repositoryUrlMessage },
);
const branchMessage = "must be a git branch name such as main or release/production";
const gitBranch = z
  .string({ error: branchMessage })
  .regex(/^(?!\/|.*\/$|.*\.\.)[A-Za-z0-9._/-]{1,200}$/, { error: branchMessage });
const folderMessage = "must be empty or a relative folder such as infrastructure (no '..')";
const repositoryFolder = z
  .string({ error: folderMessage })
  .regex(/^$|^(?!\/)(?!.*(^|\/)\.\.(\/|$))[A-Za-z0-9._/-]+$/, { error: folderMessage });
const stateBackendMessage =
  "must be empty (Pulumi Cloud) or a state backend URL: https://…, s3://…, gs://… or azblob://…";

/**
 * Continuous delivery in the cluster (components/delivery): none, the Pulumi Kubernetes
 * Operator deploying this program, or Argo CD syncing the manifests CI rendered.
 */
export const deliverySchema = z.discriminatedUnion(
  "mode",
  [
    z.object({ mode: z.literal("none") }, mapping).strict(),
    z
      .object(
        {
          mode: z.literal("operator"),
          /** This program's repository, the branch the stack follows and its folder there. */
          repository: gitRepository,
          branch: gitBranch.default("main"),
          path: repositoryFolder.default(""),
          /** The stack's name in its backend (`org/project/stack` on Pulumi Cloud); default: the stack's own. */
          stack: z
            .string()
            .regex(/^[A-Za-z0-9._/-]{1,300}$/, {
              error: "must be a stack name such as toolboxai/toolboxai/production",
            })
            .default(""),
          /** The state backend; empty: Pulumi Cloud. */
          backend: urlWithoutCredentials(stateBackendMessage)
            .regex(/^$|^(https|s3|gs|azblob):\/\/\S+$/, { error: stateBackendMessage })
            .default(""),
          /**
           * A Secret in the delivery namespace, made outside the program, holding
           * PULUMI_ACCESS_TOKEN (Pulumi Cloud) or PULUMI_CONFIG_PASSPHRASE (other backends).
           */
          credentialsSecret: dnsLabel,
          /** Where the operator runs: its pods call the workspace's agent. */
          operatorNamespace: dnsLabel.default("pulumi-kubernetes-operator"),
          /** How often the stack is refreshed and updated even without a new commit (drift). */
          resyncMinutes: intRange(1, 1440).default(10),
          /** The longest wait between retries of a failed update. */
          retryMaxBackoffMinutes: intRange(1, 1440).default(10),
        },
        mapping,
      )
      .strict(),
    z
      .object(
        {
          mode: z.literal("argocd"),
          /**
           * The repository CI pushes the rendered manifests to, their branch and folder there:
           * the stack's manifests go to `<path>/<stack>` (components/delivery/argocd.ts).
           */
          repository: gitRepository,
          branch: gitBranch.default("deploy"),
          path: repositoryFolder.default("manifests"),
          /** Where Argo CD runs (its Applications and AppProjects live there). */
          argocdNamespace: dnsLabel.default("argocd"),
          /** The most sync attempts of a failed sync. */
          retryLimit: intRange(1, 20).default(5),
        },
        mapping,
      )
      .strict(),
  ],
  {
    error:
      "must have mode: none, operator (with repository, credentialsSecret) or argocd (with repository)",
  },
);
export type DeliverySettings = z.output<typeof deliverySchema>;

/** Recovery point objectives a backup schedule can meet exactly: a divisor of an hour or a day. */
export const recoveryPointObjectives = [
  5, 6, 10, 12, 15, 20, 30, 60, 120, 180, 240, 360, 480, 720, 1440,
] as const;

/** Secrets the program generates with @pulumi/random unless the stack supplies them. */
export const generatedSecretKeys = [
  "postgresPassword",
  "redisPassword",
  "flowerPassword",
  "jwtSecret",
  "appSecretKey",
  "grafanaAdminPassword",
  "postgresReaderPassword",
] as const;
export type GeneratedSecretKey = (typeof generatedSecretKeys)[number];

/**
 * Credentials of Alertmanager's receivers: only the stack can supply them (empty: the receiver
 * exists but delivers nothing).
 */
export const receiverSecretKeys = ["alertPagerRoutingKey", "alertChatWebhookUrl"] as const;

/** Credentials of the backup bucket, when `backup.storage.type` is s3: only the stack supplies them. */
export const backupBucketSecretKeys = ["backupS3AccessKeyId", "backupS3SecretAccessKey"] as const;

/** Keys whose value must come from `pulumi config set --secret`. */
export const secretKeys = [
  ...generatedSecretKeys,
  ...receiverSecretKeys,
  ...backupBucketSecretKeys,
] as const;
export type SecretKey = (typeof secretKeys)[number];

const secretValue = z.union([
  z.literal(""),
  z.string().min(16, { error: "must be at least 16 characters (or empty to generate one)" }),
]);

/**
 * Every top-level key under `toolboxai:`. Scalars carry their defaults here; `services` is an
 * object, which Pulumi.yaml cannot type, so it is validated only here.
 */
export const stackConfigSchema = z
  .object({
    environment: oneOf(["dev", "staging", "production"]),
    /** Where workloads run: a Kubernetes cluster, or a local Docker engine (dev). */
    platform: oneOf(platforms).default("kubernetes"),
    /** The Docker engine and its published port (`platform: docker` only). */
    docker: dockerSchema.prefault({}),
    /**
     * The registry built images are pushed to (with the engine's `docker login` credentials);
     * empty: they stay on the local engine, which only `platform: docker` can run.
     */
    imageRegistry: z
      .string({ error: registryMessage })
      .regex(/^$|^[a-z0-9]([-a-z0-9.]*[a-z0-9])?(:\d{1,5})?$/, { error: registryMessage })
      .default(""),
    namespace: dnsLabel,
    domain: hostname,
    ingressClassName: dnsLabel.default("nginx"),
    ingressControllerNamespace: dnsLabel.default("ingress-nginx"),
    tlsIssuer: z.union([z.literal(""), dnsLabel]).default(""),
    kubernetesContext: z.string().default(""),
    /**
     * Where the kubernetes provider writes the manifests instead of applying them
     * (`renderYamlToDirectory`); empty deploys to the cluster. Used by `npm run e2e`.
     */
    renderDir: z
      .string({ error: renderDirMessage })
      .refine((value) => value === "" || path.posix.isAbsolute(value), {
        error: renderDirMessage,
        abort: true,
      })
      // The system folder check reads the normalised path, so /etc/../etc is named as /etc.
      .refine(
        (value) => value === "" || systemFolderProblem(path.posix.normalize(value)) === undefined,
        {
          error: (issue) => systemFolderProblem(path.posix.normalize(String(issue.input))),
          abort: true,
        },
      )
      .refine((value) => value === "" || renderDirPattern.test(value), {
        error: renderDirPathMessage,
      })
      .default(""),
    /**
     * Annotate Deployments, StatefulSets, DaemonSets, Services, the Ingress and claims with
     * `pulumi.com/skipAwait`, so that the provider does not wait for readiness. Only for control
     * planes without kubelets (`npm run e2e`'s cluster phase); real environments keep the waits.
     */
    skipAwait: z.boolean({ error: "must be true or false" }).default(false),
    logLevel: oneOf(["debug", "info", "warning", "error"]).default("info"),
    databaseName: z
      .string()
      .regex(/^[a-z_][a-z0-9_]{0,62}$/, {
        error: "must be a PostgreSQL identifier: lowercase letters, digits and '_'",
      })
      .default("toolboxai"),
    databaseUser: z
      .string()
      .regex(/^[a-z_][a-z0-9_]{0,62}$/, {
        error: "must be a PostgreSQL identifier: lowercase letters, digits and '_'",
      })
      .default("toolboxai"),
    robloxSyncEnabled: z.boolean({ error: "must be true or false" }).default(true),
    flowerEnabled: z.boolean({ error: "must be true or false" }).default(true),
    /**
     * Pulumi `protect` on what holds data (the namespace, the stateful workloads, the data
     * stores' generated passwords), so `pulumi destroy` refuses. Default on; dev turns it off.
     */
    protectData: z.boolean({ error: "must be true or false" }).default(true),
    /**
     * The recovery point objective, in minutes: the most data a restore may lose. Backups run at
     * least this often, and an alert fires when the last good one is older.
     */
    recoveryPointObjectiveMinutes: z
      .number({ error: `must be one of: ${recoveryPointObjectives.join(", ")}` })
      .refine((value) => (recoveryPointObjectives as readonly number[]).includes(value), {
        error:
          `must be one of: ${recoveryPointObjectives.join(", ")} ` +
          "(a divisor of an hour or a day, so that backups run exactly that often)",
      })
      .default(60),
    /** Margin of the namespace ResourceQuota above the stack's peak (autoscaler maximums, surge). */
    quotaHeadroomPercent: intRange(0, 200).default(25),
    services: servicesSchema.default({}),
    monitoring: monitoringSchema.prefault({}),
    /** Undefined: no backups (the pack's backup-schedule rule refuses that where mandatory). */
    backup: backupSchema.optional(),
    /** Continuous delivery in the cluster; dev needs none. */
    delivery: deliverySchema.prefault({ mode: "none" }),
    ...(Object.fromEntries(
      [...generatedSecretKeys, ...receiverSecretKeys].map((key) => [key, secretValue.default("")]),
    ) as {
      [K in GeneratedSecretKey | (typeof receiverSecretKeys)[number]]: z.ZodDefault<
        typeof secretValue
      >;
    }),
    ...(Object.fromEntries(backupBucketSecretKeys.map((key) => [key, z.string().default("")])) as {
      [K in (typeof backupBucketSecretKeys)[number]]: z.ZodDefault<z.ZodString>;
    }),
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
