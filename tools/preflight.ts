// `npm run preflight -- --stack <name>`: checks, before a deploy, that the cluster of the stack's
// kube context has what the program expects but does not install (StorageClasses, the metrics
// API, the ingress controller's namespace and IngressClass, cert-manager and the ClusterIssuer
// when TLS is on, the Pulumi Kubernetes Operator or Argo CD its delivery uses, cluster DNS), and
// says for each what is missing and what to install. Read-only: it only gets and lists. Exit
// codes: 0 all present, 1 something missing, 2 bad input or the cluster could not be asked.
import { existsSync } from "node:fs";
import * as path from "node:path";
import { Command } from "commander";
import { ConfigError } from "../components/config/problems";
import type { PlatformConfig } from "../components/config/types";
import { availableStacks, outputTo, parseArguments } from "./cli";
import { processIo, type CommandIo } from "./command-io";
import { validatedStackConfig } from "./engine/stack-config";
import { ClusterError, kubectlReader } from "./preflight/kubectl";
import {
  requirementsOf,
  uncheckable,
  type ClusterReader,
  type Requirement,
} from "./preflight/requirements";
import { projectRoot } from "./project-root";

export interface CheckedRequirement {
  readonly requirement: Requirement;
  readonly present: boolean;
  readonly detail: string;
}

/** Runs every check; a ClusterError (cannot ask) propagates, a missing piece does not. */
export async function checkRequirements(
  requirements: readonly Requirement[],
  cluster: ClusterReader,
): Promise<CheckedRequirement[]> {
  const results: CheckedRequirement[] = [];
  for (const requirement of requirements) {
    results.push({ requirement, ...(await requirement.check(cluster)) });
  }
  return results;
}

export function formatReport(
  stack: string,
  context: string,
  results: readonly CheckedRequirement[],
): string {
  const lines = [`Preflight of stack ${stack} against kube context ${context}:`, ""];
  for (const { requirement, present, detail } of results) {
    lines.push(`  ${present ? "present" : "MISSING"}  ${requirement.name}: ${detail}`);
    if (!present) {
      lines.push(`           needed because ${requirement.why}`);
      lines.push(`           to fix: ${requirement.remedy}`);
    }
  }
  lines.push("", "Not checkable through the API (make sure of it yourself):");
  for (const item of uncheckable) lines.push(`  - ${item}`);
  const missing = results.filter((result) => !result.present).length;
  lines.push(
    "",
    missing === 0
      ? `All ${results.length} prerequisites are present.`
      : `${missing} of ${results.length} prerequisites missing.`,
  );
  return `${lines.join("\n")}\n`;
}

/** A stack that does not exist: named, with the ones that do. */
class UnknownStackError extends Error {}

function loadStack(stack: string): PlatformConfig {
  if (!existsSync(path.join(projectRoot, `Pulumi.${stack}.yaml`))) {
    throw new UnknownStackError(
      `unknown stack "${stack}": no Pulumi.${stack}.yaml; stacks: ${availableStacks().join(", ")}`,
    );
  }
  return validatedStackConfig(stack);
}

/**
 * The whole command, in-process: parses `argv` (the arguments after `--`), asks the cluster
 * (kubectl with `io.env`, or `settings.cluster`), writes to `io`, and returns the exit code.
 */
export async function runPreflightCommand(
  argv: readonly string[],
  io: CommandIo = processIo(),
  settings: { readonly cluster?: ClusterReader } = {},
): Promise<number> {
  const program = new Command()
    .name("npm run preflight --")
    .description(
      "Check that the cluster of a stack's kube context has what the stack needs but does not install.",
    )
    .requiredOption("-s, --stack <name>", "the stack (Pulumi.<name>.yaml) whose needs to check")
    .addHelpText(
      "after",
      "\nUses kubectl with your kubeconfig and the stack's toolboxai:kubernetesContext (or the\n" +
        "current context). Only reads. Exit codes: 0 all present, 1 something missing, 2 bad input\n" +
        "or the cluster could not be asked.",
    )
    .configureOutput(outputTo(io));
  const parsed = parseArguments(program, argv);
  if (parsed !== undefined) return parsed;
  const { stack } = program.opts<{ stack: string }>();
  try {
    const config = loadStack(stack);
    const context = config.kubernetesContext;
    const cluster =
      settings.cluster ?? kubectlReader({ context: context || undefined, environment: io.env });
    const results = await checkRequirements(requirementsOf(config), cluster);
    io.stdout.write(formatReport(stack, context || "(current)", results));
    return results.every((result) => result.present) ? 0 : 1;
  } catch (error) {
    const expected = [ConfigError, ClusterError, UnknownStackError];
    if (expected.some((type) => error instanceof type)) {
      io.stderr.write(`${(error as Error).message}\n`);
      return 2;
    }
    throw error;
  }
}

/** Entry point of `npm run preflight` (scripts/tool.mjs runs the bundle's `main`). */
export const main = (argv: readonly string[]): Promise<number> => runPreflightCommand(argv);
