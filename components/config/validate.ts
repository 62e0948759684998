// Pure validation of stack configuration: raw config strings in, one typed PlatformConfig out, or
// a ConfigError that lists every problem with its key, value and what is allowed. Nothing here
// touches the Pulumi runtime, so tests call it directly and check the exact messages.
import { closest, distance } from "fastest-levenshtein";
import { z } from "zod";
import type { ImageSpec } from "../model/workload";
import { backendImageServices, serviceDefaults, singletonServices } from "./defaults";
import { parseCpu, parseMemory } from "./quantity";
import {
  booleanKeys,
  integerKeys,
  objectKeys,
  providerNamespaces,
  backupBucketSecretKeys,
  secretKeys,
  serviceNames,
  stackConfigSchema,
  type Autoscaling,
  type ImageBuild,
  type Resources,
  type SecretKey,
  type ServiceName,
  type StackConfig,
  type Storage,
} from "./schema";

export const projectName = "toolboxai";

/** A service's settings after the stack's overrides are laid over the code defaults. */
export interface ServiceSettings {
  /** The image from the stack; components/images adds the build when the stack names one. */
  readonly image: ImageSpec;
  readonly replicas: number;
  readonly resources: Resources;
  readonly autoscaling?: Autoscaling;
  readonly maxUnavailable: number;
  readonly internetEgress: boolean;
  readonly storage?: Storage;
  /** Build the image locally (components/images) instead of pulling it. */
  readonly build?: ImageBuild;
}

/** Services a feature switch can turn off; they are resolved only when on. */
export type OptionalService = "robloxSync" | "flower";

export type ResolvedServices = Readonly<
  Record<Exclude<ServiceName, OptionalService>, ServiceSettings>
> &
  Readonly<Partial<Record<OptionalService, ServiceSettings>>>;

export interface PlatformConfig extends Omit<StackConfig, "services" | SecretKey> {
  readonly stack: string;
  /** Every enabled service; a switched-off one (robloxSyncEnabled, flowerEnabled) is absent. */
  readonly services: ResolvedServices;
  /** Secret values the stack supplied; the rest are generated. Plain strings: wrap before use. */
  readonly suppliedSecrets: Readonly<Partial<Record<SecretKey, string>>>;
}

export interface ConfigProblem {
  /** Full key, e.g. `toolboxai:services.backend.replicas`. */
  readonly key: string;
  /** The offending value as shown to the user (`[secret]` for secrets, absent when missing). */
  readonly shownValue?: string;
  readonly message: string;
}

export class ConfigError extends Error {
  constructor(
    readonly stackFile: string,
    readonly problems: readonly ConfigProblem[],
  ) {
    super(formatProblems(stackFile, problems));
    this.name = "ConfigError";
  }
}

export function formatProblems(stackFile: string, problems: readonly ConfigProblem[]): string {
  const lines = problems.map((problem) =>
    problem.shownValue === undefined
      ? `  ${problem.key}: ${problem.message}`
      : `  ${problem.key} = ${problem.shownValue}: ${problem.message}`,
  );
  const noun = problems.length === 1 ? "problem" : "problems";
  return [`${stackFile} has ${problems.length} configuration ${noun}:`, ...lines].join("\n");
}

export interface RawConfigInput {
  /** The stack name; its file is Pulumi.<stack>.yaml. */
  readonly stack: string;
  /** Config as the engine hands it to the program: `toolboxai:key` → string (objects as JSON). */
  readonly values: Readonly<Record<string, string>>;
  /** Keys (`toolboxai:key`) whose values the stack stored encrypted. */
  readonly secretKeys: ReadonlySet<string>;
}

export function stackFileName(stack: string): string {
  return `Pulumi.${stack}.yaml`;
}

/**
 * Validates raw stack config and resolves it into a PlatformConfig, or throws ConfigError with
 * every problem of the first failing stage: types, ranges and unknown keys first, then (once
 * those pass) the rules that span several fields.
 */
export function validateConfig(input: RawConfigInput): PlatformConfig {
  const stackFile = stackFileName(input.stack);
  const { raw, problems } = decodeRawValues(input);
  const parsed = stackConfigSchema.safeParse(raw);
  if (!parsed.success) {
    problems.push(...parsed.error.issues.flatMap((issue) => describeIssue(issue, raw)));
  }
  if (problems.length > 0 || !parsed.success) throw new ConfigError(stackFile, problems);

  const config = parsed.data;
  problems.push(...backupBucketProblems(config), ...platformProblems(config));
  const services = resolveServices(config, problems);
  if (problems.length > 0) throw new ConfigError(stackFile, problems);

  const suppliedSecrets: Partial<Record<SecretKey, string>> = {};
  for (const key of secretKeys) {
    if (config[key] !== "") suppliedSecrets[key] = config[key];
  }
  const plain = Object.fromEntries(
    Object.entries(config).filter(
      ([key]) => key !== "services" && !(secretKeys as readonly string[]).includes(key),
    ),
  ) as Omit<StackConfig, "services" | SecretKey>;
  return { ...plain, stack: input.stack, services, suppliedSecrets };
}

/**
 * The bucket's credentials are read only with S3 storage: set without it, they are refused. Not
 * set with it, they are a deploy-time requirement (./examples: `pulumi up` refuses, `pulumi
 * preview` warns), so that a stack file with a bucket previews before its secrets exist.
 */
export function backupBucketProblems(config: StackConfig): ConfigProblem[] {
  if (config.backup?.storage.type === "s3") return [];
  return backupBucketSecretKeys
    .filter((key) => config[key] !== "")
    .map((key) => ({
      key: `${projectName}:${key}`,
      shownValue: "[secret]",
      message: "is set, but backup.storage.type is not s3: nothing reads it; remove it",
    }));
}

/** Keys only the Kubernetes form reads (its provider, its Ingress, `npm run e2e`'s settings). */
export const kubernetesOnlyKeys = [
  "delivery",
  "kubernetesContext",
  "renderDir",
  "skipAwait",
  "ingressClassName",
  "ingressControllerNamespace",
  "tlsIssuer",
] as const;

/** The value a top-level key has when no stack sets it. */
function defaultOf(key: keyof StackConfig): unknown {
  return stackConfigSchema.shape[key].safeParse(undefined).data;
}

/**
 * A key the chosen platform does not read is refused when it differs from its default, not
 * ignored: a stack that sets `tlsIssuer` on Docker expects HTTPS and would get none. (The engine
 * hands the program Pulumi.yaml's defaults too, so "set" means "not the default".)
 */
export function platformProblems(config: StackConfig): ConfigProblem[] {
  const unread: (keyof StackConfig)[] =
    config.platform === "docker" ? [...kubernetesOnlyKeys] : ["docker"];
  const other = config.platform === "docker" ? "kubernetes" : "docker";
  return unread
    .filter((key) => JSON.stringify(config[key]) !== JSON.stringify(defaultOf(key)))
    .map((key) => ({
      key: `${projectName}:${key}`,
      // A mapping (docker) is named, not shown: its defaults would be shown with it.
      ...(typeof config[key] === "object" ? {} : { shownValue: show(config[key]) }),
      message:
        `is set, but platform is ${config.platform}: nothing reads it; remove it ` +
        `(it applies to platform: ${other})`,
    }));
}

/** Turns engine strings into the values the schema expects, noting what cannot be decoded. */
function decodeRawValues(input: RawConfigInput): {
  raw: Record<string, unknown>;
  problems: ConfigProblem[];
} {
  // Entries, made into an object at the end: `raw["__proto__"] = …` would set the prototype and
  // drop the key instead of reporting it as unknown.
  const entries: [string, unknown][] = [];
  const problems: ConfigProblem[] = [];
  const prefix = `${projectName}:`;
  for (const [fullKey, value] of Object.entries(input.values)) {
    if (!fullKey.startsWith(prefix)) {
      const problem = foreignKeyProblem(fullKey);
      if (problem) problems.push(problem);
      continue;
    }
    const key = fullKey.slice(prefix.length);
    const isSecretKey = (secretKeys as readonly string[]).includes(key);
    if (isSecretKey && value !== "" && !input.secretKeys.has(fullKey)) {
      problems.push({
        key: fullKey,
        shownValue: "[secret]",
        message: `must be stored encrypted: run \`pulumi config set --secret ${key}\``,
      });
      continue;
    }
    if (objectKeys.has(key)) {
      try {
        entries.push([key, JSON.parse(value)]);
      } catch {
        problems.push({ key: fullKey, shownValue: show(value), message: "must be a YAML mapping" });
      }
    } else if (booleanKeys.has(key) && (value === "true" || value === "false")) {
      entries.push([key, value === "true"]);
    } else if (integerKeys.has(key) && /^-?\d+$/.test(value)) {
      entries.push([key, Number(value)]);
    } else {
      entries.push([key, value]);
    }
  }
  return { raw: Object.fromEntries(entries), problems };
}

/**
 * The engine hands the program every key of the stack, under every namespace. Keys of the
 * providers' namespaces are theirs; a key under any other namespace (`toolbox:logLevel`) would be
 * read by nothing, so it is a problem rather than silently ignored. Its value is not shown: it may
 * be a secret.
 */
function foreignKeyProblem(fullKey: string): ConfigProblem | undefined {
  const separator = fullKey.indexOf(":");
  const namespace = fullKey.slice(0, Math.max(separator, 0));
  if (providerNamespaces.includes(namespace)) return undefined;
  const name = fullKey.slice(separator + 1);
  const known = [projectName, ...providerNamespaces];
  const nearest = closest(namespace.toLowerCase(), known);
  const unknown = `unknown namespace "${namespace}": nothing reads this key`;
  return {
    key: fullKey,
    message:
      distance(namespace.toLowerCase(), nearest) <= 3
        ? `${unknown}; did you mean "${nearest}:${name}"?`
        : `${unknown}; known namespaces: ${known.sort().join(", ")}`,
  };
}

/** Whether the schema wanted text where the issue arose (a string, or a union of strings). */
function wantsText(issue: z.core.$ZodIssue): boolean {
  if (issue.code === "invalid_type") return issue.expected === "string";
  if (issue.code === "invalid_union") {
    return issue.errors.every((branch) =>
      branch.some(
        (inner) =>
          wantsText(inner) ||
          (inner.code === "invalid_value" &&
            inner.values.every((allowed) => typeof allowed === "string")),
      ),
    );
  }
  return false;
}

/**
 * YAML reads an unquoted `1.4` as a number and `true` as a boolean; a field that holds text
 * (an image tag, a StorageClass) then says so, and how to quote it.
 */
function quoteItMessage(path: readonly string[], value: number | boolean): string {
  const field = path[path.length - 1];
  const kind = typeof value === "number" ? "a number" : "a boolean";
  const zeros =
    typeof value === "number" && !Number.isInteger(value)
      ? " (quote what you meant: unquoted, YAML drops trailing zeros, so 1.10 reads as 1.1)"
      : "";
  return `was read as ${kind}, but must be text; quote it: ${field}: "${String(value)}"${zeros}`;
}

function describeIssue(issue: z.core.$ZodIssue, raw: Record<string, unknown>): ConfigProblem[] {
  const path = issue.path.map(String);
  if (issue.code === "unrecognized_keys") {
    const known = knownKeysAt(stackConfigSchema, path);
    return issue.keys.map((unknownKey) => ({
      key: fullKey([...path, unknownKey]),
      message: suggest(unknownKey, known),
    }));
  }
  const value = valueAt(raw, path);
  if (value === undefined) {
    return [{ key: fullKey(path), message: `is required; ${issue.message}` }];
  }
  const isSecret = (secretKeys as readonly string[]).includes(path[0] ?? "");
  const readAsScalar =
    (typeof value === "number" || typeof value === "boolean") && wantsText(issue);
  return [
    {
      key: fullKey(path),
      shownValue: isSecret ? "[secret]" : show(value),
      message: readAsScalar ? quoteItMessage(path, value) : issue.message,
    },
  ];
}

function suggest(unknownKey: string, known: readonly string[]): string {
  if (known.length === 0) return "unknown key";
  const nearest = closest(unknownKey, [...known]);
  if (distance(unknownKey.toLowerCase(), nearest.toLowerCase()) <= 3) {
    return `unknown key; did you mean "${nearest}"?`;
  }
  return `unknown key; known keys here: ${[...known].sort().join(", ")}`;
}

/** The object keys the schema accepts at `path`, seen through defaults and optionals. */
function knownKeysAt(schema: z.ZodType, path: readonly string[]): string[] {
  let current: unknown = schema;
  for (let index = 0; ; index++) {
    while (current instanceof z.ZodDefault || current instanceof z.ZodOptional) {
      current = current.unwrap();
    }
    if (!(current instanceof z.ZodObject)) return [];
    if (index === path.length) return Object.keys(current.shape);
    current = (current.shape as Record<string, unknown>)[path[index]];
  }
}

function valueAt(root: unknown, path: readonly string[]): unknown {
  let current = root;
  for (const segment of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

export function fullKey(path: readonly PropertyKey[]): string {
  return `${projectName}:${path.map(String).join(".")}`;
}

/** A value as messages show it: JSON, cut at 80 characters, a URL's credentials replaced. */
export function show(value: unknown): string {
  // Replaced before the cut, which could otherwise leave the start of a token on show.
  const text = (JSON.stringify(value) ?? String(value)).replace(
    /:\/\/[^\s/"@]*@/g,
    "://[credentials]@",
  );
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Lays each service's overrides over its defaults and checks what spans several fields. */
function resolveServices(config: StackConfig, problems: ConfigProblem[]): ResolvedServices {
  const resolved: Partial<Record<ServiceName, ServiceSettings>> = {};
  const backendImage = config.services.backend?.image;
  const switchedOff = new Set<ServiceName>([
    ...(config.robloxSyncEnabled ? [] : (["robloxSync"] as const)),
    ...(config.flowerEnabled ? [] : (["flower"] as const)),
  ]);
  for (const name of serviceNames.filter((service) => !switchedOff.has(service))) {
    const overrides = config.services[name] ?? {};
    const defaults = serviceDefaults[name];
    const image =
      overrides.image ??
      defaults.image ??
      (backendImageServices.has(name) ? backendImage : undefined);
    if (image === undefined) {
      // Services that borrow the backend image are covered by the backend's own problem.
      if (backendImageServices.has(name)) continue;
      problems.push({
        key: fullKey(["services", name, "image"]),
        message: "is required: application images have no default; set repository and tag",
      });
      continue;
    }
    const settings: ServiceSettings = {
      image,
      replicas: overrides.replicas ?? defaults.replicas,
      resources: overrides.resources ?? defaults.resources,
      autoscaling: overrides.autoscaling,
      maxUnavailable: overrides.maxUnavailable ?? defaults.maxUnavailable,
      internetEgress: overrides.internetEgress ?? defaults.internetEgress,
      storage: overrides.storage ?? defaults.storage,
      build: overrides.build,
    };
    if (overrides.autoscaling && overrides.replicas !== undefined) {
      problems.push({
        key: fullKey(["services", name, "replicas"]),
        shownValue: show(overrides.replicas),
        message: `must be left out when autoscaling is set: the autoscaler owns the replica count (from minReplicas ${overrides.autoscaling.minReplicas})`,
      });
    }
    problems.push(...checkService(name, settings), ...buildProblems(name, settings, config));
    resolved[name] = settings;
  }
  // Complete once no problem was found; the caller throws otherwise.
  return resolved as ResolvedServices;
}

/**
 * A built image is tagged with the image's version and, on Kubernetes, pushed: a cluster pulls
 * from a registry, never from the engine that built it.
 */
export function buildProblems(
  name: string,
  settings: ServiceSettings,
  config: Pick<StackConfig, "platform" | "imageRegistry">,
): ConfigProblem[] {
  if (!settings.build) return [];
  const { repository, tag } = settings.image;
  const problems: ConfigProblem[] = [];
  if (tag === undefined) {
    problems.push({
      key: fullKey(["services", name, "image", "tag"]),
      message: "is required with build: the built image is tagged with this version",
    });
  }
  if (config.platform === "kubernetes" && config.imageRegistry === "") {
    problems.push({
      key: fullKey(["services", name, "build"]),
      message:
        "needs toolboxai:imageRegistry on platform kubernetes: a cluster pulls images from a " +
        "registry, not from the engine that built them",
    });
  }
  if (config.imageRegistry !== "" && !repository.startsWith(`${config.imageRegistry}/`)) {
    problems.push({
      key: fullKey(["services", name, "image", "repository"]),
      shownValue: show(repository),
      message: `must be in the registry built images are pushed to (${config.imageRegistry}/…)`,
    });
  }
  return problems;
}

/** Cross-field rules of one service, as pure data for the error. */
export function checkService(name: string, settings: ServiceSettings): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const { requests, limits } = settings.resources;
  if ((parseCpu(limits.cpu) ?? 0) < (parseCpu(requests.cpu) ?? 0)) {
    problems.push({
      key: fullKey(["services", name, "resources", "limits", "cpu"]),
      shownValue: show(limits.cpu),
      message: `must be at least the CPU request (${requests.cpu})`,
    });
  }
  if ((parseMemory(limits.memory) ?? 0) < (parseMemory(requests.memory) ?? 0)) {
    problems.push({
      key: fullKey(["services", name, "resources", "limits", "memory"]),
      shownValue: show(limits.memory),
      message: `must be at least the memory request (${requests.memory})`,
    });
  }
  const autoscaling = settings.autoscaling;
  if (singletonServices.has(name as ServiceName)) {
    if (settings.replicas !== 1) {
      problems.push({
        key: fullKey(["services", name, "replicas"]),
        shownValue: show(settings.replicas),
        message: "must be 1: this service runs as a single pod",
      });
    }
    if (autoscaling) {
      problems.push({
        key: fullKey(["services", name, "autoscaling"]),
        message: "is not allowed: this service runs as a single pod",
      });
    }
  }
  if (autoscaling && autoscaling.maxReplicas < autoscaling.minReplicas) {
    problems.push({
      key: fullKey(["services", name, "autoscaling", "maxReplicas"]),
      shownValue: show(autoscaling.maxReplicas),
      message: `must be at least minReplicas (${autoscaling.minReplicas})`,
    });
  }
  return problems;
}
