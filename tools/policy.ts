// `npm run policy -- --stack <name>`: runs the program under mocks with Pulumi.<name>.yaml, then
// the whole policy pack with policies/config/<name>.json.
// `npm run policy -- --manifests <file-or-folder> [--env production]`: the same pack on plain
// Kubernetes manifests (Helm or kustomize output; .yaml, .yml, .json).
// `npm run policy -- --list [--env production]`: the policies, their enforcement and config.
// Prints violations the way `pulumi preview` does. Exit codes: 0 passed, 1 a mandatory violation,
// 2 bad input or nothing checked.
//
// The --manifests and --list paths load neither @pulumi/pulumi nor @pulumi/kubernetes nor the
// program (seconds of startup); only --stack does, lazily, in `stackResources`.
import { existsSync, readdirSync } from "node:fs";
import * as path from "node:path";
import type { PolicyConfigSchema } from "@pulumi/policy";
import { Command, Option } from "commander";
import { checkedKubernetesTypes } from "../policies/lib/kubernetes";
import { packName, policies } from "../policies/pack";
import {
  readPolicyConfig,
  resolvePolicy,
  runPolicyPack,
  type Finding,
  type RunnerResource,
} from "../policies/runner";
import { readManifests, type UnmodelledDocument } from "../policies/runner/manifests";
import type * as MockEngine from "./engine/mock-engine";
import type * as PolicyResources from "./policy-resources";
import { describeValue, parseArguments } from "./cli";
import { projectRoot } from "./project-root";

/** Where the command writes; `process.stdout`/`process.stderr`, or a test's collector. */
export interface CommandOutput {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

export interface CommandIO {
  readonly stdout: CommandOutput;
  readonly stderr: CommandOutput;
  /** For NO_COLOR; defaults to process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export const exitCodes = { passed: 0, mandatoryViolation: 1, badInput: 2 } as const;

/** Bad arguments or input. Every error ends the command the same way: its message, exit 2. */
class InputError extends Error {}

const helpAfter = `
Exit codes:
  0  passed: no mandatory violation (advisory ones are still printed)
  1  at least one mandatory violation
  2  bad input or nothing checked: an unknown option, stack or env; unreadable, invalid or
     oversized (64 MiB) manifests, or YAML kubectl would read otherwise or refuse; a link out of
     the folder or a loop; a file or folder without a Kubernetes object

--stack <name> uses policies/config/<name>.json; --env applies to --manifests and --list.
npm prints a banner on stdout before the command's own output: for clean JSON, run npm silently:
  npm run -s policy -- --stack dev --format json > report.json

Examples:
  npm run policy -- --stack production
  npm run policy -- --manifests rendered/ --env staging
  npm run policy -- --list --env dev`;

interface Options {
  stack?: string;
  manifests?: string;
  env: string;
  format: "text" | "json";
  list?: boolean;
}

interface Style {
  red(text: string): string;
  yellow(text: string): string;
  dim(text: string): string;
  bold(text: string): string;
}

function styleFor(output: CommandOutput, env: CommandIO["env"]): Style {
  const colour = Boolean(output.isTTY) && !env?.NO_COLOR;
  const paint = (code: number) => (text: string) => (colour ? `\x1b[${code}m${text}\x1b[0m` : text);
  return { red: paint(31), yellow: paint(33), dim: paint(2), bold: paint(1) };
}

/** The pack's config files and stacks, as found on disk. */
class Project {
  constructor(readonly root: string) {}

  configFile(name: string): string {
    return path.join(this.root, "policies", "config", `${name}.json`);
  }

  /** policies/config/<env>.json names. */
  environments(): string[] {
    return readdirSync(path.join(this.root, "policies", "config"))
      .filter((file) => file.endsWith(".json"))
      .map((file) => file.slice(0, -".json".length))
      .sort();
  }

  /** Names with both Pulumi.<name>.yaml and policies/config/<name>.json. */
  stacks(): string[] {
    return this.environments().filter((name) =>
      existsSync(path.join(this.root, `Pulumi.${name}.yaml`)),
    );
  }

  requireEnvironment(name: string): void {
    if (this.environments().includes(name)) return;
    throw new InputError(
      `unknown env "${name}": there is no policies/config/${name}.json; available envs: ` +
        this.environments().join(", "),
    );
  }

  requireStack(name: string): void {
    if (this.stacks().includes(name)) return;
    throw new InputError(
      `unknown stack "${name}": --stack <name> needs Pulumi.<name>.yaml and ` +
        `policies/config/<name>.json; available stacks: ${this.stacks().join(", ")}`,
    );
  }
}

function commandLine(io: CommandIO): Command {
  return new Command()
    .name("npm run policy --")
    .description(
      `Run the ${packName} policy pack on a stack (the program under mocks) or on Kubernetes ` +
        "manifests, or list its policies.",
    )
    .option(
      "-s, --stack <name>",
      "run the program with Pulumi.<name>.yaml and check it with policies/config/<name>.json",
    )
    .option(
      "-m, --manifests <path>",
      "check Kubernetes manifests instead: a file, or a folder of .yaml, .yml and .json files",
    )
    .option(
      "-e, --env <name>",
      "policy config for --manifests and --list: policies/config/<env>.json",
      "production",
    )
    .addOption(
      new Option(
        "-f, --format <format>",
        "output format; for JSON through npm use `npm run -s policy -- …` (no npm banner)",
      )
        .choices(["text", "json"])
        .default("text"),
    )
    .option(
      "-l, --list",
      "list the policies: severity, enforcement for --env, description and config defaults",
    )
    .addHelpText("after", helpAfter)
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    });
}

/** The parsed options, and the combinations commander cannot refuse by itself. */
function optionsOf(program: Command): { options: Options; env: string } {
  const options = program.opts<Options>();
  if (options.stack !== undefined && program.getOptionValueSource("env") === "cli") {
    throw new InputError(
      `--env is not used with --stack: --stack ${options.stack} uses ` +
        `policies/config/${options.stack}.json; --env applies to --manifests and --list`,
    );
  }
  if (options.list && options.manifests !== undefined) {
    throw new InputError("--list checks nothing; give --list or --manifests <path>, not both");
  }
  return { options, env: options.stack ?? options.env };
}

function listPolicies(project: Project, env: string, options: Options, io: CommandIO): string {
  const config = readPolicyConfig(project.configFile(env));
  const rows = policies.map((policy) => {
    const { enforcement, properties } = resolvePolicy(policy, config);
    const schema: PolicyConfigSchema["properties"] = policy.configSchema?.properties ?? {};
    return { policy, enforcement, properties, schema };
  });
  if (options.format === "json") {
    const report = {
      env,
      configFile: path.relative(project.root, project.configFile(env)),
      policies: rows.map(({ policy, enforcement, properties, schema }) => ({
        name: policy.name,
        severity: policy.severity ?? null,
        enforcement,
        description: policy.description,
        remediation: policy.remediationSteps ?? null,
        configSchema: schema,
        config: properties,
      })),
    };
    return `${JSON.stringify(report, null, 2)}\n`;
  }
  const style = styleFor(io.stdout, io.env);
  const lines = [
    style.bold(
      `${"POLICY".padEnd(40)} ${"SEVERITY".padEnd(9)} ${"LEVEL".padEnd(10)} DESCRIPTION ` +
        `(enforcement and config from policies/config/${env}.json)`,
    ),
  ];
  for (const { policy, enforcement, properties, schema } of rows) {
    lines.push(
      `${policy.name.padEnd(40)} ${String(policy.severity ?? "-").padEnd(9)} ` +
        `${enforcement.padEnd(10)} ${policy.description}`,
    );
    const settings = Object.entries(schema).map(([key, property]) => {
      const fallback = describeValue(property.default);
      const value = describeValue(properties[key]);
      return value === fallback
        ? `${key} = ${fallback}`
        : `${key} = ${value} (default ${fallback})`;
    });
    if (settings.length > 0) lines.push(style.dim(`    config: ${settings.join("; ")}`));
  }
  lines.push(
    "",
    style.dim("Long defaults are summarised; `--list --format json` prints each in full."),
  );
  return `${lines.join("\n")}\n`;
}

/** The program under mocks: it loads @pulumi/pulumi, @pulumi/kubernetes and the program. */
async function stackResources(stack: string): Promise<RunnerResource[]> {
  // Loaded here, not at the top, so that --manifests and --list start in a fraction of the time.
  // A `require`, not `await import()`: under this tsconfig (node16, CommonJS) a dynamic import
  // needs a `.js` suffix that jest's resolver would not map back to the .ts file.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { runProgram } = require("./engine/mock-engine") as typeof MockEngine;
  const { toRunnerResources } = require("./policy-resources") as typeof PolicyResources;
  /* eslint-enable @typescript-eslint/no-require-imports */
  return toRunnerResources(await runProgram(stack));
}

interface UnmodelledReport extends Omit<UnmodelledDocument, "urn"> {
  /** The policies that read the document; empty when none did. */
  readonly readBy: readonly string[];
}

interface Summary {
  readonly checked: number;
  readonly unmodelled: number;
  readonly mandatory: number;
  readonly advisory: number;
  readonly passed: boolean;
}

function summaryOf(
  findings: readonly Finding[],
  checked: number,
  unmodelled: readonly UnmodelledReport[],
): Summary {
  const count = (level: string) =>
    findings.filter((finding) => finding.enforcement === level).length;
  return {
    checked,
    unmodelled: unmodelled.length,
    mandatory: count("mandatory"),
    advisory: count("advisory"),
    passed: count("mandatory") === 0,
  };
}

function textReport(
  findings: readonly Finding[],
  unmodelled: readonly UnmodelledReport[],
  summary: Summary,
  label: string,
  unit: string,
  style: Style,
): string {
  const lines = [
    style.bold("Policies:"),
    `    ${summary.passed ? "✅" : "❌"} ${packName} (local: policies) on ${label}`,
  ];
  const ordered = [...findings].sort(
    (a, b) =>
      Number(b.enforcement === "mandatory") - Number(a.enforcement === "mandatory") ||
      a.policy.localeCompare(b.policy),
  );
  for (const finding of ordered) {
    const level =
      finding.enforcement === "mandatory"
        ? style.red("[mandatory]")
        : style.yellow(`[${finding.enforcement}]`);
    const resource = finding.resource
      ? `  (${finding.resource.type}: ${finding.resource.name}` +
        (finding.resource.source ? `, ${finding.resource.source})` : ")")
      : "";
    lines.push(
      `        - ${level}  [severity: ${finding.severity ?? "none"}]  ${finding.policy}${style.dim(resource)}`,
      `          ${finding.message}`,
    );
  }
  if (unmodelled.length > 0) {
    lines.push(
      style.dim("    Kinds this pack does not model, read only by the generic rules:"),
      ...unmodelled.map((document) =>
        style.dim(
          `        - ${document.file} document ${document.index}` +
            (document.item === undefined ? "" : ` item ${document.item}`) +
            `: ${document.apiVersion} ` +
            `${document.kind} ${document.name}: ` +
            (document.readBy.length ? document.readBy.join(", ") : "read by no policy"),
        ),
      ),
    );
  }
  lines.push(
    "",
    `${summary.mandatory} mandatory, ${summary.advisory} advisory violation(s) in ` +
      `${summary.checked} ${unit}(s)` +
      (unmodelled.length ? `, ${unmodelled.length} of them read only by the generic rules` : ""),
  );
  return `${lines.join("\n")}\n`;
}

async function check(project: Project, env: string, options: Options, io: CommandIO) {
  if ((options.stack === undefined) === (options.manifests === undefined)) {
    throw new InputError("give exactly one of --stack <name> or --manifests <path> (or --list)");
  }
  let resources: RunnerResource[];
  let unmodelled: UnmodelledDocument[] = [];
  let label: string;
  if (options.stack !== undefined) {
    project.requireStack(options.stack);
    resources = await stackResources(options.stack);
    if (resources.length === 0) {
      throw new InputError(`stack ${options.stack} registered no resource, so nothing to check`);
    }
    label = `stack ${options.stack}`;
  } else {
    project.requireEnvironment(env);
    const manifests = readManifests(options.manifests!, checkedKubernetesTypes);
    resources = manifests.resources;
    unmodelled = manifests.unmodelled;
    label = `${options.manifests} (${env} policy config)`;
  }
  const { findings, readBy } = await runPolicyPack(policies, resources, {
    config: readPolicyConfig(project.configFile(env)),
    packEnforcementLevel: "mandatory",
  });
  if (
    options.manifests !== undefined &&
    resources.every((resource) => (readBy.get(resource.urn) ?? []).length === 0)
  ) {
    throw new InputError(
      `${options.manifests}: no policy enabled in policies/config/${env}.json reads any of its ` +
        `${resources.length} document(s), so nothing was checked`,
    );
  }
  const unmodelledReport: UnmodelledReport[] = unmodelled.map(({ urn, ...document }) => ({
    ...document,
    readBy: readBy.get(urn) ?? [],
  }));
  const summary = summaryOf(findings, resources.length, unmodelledReport);
  const text =
    options.format === "json"
      ? `${JSON.stringify(
          {
            target:
              options.stack !== undefined
                ? { stack: options.stack, configFile: `policies/config/${env}.json` }
                : { manifests: options.manifests, configFile: `policies/config/${env}.json` },
            violations: findings,
            unmodelled: unmodelledReport,
            summary,
          },
          null,
          2,
        )}\n`
      : textReport(
          findings,
          unmodelledReport,
          summary,
          label,
          options.stack !== undefined ? "resource" : "document",
          styleFor(io.stdout, io.env),
        );
  io.stdout.write(text);
  return summary.passed ? exitCodes.passed : exitCodes.mandatoryViolation;
}

/**
 * The whole command, in-process: parses `argv` (the arguments after `--`), writes to `io`, and
 * returns the exit code (0 passed, 1 a mandatory violation, 2 bad input or nothing checked).
 */
export async function runPolicyCommand(
  argv: readonly string[],
  io: CommandIO = { stdout: process.stdout, stderr: process.stderr },
  settings: {
    /** The folder holding policies/config and Pulumi.<stack>.yaml; found from this file. */
    readonly projectRoot?: string;
  } = {},
): Promise<number> {
  const withEnv: CommandIO = { ...io, env: io.env ?? process.env };
  try {
    const program = commandLine(withEnv);
    const parsed = parseArguments(program, argv);
    if (parsed !== undefined) return parsed;
    const { options, env } = optionsOf(program);
    const project = new Project(settings.projectRoot ?? projectRoot);
    if (options.list) {
      project.requireEnvironment(env);
      withEnv.stdout.write(listPolicies(project, env, options, withEnv));
      return exitCodes.passed;
    }
    return await check(project, env, options, withEnv);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    withEnv.stderr.write(`${styleFor(withEnv.stderr, withEnv.env).red(message)}\n`);
    return exitCodes.badInput;
  }
}

/**
 * `stream` as the command's stdout, safe for `… | head`: when the reader closes the pipe (EPIPE),
 * later writes are dropped instead of ending the process with a stack trace.
 */
export function pipeSafe(
  stream: NodeJS.WritableStream & { readonly isTTY?: boolean },
): CommandOutput {
  let closed = false;
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
    closed = true;
  });
  return { isTTY: stream.isTTY, write: (text) => closed || stream.write(text) };
}

/** Entry point of `npm run policy` (scripts/tool.mjs runs the bundle's `main`). */
export const main = (argv: readonly string[]): Promise<number> =>
  runPolicyCommand(argv, { stdout: pipeSafe(process.stdout), stderr: process.stderr });
