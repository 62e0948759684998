// Reads a stack's config the way the engine merges it (Pulumi.yaml's defaults, then
// Pulumi.<stack>.yaml), as the `toolboxai:key` → string map the program receives. Loads only
// yaml, so commands that need a stack's settings but not the program (preflight) stay fast.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import type { PlatformConfig } from "../../components/config";
import { projectName, validateConfig } from "../../components/config/validate";
import { projectRoot } from "../project-root";

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
  const project = parse(readFileSync(path.join(root, "Pulumi.yaml"), "utf8")) as {
    config?: Record<string, ProjectConfigDeclaration>;
  };
  let stackDoc: { config?: Record<string, unknown> };
  try {
    stackDoc = (parse(readFileSync(stackFile, "utf8")) ?? {}) as typeof stackDoc;
  } catch (error) {
    throw new Error(`cannot read stack file ${stackFile}: ${(error as Error).message}`);
  }
  const values: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [key, declaration] of Object.entries(project.config ?? {})) {
    if (declaration && typeof declaration === "object" && "default" in declaration) {
      values[`${projectName}:${key}`] = engineString(declaration.default);
    }
  }
  for (const [key, value] of Object.entries(stackDoc.config ?? {})) {
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
