// Reads the stack's configuration from the Pulumi runtime and validates it before any resource
// is registered. Validation itself lives in ./validate (pure, tested for its messages).
import { readFileSync } from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { buildContextProblems, nodeDisk, renderDirProblems } from "./disk";
import { checkDeployProblems } from "./examples";
import { ConfigError, projectName, stackFileName, type ConfigProblem } from "./problems";
import type { PlatformConfig } from "./types";
import { admissionPolicyConfig } from "./policy-config";
import { validateConfig } from "./validate";

export { ConfigError, stackFileName } from "./problems";
export type { PlatformConfig } from "./types";
export { validateConfig } from "./validate";
export {
  acceptExampleValuesVariable,
  acceptsExampleValues,
  ExampleValuesError,
  exampleValueProblems,
} from "./examples";
export type { ConfigProblem } from "./problems";
export type { OptionalService, ResolvedServices, ServiceSettings } from "./types";
export type {
  BackupSettings,
  DatabaseSettings,
  ImageBuild,
  ImageRef,
  RedisSettings,
  SecretKey,
  ServiceName,
} from "./schema";

/** The keys the engine marked secret (set with `pulumi config set --secret`). */
function secretConfigKeys(): Set<string> {
  // The engine passes these in PULUMI_CONFIG_SECRET_KEYS; the SDK's reader is internal, so the
  // same list is read through `isConfigSecret` when present.
  const runtime = pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean };
  const keys = Object.keys(pulumi.runtime.allConfig());
  return new Set(keys.filter((key) => runtime.isConfigSecret?.(key) ?? false));
}

/**
 * A bad stack config as the program throws it. A `pulumi.RunError`, so the Node.js language host
 * prints the message alone (`error: Pulumi.<stack>.yaml has N configuration problems: …`) and
 * exits, instead of "Running program … failed with an unhandled exception" and a stack trace.
 * The message is the ConfigError's, unchanged; `cause` is that ConfigError.
 */
export class ConfigRunError extends pulumi.RunError {
  override readonly cause: ConfigError;
  readonly stackFile: string;
  readonly problems: readonly ConfigProblem[];

  constructor(error: ConfigError) {
    super(error.message, { cause: error });
    this.name = "ConfigRunError";
    this.cause = error;
    this.stackFile = error.stackFile;
    this.problems = error.problems;
  }
}

/** A file of the project folder (the program's working folder), or undefined when there is none. */
function readProjectFile(file: string): string | undefined {
  try {
    return readFileSync(path.resolve(process.cwd(), file), "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/** How the program was started, read once at its entry (index.ts). */
export interface LoadOptions {
  /** TOOLBOXAI_ACCEPT_EXAMPLE_VALUES=1: `pulumi up` deploys example values with a warning. */
  readonly acceptExampleValues: boolean;
}

/**
 * Loads and validates this stack's config; throws ConfigRunError (and registers nothing) if bad.
 * Example values left in a staging or production stack file (./examples) are refused the same
 * way by `pulumi up` (which the Pulumi Kubernetes Operator and `npm run delivery`'s render run
 * too), unless `acceptExampleValues`; `pulumi preview` lists them as a warning.
 * Any other error (a bug) is thrown as it is, with its stack.
 */
export function loadPlatformConfig(options: LoadOptions): PlatformConfig {
  const values = pulumi.runtime.allConfig();
  const stack = pulumi.getStack();
  try {
    const config = validateConfig({ stack, values, secretKeys: secretConfigKeys() });
    // The program runs in the project folder: build contexts are relative to it.
    const policies = admissionPolicyConfig(config, readProjectFile);
    const problems = [
      ...buildContextProblems(config.services, process.cwd(), nodeDisk),
      ...renderDirProblems(config, nodeDisk),
      ...policies.problems,
    ];
    if (problems.length > 0) throw new ConfigError(stackFileName(stack), problems);
    const { warning, refusal } = checkDeployProblems(config, {
      dryRun: pulumi.runtime.isDryRun(),
      accepted: options.acceptExampleValues,
    });
    if (refusal) throw refusal;
    if (warning) void pulumi.log.warn(warning);
    return { ...config, policyConfig: policies.policyConfig };
  } catch (error) {
    if (error instanceof ConfigError) throw new ConfigRunError(error);
    throw error;
  }
}

export { projectName };
