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
  .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, { error: dnsLabelMessage })
  .meta({ allowed: "DNS label" });

const hostnameMessage = "must be a fully qualified lowercase DNS name such as app.example.com";
const hostname = z
  .string({ error: hostnameMessage })
  .regex(/^(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, {
    error: hostnameMessage,
  })
  .meta({ allowed: "lowercase FQDN" });

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
const cpu = quantity(parseCpu, "must be a CPU quantity such as 250m or 1").meta({
  allowed: "CPU quantity above 0, such as `250m` or `1`",
});
const memory = quantity(parseMemory, "must be a memory quantity such as 256Mi or 1Gi").meta({
  allowed: "memory quantity above 0, such as `256Mi` or `1Gi`",
});

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
        .regex(repositoryPattern, { error: repositoryMessage })
        .meta({
          description: "The image's repository, such as `ghcr.io/toolboxai/backend`.",
          allowed: "no tag or digest; a `:` only before a registry's port",
        }),
      /** Never `latest` (CONTRIBUTING, rule 8): a floating tag is not a pinned image. */
      tag: z
        .string({ error: tagMessage })
        .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, { error: tagMessage })
        .refine((tag) => tag !== "latest", { error: 'must be a pinned version, not "latest"' })
        .optional()
        .meta({
          description: "The pinned version, such as `1.4.0`.",
          allowed: "Docker image tag, not `latest`",
        }),
      digest: z
        .string({ error: digestMessage })
        .regex(/^sha256:[a-f0-9]{64}$/, { error: digestMessage })
        .optional()
        .meta({ description: "The image's content digest.", allowed: "`sha256:<64 hex>`" }),
    },
    mapping,
  )
  .strict()
  .refine((image) => image.tag !== undefined || image.digest !== undefined, {
    error: "must pin a tag or a digest",
  })
  .meta({
    description:
      "The image to run: `{repository, tag}`, `{repository, digest}`, or all three; " +
      "a tag or a digest must be set.",
  });

const cpuAndMemory = z
  .object(
    {
      cpu: cpu.meta({ description: "CPU, in cores or millicores." }),
      memory: memory.meta({ description: "Memory, in bytes with a suffix." }),
    },
    mapping,
  )
  .strict();
const resourcesSchema = z
  .object(
    {
      requests: cpuAndMemory.meta({ description: "What the scheduler reserves for each pod." }),
      limits: cpuAndMemory.meta({
        description: "The most each pod may use; at least the requests.",
      }),
    },
    mapping,
  )
  .strict()
  .meta({
    description:
      "Requests and limits, CPU and memory: `{requests: {cpu, memory}, limits: {cpu, memory}}`.",
  });

const autoscalingSchema = z
  .object(
    {
      minReplicas: intRange(1, 100).meta({ description: "The fewest pods." }),
      maxReplicas: intRange(1, 100).meta({ description: "The most pods; at least `minReplicas`." }),
      targetCpuUtilizationPercent: intRange(10, 100).meta({
        description: "The average CPU use, as a share of the request, the autoscaler aims at.",
      }),
    },
    mapping,
  )
  .strict()
  .meta({
    description:
      "A HorizontalPodAutoscaler on CPU use: it owns the pod count, so `replicas` is not set.",
  });

const storageSchema = z
  .object(
    {
      size: memory.meta({ description: "Size of the volume claim." }),
      storageClass: z.union([z.literal(""), dnsLabel]).meta({
        description: "StorageClass of the claim; empty: the cluster's default.",
      }),
    },
    mapping,
  )
  .strict()
  .meta({ description: "The service's volume (services that keep data), `{size, storageClass}`." });

const contextMessage = "must be a folder path (relative to the project, or absolute)";
/** A local build of a service's image (components/images): its folder and Dockerfile. */
const buildSchema = z
  .object(
    {
      context: z
        .string({ error: contextMessage })
        .min(1, { error: contextMessage })
        .meta({
          description:
            "The build context: an existing folder, inside the project unless " +
            "`allowOutsideProject`.",
          allowed: "folder path, relative to the project or absolute",
        }),
      dockerfile: z
        .string({ error: "must be a file path" })
        .min(1)
        .default("Dockerfile")
        .meta({ description: "The Dockerfile, relative to the context; it must exist." }),
      allowOutsideProject: z
        .boolean({ error: "must be true or false" })
        .default(false)
        .meta({
          description:
            "Let the context and Dockerfile lie outside the project folder (links and `..` " +
            "resolved). Off by default: the engine sends the whole context to the Docker " +
            "daemon, so a stray path (`../../..`) would ship files off this machine.",
        }),
    },
    mapping,
  )
  .strict()
  .meta({
    description:
      "Build the image from this folder instead of pulling it, tagged with `image`'s repository " +
      "and tag; on Kubernetes it needs an `imageRegistry` (see Images built by the program in " +
      "docs/DEPLOYMENT.md).",
  });
export type ImageBuild = z.output<typeof buildSchema>;

/** What a stack may set for one service; each field replaces the code default wholesale. */
export const serviceSchema = z
  .object(
    {
      image: imageSchema,
      replicas: intRange(1, 50).meta({
        description: "The pod count, when the service is not autoscaled.",
      }),
      resources: resourcesSchema,
      autoscaling: autoscalingSchema,
      maxUnavailable: intRange(1, 10).meta({
        description:
          "Pods a voluntary disruption may take down at once: the PodDisruptionBudget, made " +
          "when 2 or more pods can run.",
      }),
      storage: storageSchema,
      internetEgress: z.boolean({ error: "must be true or false" }).meta({
        description: "Allow HTTPS egress to public addresses (LLM providers, the Roblox APIs).",
      }),
      build: buildSchema,
    },
    mapping,
  )
  .partial()
  .strict()
  .meta({ description: "One service's settings: each field replaces its default wholesale." });

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

/**
 * Alert thresholds of the monitoring tier (components/monitoring/alerts.ts). The CPU, memory,
 * disk and certificate defaults are the source design's.
 */
export const alertThresholdsSchema = z
  .object(
    {
      cpuPercent: intRange(50, 99)
        .default(80)
        .meta({ description: "Node CPU busy above this share, for 10 minutes." }),
      memoryPercent: intRange(50, 99)
        .default(85)
        .meta({ description: "Node memory used above this share, for 5 minutes." }),
      diskFreePercent: intRange(1, 50)
        .default(10)
        .meta({ description: "A node filesystem with less free space than this, for 2 minutes." }),
      certificateDays: intRange(1, 89)
        .default(30)
        .meta({ description: "The gateway certificate expires within this many days." }),
      errorRatePercent: intRange(1, 50).default(5).meta({
        description: "5xx responses above this share of an app's requests, for 5 minutes.",
      }),
      slowResponseMilliseconds: intRange(50, 60000).default(500).meta({
        description: "An app's 95th-percentile response time above this, for 10 minutes.",
      }),
      postgresConnectionsPercent: intRange(50, 99).default(80).meta({
        description: "PostgreSQL connections above this share of `max_connections`, for 2 minutes.",
      }),
    },
    mapping,
  )
  .strict()
  .meta({ description: "The alert thresholds (components/monitoring/alerts.ts)." });
export type AlertThresholds = z.output<typeof alertThresholdsSchema>;

const runbookUrlMessage =
  "must be an https:// URL without a fragment or query, such as " +
  "https://github.com/<owner>/<repo>/blob/main/docs/ALERTS.md (each alert adds #<alert name>)";

/** The monitoring tier's settings (`toolboxai:monitoring`). */
export const monitoringSchema = z
  .object(
    {
      metricsRetentionDays: intRange(1, 400)
        .default(15)
        .meta({ description: "Days Prometheus keeps samples." }),
      logRetentionDays: intRange(1, 400)
        .default(7)
        .meta({ description: "Days Loki keeps logs (the compactor deletes older chunks)." }),
      traceRetentionDays: intRange(1, 30)
        .default(3)
        .meta({
          description:
            "Days Jaeger keeps traces on its volume (staging and production; dev keeps them in " +
            "memory).",
        }),
      runbookBaseUrl: urlWithoutCredentials(runbookUrlMessage)
        .regex(/^https:\/\/[^\s#?]+$/, { error: runbookUrlMessage })
        .default(defaultRunbookBaseUrl)
        .meta({
          description:
            "Each alert links to `<runbookBaseUrl>#<alert in lowercase>`. The default is this " +
            "repository's docs/ALERTS.md on GitHub, so a fork points it at its own.",
          allowed: "`https://` URL without credentials, fragment or query",
        }),
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
          size: memory.default("20Gi").meta({ description: "Size of the claim." }),
          storageClass: z
            .union([z.literal(""), dnsLabel])
            .default("")
            .meta({ description: "StorageClass of the claim; empty: the cluster's default." }),
        },
        mapping,
      )
      .strict()
      .meta({
        description:
          "The `backups` claim in the stack's namespace: lost with its cluster, so production " +
          "keeps its backups in a bucket in another account or region.",
      }),
    z
      .object(
        {
          type: z.literal("s3"),
          endpoint: urlWithoutCredentials(endpointMessage)
            .regex(/^(https:\/\/[^\s/]+|http:\/\/(localhost|127\.0\.0\.1)(:\d+)?)\/?$/, {
              error: endpointMessage,
            })
            .meta({
              description: "The S3-compatible service.",
              allowed: "`https://` URL without credentials; `http://` only for localhost",
            }),
          bucket: z
            .string({ error: bucketMessage })
            .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { error: bucketMessage })
            .meta({
              description: "The bucket.",
              allowed: "S3 bucket name: 3 to 63 lowercase letters, digits, `.` or `-`",
            }),
          region: z
            .string()
            .regex(/^[a-z0-9-]{2,32}$/, { error: "must be a region such as eu-west-1" })
            .default("us-east-1")
            .meta({ description: "The bucket's region, such as `eu-west-1`." }),
          prefix: z
            .string()
            .regex(/^([a-z0-9][a-z0-9._-]*\/)*$/, {
              error: "must be empty or folder names each ending in '/', such as production/",
            })
            .default("")
            .meta({
              description:
                "Folder inside the bucket, such as `production/`; empty for the bucket's root.",
              allowed: '`""` or folder names each ending in `/`',
            }),
        },
        mapping,
      )
      .strict()
      .meta({
        description:
          "An S3-compatible bucket outside the cluster (path-style URLs, AWS Signature V4), " +
          "with `backupS3AccessKeyId` and `backupS3SecretAccessKey` set as secrets.",
      }),
  ],
  { error: "must have type: volume (with size, storageClass) or type: s3 (with endpoint, bucket)" },
);
const backupStorageDescription =
  "Where backups are kept: a volume in the cluster, or an S3-compatible bucket outside it.";
export type BackupStorage = z.output<typeof backupStorageSchema>;

/** Backups of PostgreSQL and Redis (`toolboxai:backup`, components/backup). */
export const backupSchema = z
  .object(
    {
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
        .max(10, { error: "must list at most 10 keys" })
        .meta({
          description:
            "Public keys the backups are encrypted to (the recovery keys). Their private keys " +
            "stay offline with the people who restore: they never enter the cluster.",
          allowed: "1 to 10 age public keys, `age1…` as `age-keygen -y` prints them",
        }),
      // The source design keeps backups 30 days.
      retentionDays: intRange(1, 3650)
        .default(30)
        .meta({ description: "Days a backup is kept before the backup job prunes it." }),
      verify: z
        .boolean({ error: "must be true or false" })
        .default(false)
        .meta({
          description:
            "Restore the newest PostgreSQL backup into a throwaway server every day, and check " +
            "it (`postgres-restore-check`; staging and production).",
        }),
      storage: backupStorageSchema
        .prefault({ type: "volume" })
        .meta({ description: backupStorageDescription }),
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
        .default("")
        .meta({
          description: "The Docker engine; empty: the `DOCKER_HOST` variable or the local socket.",
          allowed: '`""` or a `unix://`, `tcp://` or `ssh://` address',
        }),
      publishAddress: z
        .string({ error: ipv4Message })
        .regex(/^((25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(25[0-5]|2[0-4]\d|1?\d?\d)$/, {
          error: ipv4Message,
        })
        .default("127.0.0.1")
        .meta({
          description:
            "The host address the gateway's port binds to; `127.0.0.1` keeps it off the network.",
          allowed: "IPv4 address",
        }),
      gatewayPort: intRange(1024, 65535).default(8080).meta({
        description:
          "The host port of the gateway: the platform is at `http://<domain>:<gatewayPort>`.",
      }),
    },
    mapping,
  )
  .strict();
export type DockerSettings = z.output<typeof dockerSchema>;

const repositoryUrlMessage =
  "must be an https:// git URL such as https://github.com/toolboxai/infrastructure.git";
const gitRepository = urlWithoutCredentials(repositoryUrlMessage)
  .regex(/^https:\/\/[^\s/]+\/\S+$/, { error: repositoryUrlMessage })
  .meta({ allowed: "`https://` git URL without credentials" });
const branchMessage = "must be a git branch name such as main or release/production";
const gitBranch = z
  .string({ error: branchMessage })
  .regex(/^(?!\/|.*\/$|.*\.\.)[A-Za-z0-9._/-]{1,200}$/, { error: branchMessage })
  .meta({ allowed: "git branch name" });
const folderMessage = "must be empty or a relative folder such as infrastructure (no '..')";
const repositoryFolder = z
  .string({ error: folderMessage })
  .regex(/^$|^(?!\/)(?!.*(^|\/)\.\.(\/|$))[A-Za-z0-9._/-]+$/, { error: folderMessage })
  .meta({ allowed: '`""` or a relative folder without `..`' });
const stateBackendMessage =
  "must be empty (Pulumi Cloud) or a state backend URL: https://…, s3://…, gs://… or azblob://…";

/**
 * Continuous delivery in the cluster (components/delivery): none, the Pulumi Kubernetes
 * Operator deploying this program, or Argo CD syncing the manifests CI rendered.
 */
export const deliverySchema = z.discriminatedUnion(
  "mode",
  [
    z
      .object({ mode: z.literal("none") }, mapping)
      .strict()
      .meta({ description: "No delivery in the cluster: the workflow runs `pulumi up` itself." }),
    z
      .object(
        {
          mode: z.literal("operator"),
          repository: gitRepository.meta({ description: "This program's repository." }),
          branch: gitBranch.default("main").meta({ description: "The branch the stack follows." }),
          path: repositoryFolder
            .default("")
            .meta({ description: "The program's folder in the repository." }),
          stack: z
            .string()
            .regex(/^[A-Za-z0-9._/-]{1,300}$/, {
              error: "must be a stack name such as toolboxai/toolboxai/production",
            })
            .default("")
            .meta({
              description:
                "The stack's name in its backend (`org/project/stack` on Pulumi Cloud); " +
                "empty: the stack's own.",
            }),
          backend: urlWithoutCredentials(stateBackendMessage)
            .regex(/^$|^(https|s3|gs|azblob):\/\/\S+$/, { error: stateBackendMessage })
            .default("")
            .meta({
              description: "The state backend; empty: Pulumi Cloud.",
              allowed: '`""` or `https://…`, `s3://…`, `gs://…` or `azblob://…`',
            }),
          credentialsSecret: dnsLabel.meta({
            description:
              "A Secret in the delivery namespace, made outside the program, holding " +
              "`PULUMI_ACCESS_TOKEN` (Pulumi Cloud) or `PULUMI_CONFIG_PASSPHRASE` (other backends).",
          }),
          operatorNamespace: dnsLabel
            .default("pulumi-kubernetes-operator")
            .meta({ description: "Where the operator runs: its pods call the workspace's agent." }),
          resyncMinutes: intRange(1, 1440).default(10).meta({
            description:
              "How often the stack is refreshed and updated even without a new commit (drift).",
          }),
          retryMaxBackoffMinutes: intRange(1, 1440)
            .default(10)
            .meta({ description: "The longest wait between retries of a failed update." }),
        },
        mapping,
      )
      .strict()
      .meta({
        description:
          "The Pulumi Kubernetes Operator deploys this program from its repository, in a " +
          "`<namespace>-delivery` namespace.",
      }),
    z
      .object(
        {
          mode: z.literal("argocd"),
          repository: gitRepository.meta({
            description: "The repository CI pushes the rendered manifests to.",
          }),
          branch: gitBranch.default("deploy").meta({ description: "Their branch." }),
          path: repositoryFolder.default("manifests").meta({
            description:
              "Their folder: the stack's manifests go to `<path>/<stack>` " +
              "(components/delivery/argocd.ts).",
          }),
          argocdNamespace: dnsLabel.default("argocd").meta({
            description: "Where Argo CD runs (its Applications and AppProjects live there).",
          }),
          retryLimit: intRange(1, 20)
            .default(5)
            .meta({ description: "The most sync attempts of a failed sync." }),
        },
        mapping,
      )
      .strict()
      .meta({ description: "CI renders the manifests and pushes them; Argo CD syncs them." }),
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
  z
    .string()
    .min(16, { error: "must be at least 16 characters (or empty to generate one)" })
    .meta({ allowed: "at least 16 characters" }),
]);

/** What each secret key holds (docs/CONFIGURATION.md). */
const secretDescriptions: Record<SecretKey, string> = {
  postgresPassword: "PostgreSQL password; empty: generated.",
  redisPassword: "Redis password; empty: generated.",
  flowerPassword: "Flower basic-auth password; empty: generated.",
  jwtSecret: "JWT signing key; empty: generated.",
  appSecretKey: "Application secret key; empty: generated.",
  grafanaAdminPassword:
    "Grafana's `admin` password (read from a file by Grafana); empty: generated.",
  postgresReaderPassword:
    "Password of `grafana_reader`, Grafana's read-only PostgreSQL role; empty: generated.",
  alertPagerRoutingKey:
    "PagerDuty Events v2 routing key: critical alerts page. Empty: the `pager` receiver " +
    "delivers nothing.",
  alertChatWebhookUrl:
    "Slack-compatible incoming webhook: warnings post there. Empty: the `chat` receiver " +
    "delivers nothing.",
  backupS3AccessKeyId: "Access key of the backup bucket; required with a bucket.",
  backupS3SecretAccessKey: "Secret key of the backup bucket; required with a bucket.",
};

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
      .default("")
      .meta({
        description:
          "The kubernetes provider writes the manifests into this folder instead of deploying " +
          "them (`renderYamlToDirectory`, used by `npm run e2e`); empty deploys to the cluster. " +
          "It must be missing, empty, or hold only the provider's `0-crd/` and `1-manifest/` " +
          "(links followed).",
        allowed: '`""` or an absolute, normalised path, not a system folder',
      }),
    skipAwait: z
      .boolean({ error: "must be true or false" })
      .default(false)
      .meta({
        description:
          "Annotate Deployments, StatefulSets, DaemonSets, Services, the Ingress and claims " +
          "with `pulumi.com/skipAwait`, so that the provider does not wait for readiness. Only " +
          "for control planes without kubelets (`npm run e2e`'s cluster phase); real " +
          "environments keep the waits.",
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
    robloxSyncEnabled: z
      .boolean({ error: "must be true or false" })
      .default(true)
      .meta({ description: "Deploy roblox-sync." }),
    flowerEnabled: z
      .boolean({ error: "must be true or false" })
      .default(true)
      .meta({ description: "Deploy Flower (Celery UI, basic auth user `admin`)." }),
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
    delivery: deliverySchema.prefault({ mode: "none" }).meta({
      description:
        "How the stack keeps itself deployed in its cluster (see docs/DELIVERY.md); dev " +
        "needs none.",
    }),
    ...(Object.fromEntries(
      [...generatedSecretKeys, ...receiverSecretKeys].map((key) => [
        key,
        secretValue.default("").meta({ description: secretDescriptions[key] }),
      ]),
    ) as {
      [K in GeneratedSecretKey | (typeof receiverSecretKeys)[number]]: z.ZodDefault<
        typeof secretValue
      >;
    }),
    ...(Object.fromEntries(
      backupBucketSecretKeys.map((key) => [
        key,
        z.string().default("").meta({ description: secretDescriptions[key] }),
      ]),
    ) as {
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
