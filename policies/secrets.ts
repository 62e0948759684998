// Secrets: no literal secrets in the environment or in ConfigMaps, and secrets delivered as
// read-only files under /run/secrets (the `*_FILE` convention) rather than through the
// environment. The detection functions are pure and exported, so the Docker rules reuse them.
import * as path from "node:path";
import type { Policies } from "@pulumi/policy";
import { podRule, resourceRule, type RuleConfig } from "./lib/define";
import { describeContainer, type ContainerEntry } from "./lib/kubernetes";

/* eslint-disable @typescript-eslint/no-explicit-any -- policy props are untyped JSON */

// ---------------------------------------------------------------------------------------------
// Pure detection functions
// ---------------------------------------------------------------------------------------------

/** Name suffixes that never hold a secret although the name contains a secret word. */
export const defaultNonSecretSuffixes: readonly string[] = [
  "_HOST",
  "_PORT",
  "_USER",
  "_USERNAME",
  "_NAME",
  "_TTL",
  "_TIMEOUT",
  "_EXPIRY",
  "_LENGTH",
  "_ALGORITHM",
  "_ENCRYPTION",
];

export const defaultSecretMountPrefix = "/run/secrets/";

export interface DetectionOptions {
  /** Minimum Shannon entropy (bits per character) of a token that counts as a secret. */
  readonly entropyThreshold?: number;
  /** Minimum length of a token that is tested for entropy. */
  readonly minEntropyLength?: number;
  /** Name suffixes that are never secret (compared after `-` and `.` become `_`). */
  readonly nonSecretSuffixes?: readonly string[];
  /** Where secret files are mounted; `*_FILE` variables pointing there are fine. */
  readonly secretMountPrefix?: string;
}

const secretNamePattern =
  /passw(?:or)?d|passphrase|secret(?!ary)|credential|token(?!i[sz])|api[_.-]?key|private[_.-]?key|access[_.-]?key|auth[_.-]?key|signing[_.-]?key|encryption[_.-]?key|requirepass|masterauth|connection[_.-]?string/i;

/** Does a variable or key name say it holds a secret? (`DB_PASSWORD` yes, `DB_HOST` no.) */
export function looksSecretName(
  name: string,
  nonSecretSuffixes: readonly string[] = defaultNonSecretSuffixes,
): boolean {
  const normalized = name.toUpperCase().replace(/[-.]/g, "_");
  if (nonSecretSuffixes.some((suffix) => normalized.endsWith(suffix.toUpperCase()))) return false;
  return secretNamePattern.test(name);
}

/** Shannon entropy of a string in bits per character. */
export function shannonEntropy(text: string): number {
  if (text.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const char of text) counts.set(char, (counts.get(char) ?? 0) + 1);
  const length = [...text].length;
  let entropy = 0;
  for (const count of counts.values()) {
    const p = count / length;
    entropy -= p * Math.log2(p);
  }
  return entropy;
}

/** `$(VAR)`, `${VAR}`, `$VAR`, `{{ .Values.x }}`, `%(name)s`: a reference, not a value. */
export function isPlaceholder(value: string): boolean {
  return /^(?:\$\([A-Za-z_][\w.-]*\)|\$\{[^}]+\}|\$[A-Za-z_]\w*|\{\{.*\}\}|%\([\w.-]+\)s|<[\w .-]+>|\$__(?:file|env)\{[^}]+\})$/.test(
    value.trim(),
  );
}

/**
 * Names joined by `.`, `_`, `-`, `:`, `|` or `/`, every part lowercase letters: a metric, a
 * component reference or a list of service names (`backend|mcp-server`), long and varied enough
 * to pass the entropy test, but not random. Digits or capitals anywhere keep a token in the test.
 */
export function isIdentifierChain(token: string): boolean {
  return /^[a-z]+(?:[._:|/-][a-z]+)+$/.test(token);
}

const urlPattern = /^[a-z][a-z0-9+.-]*:\/\/\S+$/i;
const urlCredentialsPattern = /[a-z][a-z0-9+.-]*:\/\/[^\s:@/]*:([^\s@/]+)@/i;

/** A URL whose user-info carries a password (`redis://:pw@host`); references do not count. */
function hasUrlCredentials(value: string): boolean {
  const match = urlCredentialsPattern.exec(value);
  return match !== null && !isPlaceholder(decodeURIComponentSafe(match[1]));
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** A URL with no password in it. */
export function isPlainUrl(value: string): boolean {
  return urlPattern.test(value.trim()) && !hasUrlCredentials(value);
}

/** An absolute or relative file path. */
export function isPath(value: string): boolean {
  return /^(?:\/|\.{1,2}\/|~\/)[^\s]*$/.test(value.trim());
}

const hostLabel = "[a-z0-9](?:[a-z0-9-]*[a-z0-9])?";
const hostnamePattern = new RegExp(
  `^(?:${hostLabel}\\.)+${hostLabel}\\.?(?::\\d{1,5})?(?:/[^\\s]*)?$`,
  "i",
);
const imageReferencePattern =
  /^(?:[a-z0-9.-]+(?::\d+)?\/)?[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;

/** A hostname, `host:port` or `host:port/path` (a scheme-less URL). */
export function isHostname(value: string): boolean {
  return hostnamePattern.test(value.trim());
}

/** A container image reference (`ghcr.io/org/app:1.2`, `postgres@sha256:…`). */
export function isImageReference(value: string): boolean {
  const trimmed = value.trim();
  return imageReferencePattern.test(trimmed) && (trimmed.includes("/") || /[:@]/.test(trimmed));
}

const valuePatterns: readonly { readonly kind: string; readonly pattern: RegExp }[] = [
  { kind: "a PEM private key", pattern: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/ },
  { kind: "an AWS access key ID", pattern: /(?<![A-Z0-9])(?:AKIA|ASIA)[0-9A-Z]{16}(?![A-Z0-9])/ },
  {
    kind: "a GitHub token",
    pattern: /(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})/,
  },
  { kind: "a Slack token", pattern: /(?<![A-Za-z0-9])xox[abeoprs]-[A-Za-z0-9-]{10,}/ },
  { kind: "a Google API key", pattern: /(?<![A-Za-z0-9_-])AIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])/ },
  {
    kind: "a JSON Web Token",
    pattern: /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/,
  },
  { kind: "a Stripe live key", pattern: /(?<![A-Za-z0-9])(?:sk|rk)_live_[0-9A-Za-z]{16,}/ },
];

/**
 * Shell and environment references inside a token (`$name`, `${name}`, `$(command)`): a script's
 * `"$private_dir/curl-auth"` or `aws:amz:$REGION:s3` holds no literal value there.
 */
export const referencePattern = /\$(?:\{[^}]*\}|\([^)]*\)|[A-Za-z_]\w*)/g;

/** Tokens of a value that are tested for entropy: split on whitespace, quotes and separators. */
function tokensOf(value: string): string[] {
  return value.split(/[\s"'`,;=()[\]{}<>]+/).filter((token) => token.length > 0);
}

function isExcludedToken(token: string): boolean {
  return (
    isPlainUrl(token) ||
    isPath(token) ||
    isHostname(token) ||
    isImageReference(token) ||
    isPlaceholder(token) ||
    isIdentifierChain(token)
  );
}

/** A secret found in a value: what it looks like, and the text that matched. */
export interface SecretMatch {
  readonly kind: string;
  readonly match: string;
}

/**
 * The first secret in a value, or undefined. Known key formats are matched anywhere in the
 * value; a token of at least `minEntropyLength` characters with Shannon entropy of at least
 * `entropyThreshold` counts as a generic secret unless it is a URL without credentials, a path,
 * a hostname or an image reference.
 */
export function findSecretValue(
  value: string,
  options: DetectionOptions = {},
): SecretMatch | undefined {
  for (const { kind, pattern } of valuePatterns) {
    const match = pattern.exec(value);
    if (match) return { kind, match: match[0] };
  }
  const credentials = urlCredentialsPattern.exec(value);
  if (credentials && hasUrlCredentials(value)) {
    return { kind: "a URL with an embedded password", match: credentials[0] };
  }
  const threshold = options.entropyThreshold ?? 4.0;
  const minLength = options.minEntropyLength ?? 24;
  for (const token of tokensOf(value)) {
    // A reference is read from elsewhere: only the literal text around it is tested.
    const literal = token.replace(referencePattern, "");
    if (literal.length < minLength || isExcludedToken(literal)) continue;
    if (shannonEntropy(literal) >= threshold) {
      return { kind: "a high-entropy string", match: token };
    }
  }
  return undefined;
}

/** What kind of secret a value looks like ("an AWS access key ID", …), or undefined. */
export function secretValueKind(value: string, options: DetectionOptions = {}): string | undefined {
  return findSecretValue(value, options)?.kind;
}

/** Does a value look like a secret, whatever it is called? */
export function looksSecretValue(value: string, options: DetectionOptions = {}): boolean {
  return findSecretValue(value, options) !== undefined;
}

/** At most the first 4 characters of a value, then an ellipsis: enough to find, not to use. */
export function redact(value: string): string {
  return `${[...value.trim()].slice(0, 4).join("")}…`;
}

/** Is `file` (normalized) inside the folder `prefix` (or the folder itself)? */
export function isUnder(file: string, prefix: string): boolean {
  const folder = path.posix.normalize(prefix).replace(/\/+$/, "");
  const normalized = path.posix.normalize(file);
  return normalized === folder || normalized.startsWith(`${folder}/`);
}

/** Why an environment variable (or a single-line setting) holds a secret. */
export type SecretFinding =
  | { readonly reason: "secret-name" }
  | { readonly reason: "file-outside-prefix"; readonly path: string }
  | { readonly reason: "secret-value"; readonly kind: string; readonly preview: string };

/**
 * Does a `NAME=value` pair hold a secret? A secret-looking name with a literal value (not a
 * reference, URL without credentials or path); a secret-looking `*_FILE` name whose value is a
 * literal or a path outside the secret mount prefix; or any value that looks like a secret.
 */
export function secretEnvFinding(
  name: string,
  value: string,
  options: DetectionOptions = {},
): SecretFinding | undefined {
  const prefix = options.secretMountPrefix ?? defaultSecretMountPrefix;
  if (value.trim() === "" || isPlaceholder(value)) return undefined;
  const found = findSecretValue(value, options);
  if (looksSecretName(name, options.nonSecretSuffixes)) {
    if (/_FILE$/i.test(name)) {
      if (value.startsWith("/") && isPath(value) && !found) {
        return isUnder(value, prefix) ? undefined : { reason: "file-outside-prefix", path: value };
      }
      return { reason: "secret-name" };
    }
    if (!(isPlainUrl(value) || isPath(value))) return { reason: "secret-name" };
  }
  return found && { reason: "secret-value", kind: found.kind, preview: redact(found.match) };
}

/** The message for an environment variable's finding (without the container). */
export function describeEnvFinding(name: string, finding: SecretFinding, prefix: string): string {
  const base = name.replace(/_FILE$/i, "");
  switch (finding.reason) {
    case "secret-name":
      return (
        `env ${name} has a literal value; remove it, mount the secret as a file under ${prefix} ` +
        `and set ${base}_FILE to its path`
      );
    case "file-outside-prefix":
      return (
        `env ${name} points at ${finding.path}, outside ${prefix}; mount the secret under ` +
        `${prefix} and point ${name} at that file`
      );
    case "secret-value":
      return (
        `env ${name} holds what looks like ${finding.kind} ("${finding.preview}"); move it into ` +
        `a secret mounted under ${prefix} and set ${base}_FILE to its path`
      );
  }
}

/** The detection settings of a policy that declares `secretDetectionConfig`. */
export function detectionOptionsOf(config: RuleConfig): DetectionOptions {
  return {
    entropyThreshold: Number(config.entropyThreshold),
    minEntropyLength: Number(config.minEntropyLength),
    nonSecretSuffixes: config.nonSecretSuffixes,
    secretMountPrefix: String(config.secretMountPrefix),
  };
}

const literalKeyPattern =
  /^\s*(?:export\s+)?["']?([A-Za-z0-9_.-]+)["']?\s*(?:=|:|\s)\s*(.*?)\s*;?\s*$/;

/**
 * A secret assignment in one line of a configuration file: `password = x`, `token: x`,
 * `requirepass x`. Returns the key, or undefined when the line assigns no literal secret.
 */
export function secretAssignmentKey(
  line: string,
  nonSecretSuffixes: readonly string[] = defaultNonSecretSuffixes,
): string | undefined {
  if (/^\s*(?:#|;|\/\/|--)/.test(line)) return undefined;
  const match = literalKeyPattern.exec(line);
  if (!match) return undefined;
  const [, key, rawValue] = match;
  if (!looksSecretName(key, nonSecretSuffixes) || /_(?:FILE|PATH)$/i.test(key)) return undefined;
  const value = rawValue
    .replace(/,$/, "")
    .replace(/^(["'])(.*)\1$/, "$2")
    .trim();
  if (value === "" || /^(?:null|none|nil|~|true|false|yes|no|on|off)$/i.test(value)) {
    return undefined;
  }
  if (isPlaceholder(value) || isPath(value) || isPlainUrl(value)) return undefined;
  // A command's output (`token=$(…)`, backquotes) is computed when the script runs.
  if (/^(?:\$\(|`)/.test(value)) return undefined;
  return key;
}

// ---------------------------------------------------------------------------------------------
// Policies
// ---------------------------------------------------------------------------------------------

/** Config schema of the detection settings, shared with the Docker rule docker-no-secret-env. */
export const secretDetectionConfig = {
  entropyThreshold: {
    type: "number",
    minimum: 0,
    default: 4.0,
    description: "Shannon entropy (bits per character) from which a token counts as a secret.",
  },
  minEntropyLength: {
    type: "integer",
    minimum: 1,
    default: 24,
    description: "Shortest token tested for entropy.",
  },
  nonSecretSuffixes: {
    type: "array",
    items: { type: "string" },
    default: [...defaultNonSecretSuffixes],
    description: "Name suffixes that never hold a secret (e.g. DB_PASSWORD_HOST is not one).",
  },
  secretMountPrefix: {
    type: "string",
    default: defaultSecretMountPrefix,
    description: "Folder secret files are mounted under; `*_FILE` variables must point there.",
  },
} as const;

export const noLiteralSecretEnv = podRule({
  name: "no-literal-secret-env",
  description:
    "No secret in container environment values: no literal value for a variable named like a " +
    "password, secret, token or key, and no value that looks like a key (PEM private key, AWS, " +
    "GitHub, Slack, Google, Stripe keys, JWTs, URLs with passwords, high-entropy strings) " +
    "(no-literal-secret-env; Kyverno; Polaris; CKV_SECRET_*).",
  severity: "critical",
  enforcementLevel: "mandatory",
  config: secretDetectionConfig,
  remediationSteps:
    "Delete the literal `value` of the variable. Put the secret in a Kubernetes Secret (in this " +
    "program: the workload's `secrets`), mount it read-only under /run/secrets/ and set " +
    "`<NAME>_FILE` to the file's path; rotate any secret that was committed.",
  check: (pod, config) => {
    const options = detectionOptionsOf(config);
    const messages: string[] = [];
    for (const entry of pod.containers) {
      for (const variable of entry.container.env ?? []) {
        if (typeof variable?.value !== "string") continue;
        const name = String(variable.name);
        const finding = secretEnvFinding(name, variable.value, options);
        if (finding) {
          const problem = describeEnvFinding(name, finding, String(config.secretMountPrefix));
          messages.push(`${describeContainer(entry)} ${problem}`);
        }
      }
    }
    return messages;
  },
});

/** Problems with one ConfigMap `data` entry: its key, then each line of a multi-line value. */
function configMapEntryProblems(key: string, value: string, options: DetectionOptions): string[] {
  const move = `move it into a Secret mounted under ${options.secretMountPrefix}`;
  const lines = value.replace(/\r?\n$/, "").split(/\r?\n/);
  if (lines.length === 1) {
    const finding = secretEnvFinding(key, value, options);
    if (finding?.reason === "secret-name") {
      return [`data key ${key} is named like a secret and holds a literal value; ${move}`];
    }
    if (finding?.reason === "secret-value") {
      return [
        `data key ${key} holds what looks like ${finding.kind} ("${finding.preview}"); ${move}`,
      ];
    }
    return [];
  }
  const whole = findSecretValue(value, options);
  if (whole?.kind === "a PEM private key") {
    return [`data key ${key} holds ${whole.kind} ("${redact(whole.match)}"); ${move}`];
  }
  const messages: string[] = [];
  lines.forEach((line, index) => {
    const where = `data key ${key} line ${index + 1}`;
    const assigned = secretAssignmentKey(line, options.nonSecretSuffixes);
    if (assigned !== undefined) {
      messages.push(
        `${where} sets ${assigned} to a literal value; ${move} and have the configuration read ` +
          `it from there`,
      );
      return;
    }
    const found = findSecretValue(line, options);
    if (found) {
      messages.push(
        `${where} holds what looks like ${found.kind} ("${redact(found.match)}"); ${move}`,
      );
    }
  });
  return messages;
}

export const noSecretsInConfigMaps = resourceRule({
  name: "no-secrets-in-configmaps",
  description:
    "ConfigMaps hold no secrets: no secret-named key with a value, no line of a configuration " +
    "file that assigns a password, secret or token (`key = value`, `key: value`, `requirepass " +
    "x`), and no value that looks like a key (no-secrets-in-configmaps; Polaris).",
  severity: "critical",
  enforcementLevel: "mandatory",
  config: secretDetectionConfig,
  remediationSteps:
    "Move the secret out of the ConfigMap into a Secret, mount it read-only under /run/secrets/ " +
    "and make the configuration read it from there (e.g. redis `include /run/secrets/x.conf`, " +
    "a `*_FILE` variable or a `password_file` setting); rotate the exposed secret.",
  appliesTo: (type) => type === "kubernetes:core/v1:ConfigMap",
  check: (resource, config) => {
    const options = detectionOptionsOf(config);
    const messages: string[] = [];
    const data = resource.props.data ?? {};
    for (const key of Object.keys(data)) {
      const value = data[key];
      if (typeof value === "string") messages.push(...configMapEntryProblems(key, value, options));
    }
    const binaryData = resource.props.binaryData ?? {};
    for (const key of Object.keys(binaryData)) {
      if (looksSecretName(key, options.nonSecretSuffixes)) {
        messages.push(
          `binaryData key ${key} is named like a secret; move it into a Secret mounted under ` +
            `${options.secretMountPrefix}`,
        );
      }
    }
    return messages;
  },
});

/** Names of pod volumes that carry secrets: secret, projected secret sources, CSI secret store. */
function secretVolumeNames(podSpec: any): Set<string> {
  const names = new Set<string>();
  for (const volume of podSpec?.volumes ?? []) {
    const projected = (volume.projected?.sources ?? []).some((source: any) => source?.secret);
    const csi = typeof volume.csi?.driver === "string" && /secret/i.test(volume.csi.driver);
    if (volume.secret || projected || csi) names.add(String(volume.name));
  }
  return names;
}

/** The volumeMount that provides `file` in the container: the deepest mount at or above it. */
function mountProviding(entry: ContainerEntry, file: string): any {
  let best: any;
  for (const mount of entry.container.volumeMounts ?? []) {
    if (typeof mount?.mountPath !== "string" || !isUnder(file, mount.mountPath)) continue;
    if (!best || mount.mountPath.length > best.mountPath.length) best = mount;
  }
  return best;
}

export const secretsAsFiles = podRule({
  name: "secrets-as-files",
  description:
    "Secrets reach containers as read-only files under /run/secrets, never through the " +
    "environment: no `secretKeyRef`, no `envFrom.secretRef`, every `*_FILE` variable points at " +
    "a read-only mount, and secret volumes are mounted only under /run/secrets and read-only " +
    "(secrets-as-files; Kyverno; CKV_K8S_35).",
  severity: "high",
  enforcementLevel: "mandatory",
  config: { secretMountPrefix: secretDetectionConfig.secretMountPrefix },
  remediationSteps:
    "Replace `valueFrom.secretKeyRef` and `envFrom[].secretRef` with a secret volume mounted " +
    "read-only under /run/secrets/ (one file per key, `subPath` for single files) and a " +
    "`<NAME>_FILE` variable holding the path; set `readOnly: true` on every secret mount.",
  check: (pod, config) => {
    const prefix = String(config.secretMountPrefix);
    const secretVolumes = secretVolumeNames(pod.podSpec);
    const messages: string[] = [];
    for (const entry of pod.containers) {
      const container = describeContainer(entry);
      for (const variable of entry.container.env ?? []) {
        const name = String(variable?.name);
        const ref = variable?.valueFrom?.secretKeyRef;
        if (ref) {
          messages.push(
            `${container} env ${name} reads key "${ref.key}" of Secret "${ref.name}" through ` +
              `secretKeyRef; mount the Secret read-only under ${prefix} and set ` +
              `${name.replace(/_FILE$/i, "")}_FILE to the file instead`,
          );
        }
        // Only `*_FILE` values are read: another variable's value may be unknown in a preview,
        // and reading it would make the engine skip this policy as "can't run".
        const value = /_FILE$/i.test(name) ? variable?.value : undefined;
        if (typeof value === "string" && isUnder(value, prefix)) {
          const mount = mountProviding(entry, value);
          if (!mount) {
            messages.push(
              `${container} env ${name} points at ${value}, but no volumeMount of the container ` +
                `provides it; mount the secret there read-only`,
            );
          } else if (mount.readOnly !== true) {
            messages.push(
              `${container} env ${name} points at ${value}, which is mounted read-write from ` +
                `volume "${mount.name}"; set readOnly: true on that mount`,
            );
          }
        }
      }
      for (const source of entry.container.envFrom ?? []) {
        if (source?.secretRef) {
          messages.push(
            `${container} envFrom loads Secret "${source.secretRef.name}" into the environment; ` +
              `mount it read-only under ${prefix} and read the files instead`,
          );
        }
      }
      for (const mount of entry.container.volumeMounts ?? []) {
        if (!secretVolumes.has(String(mount?.name))) continue;
        const where = `${container} mounts secret volume "${mount.name}" at ${mount.mountPath}`;
        if (typeof mount.mountPath !== "string" || !isUnder(mount.mountPath, prefix)) {
          messages.push(`${where}; mount secrets under ${prefix} only`);
        }
        if (mount.readOnly !== true) messages.push(`${where} without readOnly: true; set it`);
      }
    }
    return messages;
  },
});

export const secretPolicies: Policies = [noLiteralSecretEnv, noSecretsInConfigMaps, secretsAsFiles];
