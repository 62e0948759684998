// The example values the stack files ship with, which cannot work in a cluster: recovery keys
// whose private halves nobody has, domains under the reserved .example TLD, images and a bucket
// no one serves, this repository as the delivery source. Each belongs to an entry of the README's
// "Deploy your own" checklist, which says what to put there and the command that makes it.
// `pulumi up` of a staging or production stack refuses them (index.ts, ./index); `pulumi
// preview` warns. Pure: nothing here touches the Pulumi runtime.
import { backendImageServices } from "./defaults";
import { backupBucketSecretKeys, type ServiceName } from "./schema";
import { ConfigError, projectName, stackFileName, type ConfigProblem } from "./problems";
import type { PlatformConfig } from "./types";

/**
 * The environment variable that lets `pulumi up` deploy a stack with example values left, with a
 * warning instead of the refusal. For the project's own test runs only (the mock engine, `npm run
 * e2e`): a stack deployed with them cannot work. Only the exact value "1" accepts.
 */
export const acceptExampleValuesVariable = "TOOLBOXAI_ACCEPT_EXAMPLE_VALUES";

/** Whether a process environment accepts example values (read once, at the program's entry). */
export function acceptsExampleValues(env: Readonly<Record<string, string | undefined>>): boolean {
  return env[acceptExampleValuesVariable] === "1";
}

/** The README section that lists every value to replace, with its command. */
export const deployYourOwn = 'README, "Deploy your own"';

/** The example values, exactly as the stack files and the code defaults carry them. */
export const exampleValues = {
  /** Age recipients of the stack files' recovery keys: nobody has their private keys. */
  recipients: [
    "age1gh9zz769adyc46nwtp4gz3e5t54v762wdu8xlv3wvs8q67v64umsggz0xs",
    "age1y99fxtd2fgywu73x6cavgdzhx3ndk06vzluxyx99zddzs4kxycfs3ys0le",
    "age10xeydgms5xdsmr4xxuzaejc0ysph5gll6xwczhy89tkza0wc0chqwdddwa",
    "age167evggvuees9sakr63r4g9h467stmdzt4ft8zaaau5ltcz7kvezqeln3hv",
  ],
  /** The stack files' domains; any name under the reserved TLD is one too. */
  domains: ["staging.toolboxai.example", "app.toolboxai.example"],
  /** The reserved top-level domain (RFC 2606): a name under it never resolves. */
  reservedTld: ".example",
  /** Image repositories no registry serves: the applications' and the backup tools' default. */
  imageRepositories: [
    "ghcr.io/toolboxai/backend",
    "ghcr.io/toolboxai/dashboard",
    "ghcr.io/toolboxai/mcp-server",
    "ghcr.io/toolboxai/agent-coordinator",
    "ghcr.io/toolboxai/roblox-sync",
    "ghcr.io/toolboxai/backup-tools",
  ],
  /** Production's example backup bucket. */
  buckets: ["toolboxai-backups-example"],
  /** The delivery source of the stack files: this repository, not the user's fork. */
  repositories: ["https://github.com/toolboxai/infrastructure.git"],
  /** The operator's stack names in the stack files: the example's Pulumi organisation. */
  stacks: ["toolboxai/toolboxai/staging", "toolboxai/toolboxai/production"],
} as const;

export type ChecklistItemId =
  | "recipients"
  | "domain"
  | "storageClasses"
  | "images"
  | "backupImage"
  | "bucket"
  | "alerts"
  | "delivery";

export interface ChecklistItem {
  readonly id: ChecklistItemId;
  /** The stack keys (under `toolboxai:`) to set. */
  readonly keys: readonly string[];
  /** What to put there. */
  readonly what: string;
  /** The commands that make it, in order. */
  readonly commands: readonly string[];
}

/** The README's "Deploy your own" checklist: every value to replace, in this order. */
export const deployChecklist: readonly ChecklistItem[] = [
  {
    id: "recipients",
    keys: ["backup.recipients"],
    what:
      "the public key of a recovery key pair you made; keep the private key (recovery.key) " +
      "offline with the people who restore, never in the cluster or the repository",
    commands: ["age-keygen -o recovery.key", "age-keygen -y recovery.key"],
  },
  {
    id: "domain",
    keys: ["domain", "tlsIssuer"],
    what:
      "a host name whose DNS points at your ingress controller, and a cert-manager " +
      "ClusterIssuer your cluster has",
    commands: ["pulumi config set domain <host>", "kubectl get clusterissuers"],
  },
  {
    id: "storageClasses",
    keys: ["services.<name>.storage.storageClass", "backup.storage.storageClass"],
    what: "StorageClasses your cluster has (empty: its default class)",
    commands: ["npm run preflight -- --stack <stack>"],
  },
  {
    id: "images",
    keys: ["services.<app>.image"],
    what: "repositories and tags of the application images you build and push",
    commands: [
      "docker build -t <registry>/<app>:<tag> <app source>",
      "docker push <registry>/<app>:<tag>",
      "pulumi config set --path services.<app>.image.repository <registry>/<app>",
      "pulumi config set --path services.<app>.image.tag <tag>",
    ],
  },
  {
    id: "backupImage",
    keys: ["imageRegistry", "services.backup.image"],
    what:
      "the backup tools image built from images/backup-tools and pushed to your registry (or " +
      "a published one); with imageRegistry and services.backup.build.context set, the " +
      "program builds and pushes it itself",
    commands: [
      "docker build -t <registry>/toolboxai/backup-tools:1.0.0 images/backup-tools",
      "docker push <registry>/toolboxai/backup-tools:1.0.0",
      "pulumi config set imageRegistry <registry>",
      "pulumi config set --path services.backup.image.repository <registry>/toolboxai/backup-tools",
    ],
  },
  {
    id: "bucket",
    keys: ["backup.storage", "backupS3AccessKeyId", "backupS3SecretAccessKey"],
    what:
      "for production, an S3 bucket outside the cluster (backups on a volume die with it): " +
      "its endpoint, bucket, region and prefix (and `caCertificates` for a MinIO or Ceph " +
      "behind a private CA), and its credentials as secrets, read from " +
      "files so that they stay out of your shell's history",
    commands: [
      "pulumi config set --secret backupS3AccessKeyId < access-key-id.txt",
      "pulumi config set --secret backupS3SecretAccessKey < secret-access-key.txt",
    ],
  },
  {
    id: "alerts",
    keys: ["monitoring.alertWebhookUrl", "alertPagerRoutingKey", "alertChatWebhookUrl"],
    what:
      "where alerts go: your incident router's webhook (its bearer token, if it needs one: " +
      "`pulumi config set --secret alertWebhookToken < token.txt`), or a PagerDuty routing " +
      "key and a chat webhook as secrets instead (docs/ALERTS.md)",
    commands: [
      "pulumi config set --path monitoring.alertWebhookUrl https://<your incident router>/<path>",
    ],
  },
  {
    id: "delivery",
    keys: ["delivery.repository", "delivery.stack"],
    what:
      "your fork of this repository (operator), or the repository CI pushes the rendered " +
      "manifests to (argocd); for the operator, the stack's name in your backend",
    commands: [
      "pulumi config set --path delivery.repository https://github.com/<you>/<repo>.git",
      "pulumi config set --path delivery.stack <org>/toolboxai/<stack>",
    ],
  },
];

/**
 * The checklist as the README shows it: a numbered Markdown list, one entry per item with its
 * keys, what to put there and its commands, wrapped at `width` columns (code spans kept whole).
 */
export function checklistMarkdown(width = 100): string {
  return deployChecklist
    .map((item, index) => {
      const keys = item.keys.map((key) => `\`${key}\``).join(", ");
      const commands = item.commands.map((command) => `\`${command}\``).join(", then ");
      return wrapped(`${index + 1}. ${keys}: ${item.what}. Run ${commands}.`, width, "   ");
    })
    .join("\n");
}

/** `text` wrapped at `width` columns, continuation lines indented; a code span is one word. */
function wrapped(text: string, width: number, indent: string): string {
  const words = text.match(/`[^`]*`[^\s`]*|[^\s`]+/g) ?? [];
  const lines: string[] = [];
  let line = "";
  for (const word of words) {
    const next = line === "" ? word : `${line} ${word}`;
    if (next.length > width && line.trim() !== "") {
      lines.push(line);
      line = `${indent}${word}`;
    } else {
      line = lines.length > 0 && line === "" ? `${indent}${word}` : next;
    }
  }
  if (line !== "") lines.push(line);
  return lines.join("\n");
}

/** A value `pulumi up` refuses: a ConfigProblem (key, value, what to do) and its checklist item. */
export interface DeployProblem extends ConfigProblem {
  readonly item: ChecklistItemId;
  /** An example value (dev is exempt), or a required secret not set (refused in every stack). */
  readonly kind: "example" | "missing";
}

/** The commands of a checklist item, as a message quotes them. */
function commandsOf(id: ChecklistItemId): string {
  const item = deployChecklist.find((entry) => entry.id === id)!;
  return item.commands.map((command) => `\`${command}\``).join(", then ");
}

/** Whether a host name is an example one: listed, or under the reserved TLD. */
export function isExampleDomain(domain: string): boolean {
  const name = domain.toLowerCase().replace(/\.$/, "");
  return (
    (exampleValues.domains as readonly string[]).includes(name) ||
    name.endsWith(exampleValues.reservedTld) ||
    name === exampleValues.reservedTld.slice(1)
  );
}

/** Whether a git URL is the example repository (with or without `.git`, any case). */
function isExampleRepository(url: string): boolean {
  const normal = (value: string) =>
    value
      .toLowerCase()
      .replace(/\/+$/, "")
      .replace(/\.git$/, "");
  return exampleValues.repositories.some((example) => normal(example) === normal(url));
}

function imageShown(image: { repository: string; tag?: string; digest?: string }): string {
  return image.digest ? `${image.repository}@${image.digest}` : `${image.repository}:${image.tag}`;
}

/**
 * What `pulumi up` refuses in a validated config, in the checklist's order: every example value
 * (each with its key, value and the command that makes a real one), and the bucket's credentials
 * when backups go to S3 without them. Includes dev's examples: `deployProblems` exempts dev.
 */
export function exampleValueProblems(config: PlatformConfig): DeployProblem[] {
  const problems: DeployProblem[] = [];
  const example = (item: ChecklistItemId, key: string, value: string, message: string) =>
    problems.push({
      item,
      kind: "example",
      key: `${projectName}:${key}`,
      shownValue: value,
      message,
    });

  (config.backup?.recipients ?? []).forEach((recipient, index) => {
    if ((exampleValues.recipients as readonly string[]).includes(recipient)) {
      example(
        "recipients",
        `backup.recipients[${index}]`,
        recipient,
        "is an example recovery key whose private key nobody has: backups encrypted to it " +
          `can never be decrypted. Make yours with ${commandsOf("recipients")} (prints the ` +
          "public key to put here); keep recovery.key offline",
      );
    }
  });

  if (isExampleDomain(config.domain)) {
    example(
      "domain",
      "domain",
      config.domain,
      `is an example: names under the reserved ${exampleValues.reservedTld} TLD never resolve. ` +
        "Run `pulumi config set domain <host>` with a host whose DNS points at your ingress " +
        "controller, and set tlsIssuer to a cert-manager ClusterIssuer your cluster has " +
        "(`kubectl get clusterissuers`)",
    );
  }

  const services = config.services as Readonly<
    Partial<Record<ServiceName, { image: { repository: string; tag?: string; digest?: string } }>>
  >;
  const backendImage = services.backend && imageShown(services.backend.image);
  for (const [service, settings] of Object.entries(services) as [
    ServiceName,
    (typeof services)[ServiceName],
  ][]) {
    if (!settings) continue;
    const { image } = settings;
    if (!(exampleValues.imageRepositories as readonly string[]).includes(image.repository)) {
      continue;
    }
    // Celery runs the backend's image unless its own is set: named once, as the backend's.
    if (backendImageServices.has(service) && imageShown(image) === backendImage) continue;
    if (service === "backup") {
      example(
        "backupImage",
        "services.backup.image",
        imageShown(image),
        "is the default backup tools image (components/config/defaults.ts), which no registry " +
          `serves: build and push images/backup-tools to yours: ${commandsOf("backupImage")} ` +
          "(or set services.backup.build.context: images/backup-tools with imageRegistry, and " +
          "the program builds and pushes it)",
      );
    } else {
      example(
        "images",
        `services.${service}.image`,
        imageShown(image),
        "is an example image no registry serves: build and push yours, then " +
          `\`pulumi config set --path services.${service}.image.repository <registry>/<name>\` ` +
          `and \`pulumi config set --path services.${service}.image.tag <tag>\``,
      );
    }
  }

  const storage = config.backup?.storage;
  if (storage?.type === "s3") {
    if ((exampleValues.buckets as readonly string[]).includes(storage.bucket)) {
      example(
        "bucket",
        "backup.storage.bucket",
        storage.bucket,
        "is an example bucket: create one outside the cluster and set backup.storage's " +
          "endpoint, bucket, region and prefix to it, then its credentials: " +
          commandsOf("bucket"),
      );
    }
    for (const key of backupBucketSecretKeys) {
      if (config.suppliedSecrets[key] !== undefined) continue;
      problems.push({
        item: "bucket",
        kind: "missing",
        key: `${projectName}:${key}`,
        message:
          "is required when backup.storage.type is s3 (the backup jobs write the bucket with " +
          `it): run \`pulumi config set --secret ${key} < <file holding it>\``,
      });
    }
  }

  const webhook = config.monitoring.alertWebhookUrl;
  if (webhook !== "" && isExampleDomain(new URL(webhook).hostname)) {
    example(
      "alerts",
      "monitoring.alertWebhookUrl",
      webhook,
      `is an example: names under the reserved ${exampleValues.reservedTld} TLD never resolve, ` +
        "so no alert would reach anyone. Set your incident router's URL, " +
        commandsOf("alerts") +
        ", or PagerDuty's routing key and a chat webhook as the secrets alertPagerRoutingKey " +
        "and alertChatWebhookUrl (docs/ALERTS.md)",
    );
  }

  if (config.delivery.mode !== "none" && isExampleRepository(config.delivery.repository)) {
    example(
      "delivery",
      "delivery.repository",
      config.delivery.repository,
      "is the example repository, not yours: fork it (for argocd: the repository CI pushes the " +
        "rendered manifests to) and run `pulumi config set --path delivery.repository " +
        "https://github.com/<you>/<repo>.git`",
    );
  }
  if (
    config.delivery.mode === "operator" &&
    (exampleValues.stacks as readonly string[]).includes(config.delivery.stack)
  ) {
    example(
      "delivery",
      "delivery.stack",
      config.delivery.stack,
      "is the example's stack in a Pulumi organisation named toolboxai, not yours: the operator " +
        "would deploy another stack or none. Run `pulumi config set --path delivery.stack " +
        "<org>/toolboxai/<stack>` with your organisation (or remove it: the stack's own name)",
    );
  }
  return problems;
}

/**
 * What `pulumi up` of this stack refuses: every example value in staging and production; dev
 * (local) is exempt from those, but not from missing bucket credentials.
 */
export function deployProblems(config: PlatformConfig): DeployProblem[] {
  const problems = exampleValueProblems(config);
  return config.environment === "dev"
    ? problems.filter((problem) => problem.kind === "missing")
    : problems;
}

/** How a run of the program met deploy problems. */
export interface RunMode {
  /** `pulumi preview` (the SDK's dry run), as opposed to `pulumi up`. */
  readonly dryRun: boolean;
  /** The environment set TOOLBOXAI_ACCEPT_EXAMPLE_VALUES=1. */
  readonly accepted: boolean;
}

function listed(stackFile: string, problems: readonly ConfigProblem[], environment: string) {
  const lines = problems.map((problem) =>
    problem.shownValue === undefined
      ? `  ${problem.key}: ${problem.message}`
      : `  ${problem.key} = ${problem.shownValue}: ${problem.message}`,
  );
  const stack = stackFile.replace(/^Pulumi\.(.*)\.yaml$/, "$1");
  return [
    ...lines,
    environment === "dev"
      ? `Every value to replace, with its command: ${deployYourOwn}.`
      : "Also check what no value shows: tlsIssuer names a ClusterIssuer your cluster has, and " +
        `the StorageClasses exist (\`npm run preflight -- --stack ${stack}\`). Every value to ` +
        `replace, with its command: ${deployYourOwn}.`,
  ];
}

/** The refusal: a ConfigError, so the program reports it as every config problem (no stack trace). */
export class ExampleValuesError extends ConfigError {
  constructor(stackFile: string, problems: readonly DeployProblem[], environment: string) {
    super(stackFile, problems);
    this.name = "ExampleValuesError";
    const noun = problems.length === 1 ? "value" : "values";
    this.message = [
      `${stackFile} has ${problems.length} ${noun} to replace before \`pulumi up\` can deploy ` +
        "it (examples that cannot work in a cluster, secrets not set):",
      ...listed(stackFile, problems, environment),
    ].join("\n");
  }
}

/** The warning a preview, or an accepted update, prints instead of refusing. */
export function exampleValuesWarning(
  stackFile: string,
  problems: readonly DeployProblem[],
  environment: string,
  mode: RunMode,
): string {
  const noun = problems.length === 1 ? "value" : "values";
  const header = mode.dryRun
    ? `${stackFile} has ${problems.length} ${noun} to replace: \`pulumi up\` refuses to deploy ` +
      "it until each is replaced (examples that cannot work in a cluster, secrets not set):"
    : `${stackFile} has ${problems.length} ${noun} to replace, accepted for this run by ` +
      `${acceptExampleValuesVariable}=1: a stack deployed with them cannot work as-is (backups ` +
      "nobody can decrypt, images no registry serves, a domain that never resolves); `pulumi " +
      "up` without it refuses them:";
  return [header, ...listed(stackFile, problems, environment)].join("\n");
}

/**
 * What the program does about deploy problems: nothing; a warning (`pulumi preview`, or `pulumi
 * up` with the acceptance); or the refusal, thrown before any resource is registered.
 */
export function checkDeployProblems(
  config: PlatformConfig,
  mode: RunMode,
): { warning?: string; refusal?: ExampleValuesError } {
  const problems = deployProblems(config);
  if (problems.length === 0) return {};
  const stackFile = stackFileName(config.stack);
  if (mode.dryRun || mode.accepted) {
    return { warning: exampleValuesWarning(stackFile, problems, config.environment, mode) };
  }
  return { refusal: new ExampleValuesError(stackFile, problems, config.environment) };
}
