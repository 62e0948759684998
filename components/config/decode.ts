// Engine strings in, the values the schema expects out: JSON mappings, booleans, integers,
// secrets that must be stored encrypted, and keys under namespaces nothing reads.
import { closest, distance } from "fastest-levenshtein";
import { projectName, show, type ConfigProblem } from "./problems";
import { booleanKeys, integerKeys, objectKeys, providerNamespaces, secretKeys } from "./schema";

export interface RawConfigInput {
  /** The stack name; its file is Pulumi.<stack>.yaml. */
  readonly stack: string;
  /** Config as the engine hands it to the program: `toolboxai:key` → string (objects as JSON). */
  readonly values: Readonly<Record<string, string>>;
  /** Keys (`toolboxai:key`) whose values the stack stored encrypted. */
  readonly secretKeys: ReadonlySet<string>;
}

/** Turns engine strings into the values the schema expects, noting what cannot be decoded. */
export function decodeRawValues(input: RawConfigInput): {
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
