// Secrets: no literal secrets in the environment or in ConfigMaps, and secrets delivered as
// read-only files under /run/secrets (the `*_FILE` convention) rather than through the
// environment. The detection is in lib/secret-scan.ts and lib/config-secrets.ts.
import type { Policies } from "@pulumi/policy";
import { configFileFindings, type ConfigFinding } from "./lib/config-secrets";
import * as path from "node:path";
import {
  celString,
  describedContainer,
  everyContainer,
  podAdmission,
  type AdmissionValidation,
} from "./lib/admission-form";
import { podRule, resourceRule, type RuleConfig } from "./lib/define";
import { describeContainer, listOf, type ContainerEntry } from "./lib/kubernetes";
import {
  defaultNonSecretSuffixes,
  defaultSecretMountPrefix,
  findSecretValue,
  isUnder,
  looksSecretName,
  redact,
  secretEnvFinding,
  type DetectionOptions,
  type SecretFinding,
} from "./lib/secret-scan";

/* eslint-disable @typescript-eslint/no-explicit-any -- policy props are untyped JSON */

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
  packOnly:
    "Telling a secret value from any other needs the entropy of its tokens, which CEL cannot compute.",
  config: secretDetectionConfig,
  remediationSteps:
    "Delete the literal `value` of the variable. Put the secret in a Kubernetes Secret (in this " +
    "program: the workload's `secrets`), mount it read-only under /run/secrets/ and set " +
    "`<NAME>_FILE` to the file's path; rotate any secret that was committed.",
  check: (pod, config) => {
    const options = detectionOptionsOf(config);
    const messages: string[] = [];
    for (const entry of pod.containers) {
      for (const variable of listOf(entry.container.env)) {
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

/** The message for a finding in a configuration file held under `where` (`data key x`). */
function describeConfigFinding(where: string, finding: ConfigFinding, move: string): string {
  const at = finding.where === "" ? where : `${where} ${finding.where}`;
  switch (finding.reason) {
    case "assignment":
      return (
        `${at} sets ${finding.key} to a literal value; ${move} and have the configuration ` +
        "read it from there"
      );
    case "value":
      return `${at} holds what looks like ${finding.kind} ("${finding.preview}"); ${move}`;
    case "more":
      return `${where} holds more secrets than the ${finding.limit} listed; ${move}`;
    case "unread-json":
      return (
        `${where} looks like JSON but is longer than the ${finding.limit} characters read as a ` +
        "document (a whole ConfigMap holds at most 1 MiB); split it into smaller files"
      );
  }
}

/**
 * Problems with one ConfigMap entry's text: a single-line value under a secret-named key is
 * judged like an environment variable (`JWT_SECRET: x`), any other as a configuration file.
 */
function configEntryProblems(
  where: string,
  key: string,
  text: string,
  options: DetectionOptions,
): string[] {
  const move = `move it into a Secret mounted under ${options.secretMountPrefix}`;
  const lineBreak = text.indexOf("\n");
  const singleLine = lineBreak < 0 || lineBreak === text.length - 1;
  if (singleLine && looksSecretName(key, options.nonSecretSuffixes)) {
    const finding = secretEnvFinding(key, text, options);
    if (finding?.reason === "secret-name") {
      return [`${where} is named like a secret and holds a literal value; ${move}`];
    }
    if (finding?.reason === "secret-value") {
      return [`${where} holds what looks like ${finding.kind} ("${finding.preview}"); ${move}`];
    }
    return [];
  }
  return configFileFindings(text, options).map((finding) =>
    describeConfigFinding(where, finding, move),
  );
}

const configMapType = "kubernetes:core/v1:ConfigMap";
const base64Pattern = /^[A-Za-z0-9+/]*={0,2}$/;
const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Problems with one `binaryData` entry. The value must be base64 (the API server refuses
 * anything else; line breaks are ignored as Go's decoder does); what cannot be decoded cannot be
 * checked, so it is reported. Decoded UTF-8 text without NUL bytes is judged like `data`. Other
 * bytes (images, archives, keystores) are searched for the known key formats but not for
 * entropy, which compressed or binary data always has.
 */
function binaryEntryProblems(key: string, value: unknown, options: DetectionOptions): string[] {
  const where = `binaryData key ${key}`;
  const move = `move it into a Secret mounted under ${options.secretMountPrefix}`;
  if (looksSecretName(key, options.nonSecretSuffixes)) {
    return [`${where} is named like a secret; ${move}`];
  }
  const encoded = typeof value === "string" ? value.replace(/[\r\n]/g, "") : undefined;
  if (encoded === undefined || encoded.length % 4 !== 0 || !base64Pattern.test(encoded)) {
    return [
      `${where} is not valid base64, so it cannot be checked for secrets; encode the file ` +
        "with base64 (`base64 -w0 FILE`)",
    ];
  }
  const bytes = Buffer.from(encoded, "base64");
  let text: string | undefined;
  try {
    text = bytes.includes(0) ? undefined : utf8.decode(bytes);
  } catch {
    text = undefined;
  }
  if (text !== undefined) return configEntryProblems(where, key, text, options);
  const found = findSecretValue(bytes.toString("latin1"), {
    ...options,
    entropyThreshold: Infinity,
  });
  return found
    ? [`${where} holds binary data with ${found.kind} in it ("${redact(found.match)}"); ${move}`]
    : [];
}

export const noSecretsInConfigMaps = resourceRule({
  name: "no-secrets-in-configmaps",
  description:
    "ConfigMaps hold no secrets: no secret-named key with a value, no setting in a " +
    "configuration file that assigns a password, secret or token (`key = value`, `key: value`, " +
    "`requirepass x`, `export KEY='x'`, JSON keys at any depth, `<password>x</password>`), and " +
    "no value that looks like a key; `binaryData` is decoded and judged alike (binary content " +
    "for known key formats only), and a value that is not base64 is reported; the lines of a " +
    "PEM certificate that parses as X.509 are public (a CA bundle) " +
    "(no-secrets-in-configmaps; Polaris).",
  severity: "critical",
  enforcementLevel: "mandatory",
  packOnly:
    "Telling a secret value from any other needs the entropy of its tokens, which CEL cannot compute.",
  config: secretDetectionConfig,
  remediationSteps:
    "Move the secret out of the ConfigMap into a Secret, mount it read-only under /run/secrets/ " +
    "and make the configuration read it from there (e.g. redis `include /run/secrets/x.conf`, " +
    "a `*_FILE` variable or a `password_file` setting); rotate the exposed secret.",
  appliesTo: (type) => type === configMapType,
  check: (resource, config) => {
    const options = detectionOptionsOf(config);
    const messages: string[] = [];
    for (const [key, value] of Object.entries<unknown>(resource.props.data ?? {})) {
      if (typeof value === "string") {
        messages.push(...configEntryProblems(`data key ${key}`, key, value, options));
      }
    }
    for (const [key, value] of Object.entries<unknown>(resource.props.binaryData ?? {})) {
      messages.push(...binaryEntryProblems(key, value, options));
    }
    return messages;
  },
});

const lastApplied = "kubectl.kubernetes.io/last-applied-configuration";

/** Does kubectl's copy of an applied object hold a Secret's data? */
function isSecretWithData(applied: string): boolean {
  try {
    const object = JSON.parse(applied) as any;
    const entries = { ...object?.data, ...object?.stringData };
    return object?.kind === "Secret" && Object.keys(entries).length > 0;
  } catch {
    return false;
  }
}

export const noSecretsInAnnotations = resourceRule({
  name: "no-secrets-in-annotations",
  description:
    "An object's annotations hold no secrets: `kubectl.kubernetes.io/last-applied-configuration` " +
    "of a Secret (kubectl copies its data there in plain text) is reported, any other is read " +
    "as JSON like a ConfigMap's file, and every annotation is searched for the known key " +
    "formats (PEM private keys, AWS, GitHub, Slack, Google, Stripe keys, JWTs, URLs with " +
    "passwords). Entropy is not tested: annotations hold checksums and IDs " +
    "(no-secrets-in-configmaps; Kubernetes Secrets good practices).",
  severity: "critical",
  enforcementLevel: "mandatory",
  packOnly:
    "Telling a secret value from any other needs the entropy of its tokens, which CEL cannot compute.",
  config: {
    nonSecretSuffixes: secretDetectionConfig.nonSecretSuffixes,
    secretMountPrefix: secretDetectionConfig.secretMountPrefix,
  },
  remediationSteps:
    "Remove the secret from the annotation and rotate it. Apply Secrets with server-side apply " +
    "(`kubectl apply --server-side`, which keeps no last-applied copy) or `kubectl create " +
    "secret`, and delete the annotation from objects that carry one " +
    `(\`kubectl annotate <kind>/<name> ${lastApplied}-\`).`,
  // The objects kubectl's copy exposes most (a Secret's, a ConfigMap's); reading every kind would
  // make this a generic rule, which the report treats as not judging a kind at all.
  appliesTo: (type) => type === "kubernetes:core/v1:Secret" || type === configMapType,
  check: (resource, config) => {
    const options: DetectionOptions = {
      entropyThreshold: Infinity,
      nonSecretSuffixes: config.nonSecretSuffixes,
      secretMountPrefix: String(config.secretMountPrefix),
    };
    const move = `move it into a Secret mounted under ${options.secretMountPrefix}`;
    const messages: string[] = [];
    for (const [key, value] of Object.entries<unknown>(
      resource.props.metadata?.annotations ?? {},
    )) {
      if (typeof value !== "string") continue;
      const where = `annotation ${key}`;
      if (key === lastApplied && isSecretWithData(value)) {
        messages.push(
          `${where} holds the Secret's data in plain text; apply it server-side and delete ` +
            "the annotation",
        );
      } else if (key === lastApplied) {
        const findings = configFileFindings(value, options);
        messages.push(...findings.map((finding) => describeConfigFinding(where, finding, move)));
      } else {
        const found = findSecretValue(value, options);
        if (found) {
          messages.push(
            `${where} holds what looks like ${found.kind} ("${redact(found.match)}"); ${move}`,
          );
        }
      }
    }
    return messages;
  },
});

/** Names of pod volumes that carry secrets: secret, projected secret sources, CSI secret store. */
function secretVolumeNames(podSpec: any): Set<string> {
  const names = new Set<string>();
  for (const volume of listOf(podSpec?.volumes)) {
    const projected = listOf(volume?.projected?.sources).some((source: any) => source?.secret);
    const csi = typeof volume.csi?.driver === "string" && /secret/i.test(volume.csi.driver);
    if (volume.secret || projected || csi) names.add(String(volume.name));
  }
  return names;
}

/** The volumeMount that provides `file` in the container: the deepest mount at or above it. */
function mountProviding(entry: ContainerEntry, file: string): any {
  let best: any;
  for (const mount of listOf(entry.container.volumeMounts)) {
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
      for (const variable of listOf(entry.container.env)) {
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
      for (const source of listOf(entry.container.envFrom)) {
        if (source?.secretRef) {
          messages.push(
            `${container} envFrom loads Secret "${source.secretRef.name}" into the environment; ` +
              `mount it read-only under ${prefix} and read the files instead`,
          );
        }
      }
      for (const mount of listOf(entry.container.volumeMounts)) {
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
  admission: podAdmission((config) => secretsAsFilesValidations(String(config.secretMountPrefix))),
});

/**
 * secrets-as-files in CEL. CEL cannot resolve `..` in a path: a path that is not in normal form
 * (a `.` or `..` segment, a doubled slash) is taken for one outside every folder, so a secret
 * volume mounted there is refused, and a `*_FILE` variable that names one is not followed.
 */
function secretsAsFilesValidations(prefix: string): AdmissionValidation[] {
  const folder = path.posix.normalize(prefix).replace(/\/+$/, "");
  const normal = (file: string) => `!${file}.matches('//|(^|/)[.][.]?(/|$)')`;
  /** CEL: is `file` at or under the folder `base` (CEL strings), as isUnder reads them? */
  const under = (file: string, base: string) => {
    const trimmed = `(${base}.endsWith('/') ? ${base}.substring(0, size(${base}) - 1) : ${base})`;
    return `(${normal(file)} && ${normal(base)} && (${file} == ${trimmed} || ${file}.startsWith(${trimmed} + '/')))`;
  };
  const underPrefix = (file: string) => under(file, celString(folder));
  const env = "(has(c.env) ? c.env : [])";
  const mounts = "(has(c.volumeMounts) ? c.volumeMounts : [])";
  /** CEL: the env entry `x` names a file under the prefix (a `*_FILE` variable). */
  const fileVariable = `x.name.lowerAscii().endsWith('_file') && has(x.value) && ${underPrefix("x.value")}`;
  /** CEL: the mount of `c` that provides x.value (the deepest), in a list of none or one. */
  const providing =
    `${mounts}.filter(m, ${under("x.value", "m.mountPath")} && !${mounts}.exists(o, ` +
    `${under("x.value", "o.mountPath")} && size(o.mountPath) > size(m.mountPath)))`;
  const volumes = "(has(variables.podSpec.volumes) ? variables.podSpec.volumes : [])";
  const secretVolume =
    "has(v.secret) || (has(v.projected) && has(v.projected.sources) && " +
    "v.projected.sources.exists(s, has(s.secret))) || " +
    "(has(v.csi) && v.csi.driver.lowerAscii().contains('secret'))";
  /** CEL: the mount `x` is of a secret volume. */
  const secretMount = `${volumes}.exists(v, v.name == x.name && (${secretVolume}))`;
  const container = (role: string) => describedContainer(role);
  /** Validations over each container's `list` (CEL over c): none of it is `bad` (CEL over `x`). */
  const none = (list: string, bad: string, says: (role: string) => string) =>
    everyContainer(
      `!${list}.exists(x, ${bad})`,
      (role) => `${list}.filter(x, ${bad}).map(x, ${says(role)})[0]`,
    );
  return [
    ...none(
      env,
      "has(x.valueFrom) && has(x.valueFrom.secretKeyRef)",
      (role) =>
        `${container(role)} + ' env ' + x.name + ' reads key "' + x.valueFrom.secretKeyRef.key + ` +
        `'" of Secret "' + x.valueFrom.secretKeyRef.name + '" through secretKeyRef; mount the ` +
        `Secret read-only under ' + ${celString(prefix)} + ' and set ' + (x.name.lowerAscii()` +
        `.endsWith('_file') ? x.name.substring(0, size(x.name) - 5) : x.name) + '_FILE to the ` +
        `file instead'`,
    ),
    ...none(
      env,
      `${fileVariable} && size(${providing}) == 0`,
      (role) =>
        `${container(role)} + ' env ' + x.name + ' points at ' + x.value + ', but no ` +
        `volumeMount of the container provides it; mount the secret there read-only'`,
    ),
    ...none(
      env,
      `${fileVariable} && size(${providing}) > 0 && ` +
        `!(has(${providing}[0].readOnly) && ${providing}[0].readOnly)`,
      (role) =>
        `${container(role)} + ' env ' + x.name + ' points at ' + x.value + ', which is ` +
        `mounted read-write from volume "' + ${providing}[0].name + '"; set readOnly: ` +
        `true on that mount'`,
    ),
    ...none(
      "(has(c.envFrom) ? c.envFrom : [])",
      "has(x.secretRef)",
      (role) =>
        `${container(role)} + ' envFrom loads Secret "' + x.secretRef.name + '" into the ` +
        `environment; mount it read-only under ' + ${celString(prefix)} + ' and read the files ` +
        `instead'`,
    ),
    ...none(
      mounts,
      `${secretMount} && !${underPrefix("x.mountPath")}`,
      (role) =>
        `${container(role)} + ' mounts secret volume "' + x.name + '" at ' + x.mountPath + ` +
        `'; mount secrets under ' + ${celString(prefix)} + ' only'`,
    ),
    ...none(
      mounts,
      `${secretMount} && !(has(x.readOnly) && x.readOnly)`,
      (role) =>
        `${container(role)} + ' mounts secret volume "' + x.name + '" at ' + x.mountPath + ` +
        `' without readOnly: true; set it'`,
    ),
  ];
}

export const secretPolicies: Policies = [
  noLiteralSecretEnv,
  noSecretsInConfigMaps,
  noSecretsInAnnotations,
  secretsAsFiles,
];
