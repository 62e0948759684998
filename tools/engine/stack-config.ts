// Reads a stack's config the way the engine merges it (Pulumi.yaml's defaults, then
// Pulumi.<stack>.yaml), as the `toolboxai:key` → string map the program receives. Loads only
// yaml, so commands that need a stack's settings but not the program (preflight) stay fast.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parseDocument } from "yaml";
import type { PlatformConfig } from "../../components/config";
import { ConfigError, projectName } from "../../components/config/problems";
import { validateConfig } from "../../components/config/validate";
import { projectRoot } from "../project-root";

/**
 * Pulumi.yaml or a stack file that cannot be read as YAML (a syntax error, a duplicate key, an
 * alias bomb). A ConfigError, so every command reports it as bad input (exit 2), without a stack.
 */
export class StackFileError extends ConfigError {
  constructor(file: string, reason: string) {
    super(path.basename(file), []);
    this.name = "StackFileError";
    this.message = `${file}: ${reason}`;
  }
}

/** A mapping read from a YAML file (null when empty); StackFileError, naming where, otherwise. */
function readYamlMapping(file: string): Record<string, unknown> | null {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new StackFileError(file, `cannot read it: ${(error as Error).message}`);
  }
  const document = parseDocument(text);
  // The parser's messages say where ("… at line 3, column 3:"), then quote the line.
  const [error] = document.errors;
  if (error) {
    const where = error.message.split("\n")[0].replace(/:$/, "");
    throw new StackFileError(file, `not valid YAML: ${where}`);
  }
  let value: unknown;
  try {
    value = document.toJS();
  } catch (error) {
    throw new StackFileError(file, `not valid YAML: ${(error as Error).message}`);
  }
  if (value !== null && (typeof value !== "object" || Array.isArray(value))) {
    throw new StackFileError(file, "not a mapping of keys (such as config:) to values");
  }
  return value as Record<string, unknown> | null;
}

export interface StackConfigFile {
  /** `toolboxai:key` → the string the engine would pass (objects as JSON). */
  readonly values: Record<string, string>;
  /** Keys stored with `secure:`. */
  readonly secretKeys: string[];
}

interface ProjectConfigDeclaration {
  readonly default?: unknown;
}

function engineString(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** A file's `config:` mapping (empty when absent); StackFileError when it is something else. */
function configOf(file: string): Record<string, unknown> {
  const config = readYamlMapping(file)?.config ?? {};
  if (config === null || typeof config !== "object" || Array.isArray(config)) {
    throw new StackFileError(file, "config: is not a mapping of keys to values");
  }
  return config as Record<string, unknown>;
}

/**
 * Reads Pulumi.yaml and Pulumi.<stack>.yaml the way the engine merges them: project defaults
 * first, stack values over them. `secure:` values cannot be decrypted without the CLI, so they
 * arrive as a placeholder marked secret.
 */
export function readStackConfig(
  stack: string,
  root = projectRoot,
  stackFile = path.join(root, `Pulumi.${stack}.yaml`),
): StackConfigFile {
  const project = configOf(path.join(root, "Pulumi.yaml")) as Record<
    string,
    ProjectConfigDeclaration
  >;
  const stackConfig = configOf(stackFile);
  const values: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [key, declaration] of Object.entries(project)) {
    if (declaration && typeof declaration === "object" && "default" in declaration) {
      values[`${projectName}:${key}`] = engineString(declaration.default);
    }
  }
  for (const [key, value] of Object.entries(stackConfig)) {
    const fullKey = key.includes(":") ? key : `${projectName}:${key}`;
    if (value && typeof value === "object" && "secure" in value) {
      values[fullKey] = "[encrypted value: decrypted only by the Pulumi CLI]";
      secretKeys.push(fullKey);
    } else {
      values[fullKey] = engineString(value);
    }
  }
  return { values, secretKeys };
}

/** A stack's settings as the program sees them: its stack file read and validated. */
export function validatedStackConfig(stack: string, root = projectRoot): PlatformConfig {
  const { values, secretKeys } = readStackConfig(stack, root);
  return validateConfig({ stack, values, secretKeys: new Set(secretKeys) });
}

/**
 * The config that renders a stack's Kubernetes form, whatever platform its file names (dev's
 * names docker): the platform, and an empty `docker` key (its defaults), which the Kubernetes
 * form accepts.
 */
export const kubernetesFormConfig: Readonly<Record<string, string>> = {
  "toolboxai:platform": "kubernetes",
  "toolboxai:docker": "{}",
};
