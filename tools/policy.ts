// `npm run policy -- --stack <name>`: runs the program under mocks with Pulumi.<name>.yaml, then
// the whole policy pack with policies/config/<name>.json.
// `npm run policy -- --manifests <file-or-folder> [--env production]`: the same pack on plain
// Kubernetes manifests (Helm or kustomize output; .yaml, .yml, .json).
// `npm run policy -- --list [--env production]`: the policies, their enforcement and config.
// `--profile portable` (with --manifests or --list): YAML this program did not render; the
// profile, policies/config/profiles/<name>.json, makes house conventions advisory (runner/profiles).
// Without --env, the output's first line says which config it used (production, the default).
// Prints violations the way `pulumi preview` does. Exit codes: 0 passed, 1 a mandatory violation,
// 2 bad input or nothing checked.
//
// The --manifests and --list paths load neither @pulumi/pulumi nor @pulumi/kubernetes nor the
// program (seconds of startup); only --stack does, lazily, in `stackResources`.
import { existsSync, readdirSync } from "node:fs";
import * as path from "node:path";
import type { PolicyConfigSchema, PolicyPackConfig } from "@pulumi/policy";
import { Command, Option } from "commander";
import { checkedKubernetesTypes } from "../policies/lib/kubernetes";
import { packName, policies } from "../policies/pack";
import {
  readPolicyConfig,
  resolvePolicy,
  runPolicyPack,
  type RunnerResource,
} from "../policies/runner";
import { readManifests, type UnmodelledDocument } from "../policies/runner/manifests";
import {
  applyProfile,
  profileNames,
  profilesDir,
  readProfile,
  type Profile,
  type ProfileChange,
} from "../policies/runner/profiles";
import type * as MockEngine from "./engine/mock-engine";
import type * as PolicyResources from "./policy-resources";
import { describeValue, outputTo, parseArguments } from "./cli";
import { paletteFor, pipeSafe, processIo, type CommandIo } from "./command-io";
import {
  summaryOf,
  textReport,
  type ReportedFinding,
  type UnmodelledReport,
} from "./policy-report";
import { projectRoot } from "./project-root";

export const exitCodes = { passed: 0, mandatoryViolation: 1, badInput: 2 } as const;

/** Bad arguments or input. Every error ends the command the same way: its message, exit 2. */
class InputError extends Error {}

const helpAfter = `
Exit codes:
  0  passed: no mandatory violation (advisory ones are still printed)
  1  at least one mandatory violation
  2  bad input or nothing checked: an unknown option, stack, env or profile, or an invalid
     profile file; unreadable, invalid or oversized (64 MiB) manifests, or YAML kubectl would
     read otherwise or refuse; a link out of the folder or a loop; a file or folder without a
     Kubernetes object

--stack <name> uses policies/config/<name>.json; --env applies to --manifests and --list, and
without it they use policies/config/production.json and say so on their first line (JSON:
"envFrom": "default").

--profile portable is for YAML this program did not render (a vendor's Helm or kustomize
output): the security and secrets rules stay as the env sets them; this platform's house
conventions (its labels, probe timing, pull policy, replica floor, …) and the rules that judge
an object against the rest of this platform's objects become advisory, reported but not
failing. policies/config/profiles/portable.json lists every policy's decision with its reason;
--list --profile portable shows them. --profile is refused with --stack.

npm prints a banner on stdout before the command's own output: for clean JSON, run npm silently:
  npm run -s policy -- --stack dev --format json > report.json

Examples:
  npm run policy -- --stack production
  npm run policy -- --manifests rendered/ --env staging
  npm run policy -- --manifests vendor/chart.yaml --profile portable
  npm run policy -- --list --env dev`;

interface Options {
  stack?: string;
  manifests?: string;
  env: string;
  profile?: string;
  format: "text" | "json";
  list?: boolean;
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

  /** The envs in deployment order: dev, staging, production, then any others. */
  environmentsInOrder(): string[] {
    const order = ["dev", "staging", "production"];
    const rank = (env: string) => (order.includes(env) ? order.indexOf(env) : order.length);
    return this.environments().sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
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

  /** policies/config/profiles/<name>.json names. */
  profiles(): string[] {
    return profileNames(profilesDir(this.root));
  }

  /** The profile, validated against the pack; an unknown name lists the available ones. */
  profile(name: string): Profile {
    if (!this.profiles().includes(name)) {
      throw new InputError(
        `unknown profile "${name}": there is no policies/config/profiles/${name}.json; ` +
          `available profiles: ${this.profiles().join(", ") || "none"}`,
      );
    }
    return readProfile(profilesDir(this.root), name, policies);
  }

  requireStack(name: string): void {
    if (this.stacks().includes(name)) return;
    throw new InputError(
      `unknown stack "${name}": --stack <name> needs Pulumi.<name>.yaml and ` +
        `policies/config/<name>.json; available stacks: ${this.stacks().join(", ")}`,
    );
  }
}

function commandLine(io: CommandIo): Command {
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
    .option(
      "-p, --profile <name>",
      "for --manifests and --list on YAML this program did not render: portable keeps the " +
        "security and secrets rules and makes this platform's house conventions advisory " +
        "(policies/config/profiles/<name>.json)",
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
    .configureOutput(outputTo(io));
}

/** Where the env came from: the command line, or the default (production). */
type EnvFrom = "--env" | "default";

/** The parsed options, and the combinations commander cannot refuse by itself. */
function optionsOf(program: Command): { options: Options; env: string; envFrom: EnvFrom } {
  const options = program.opts<Options>();
  const envFrom: EnvFrom = program.getOptionValueSource("env") === "cli" ? "--env" : "default";
  if (options.stack !== undefined && envFrom === "--env") {
    throw new InputError(
      `--env is not used with --stack: --stack ${options.stack} uses ` +
        `policies/config/${options.stack}.json; --env applies to --manifests and --list`,
    );
  }
  if (options.stack !== undefined && options.profile !== undefined) {
    throw new InputError(
      `--profile is not used with --stack: --stack ${options.stack} checks this program's own ` +
        `resources with policies/config/${options.stack}.json in full; --profile applies to ` +
        "--manifests and --list, for YAML this program did not render",
    );
  }
  if (options.list && options.manifests !== undefined) {
    throw new InputError("--list checks nothing; give --list or --manifests <path>, not both");
  }
  return { options, env: options.stack ?? options.env, envFrom };
}

/** The config a run uses: the env's file, with the profile (if any) laid over it. */
interface RunConfig {
  readonly env: string;
  readonly envFrom: EnvFrom;
  /** policies/config/<env>.json, relative to the project root. */
  readonly configFile: string;
  readonly config: PolicyPackConfig;
  readonly profile?: Profile;
  /** policies/config/profiles/<name>.json, relative to the project root. */
  readonly profileFile?: string;
  /** Per policy the profile changed: whether it lowered the level, which settings it replaced. */
  readonly changes: ReadonlyMap<string, ProfileChange>;
}

function runConfig(
  project: Project,
  env: string,
  envFrom: EnvFrom,
  profileName: string | undefined,
): RunConfig {
  const configFile = `policies/config/${env}.json`;
  const envConfig = readPolicyConfig(project.configFile(env));
  if (profileName === undefined) {
    return { env, envFrom, configFile, config: envConfig, changes: new Map() };
  }
  const profile = project.profile(profileName);
  const { config, changes } = applyProfile(envConfig, profile, policies);
  const profileFile = `policies/config/profiles/${profileName}.json`;
  return { env, envFrom, configFile, config, profile, profileFile, changes };
}

/**
 * The lines that open a --manifests or --list run: which config it used when --env was left
 * out, and the profile's file and effect when one was given.
 */
function preamble(project: Project, run: RunConfig): string[] {
  const lines: string[] = [];
  if (run.envFrom === "default") {
    lines.push(
      `policy config: ${run.configFile} (the default; --env ${project.environmentsInOrder().join("|")} ` +
        "to choose)",
    );
  }
  if (run.profile) {
    const relaxed = [...run.changes.values()].filter((change) => change.relaxed).length;
    const settings = [...run.changes.values()].filter(
      (change) => Object.keys(change.settings).length > 0,
    ).length;
    lines.push(
      `profile ${run.profile.name}: ${run.profileFile} makes ${relaxed} mandatory ` +
        `polic${relaxed === 1 ? "y" : "ies"} of ${run.configFile} advisory and replaces ` +
        `settings of ${settings}; the security and secrets rules stay as the env sets them`,
    );
  }
  return lines;
}

function listPolicies(project: Project, run: RunConfig, options: Options, io: CommandIo): string {
  const rows = policies.map((policy) => {
    const { enforcement, properties } = resolvePolicy(policy, run.config);
    const schema: PolicyConfigSchema["properties"] = policy.configSchema?.properties ?? {};
    const decision = run.profile?.policies[policy.name];
    return { policy, enforcement, properties, schema, decision };
  });
  if (options.format === "json") {
    const report = {
      env: run.env,
      envFrom: run.envFrom,
      configFile: run.configFile,
      ...(run.profile ? { profile: run.profile.name, profileFile: run.profileFile } : {}),
      policies: rows.map(({ policy, enforcement, properties, schema, decision }) => ({
        name: policy.name,
        severity: policy.severity ?? null,
        enforcement,
        description: policy.description,
        remediation: policy.remediationSteps ?? null,
        configSchema: schema,
        config: properties,
        ...(run.profile
          ? {
              profile: {
                decision: decision?.decision ?? "kept",
                relaxed: run.changes.get(policy.name)?.relaxed ?? false,
                reason: decision?.reason ?? null,
                ...(decision?.settings ? { settings: decision.settings } : {}),
              },
            }
          : {}),
      })),
    };
    return `${JSON.stringify(report, null, 2)}\n`;
  }
  const style = paletteFor(io.stdout, io.env);
  const source = run.profile
    ? `${run.configFile} and profile ${run.profile.name}`
    : `${run.configFile}`;
  const lines = [
    ...preamble(project, run),
    style.bold(
      `${"POLICY".padEnd(40)} ${"SEVERITY".padEnd(9)} ${"LEVEL".padEnd(10)} DESCRIPTION ` +
        `(enforcement and config from ${source})`,
    ),
  ];
  for (const { policy, enforcement, properties, schema, decision } of rows) {
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
    const change = run.changes.get(policy.name);
    if (run.profile && decision && change) {
      const what = [
        ...(change.relaxed ? ["advisory instead of mandatory"] : []),
        ...Object.entries(change.settings).map(
          ([key, value]) => `${key} = ${describeValue(value)}`,
        ),
      ];
      lines.push(
        style.dim(`    profile ${run.profile.name}: ${what.join("; ")}: ${decision.reason}`),
      );
    }
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

async function check(project: Project, run: RunConfig, options: Options, io: CommandIo) {
  let resources: RunnerResource[];
  let unmodelled: UnmodelledDocument[] = [];
  let label: string;
  if (options.stack !== undefined) {
    resources = await stackResources(options.stack);
    if (resources.length === 0) {
      throw new InputError(`stack ${options.stack} registered no resource, so nothing to check`);
    }
    label = `stack ${options.stack}`;
  } else {
    const manifests = readManifests(options.manifests!, checkedKubernetesTypes);
    resources = manifests.resources;
    unmodelled = manifests.unmodelled;
    label =
      `${options.manifests} (${run.env} policy config` +
      (run.profile ? `, profile ${run.profile.name})` : ")");
  }
  const { findings, readBy } = await runPolicyPack(policies, resources, {
    config: run.config,
    packEnforcementLevel: "mandatory",
  });
  if (
    options.manifests !== undefined &&
    resources.every((resource) => (readBy.get(resource.urn) ?? []).length === 0)
  ) {
    throw new InputError(
      `${options.manifests}: no policy enabled in ${run.configFile} reads any of its ` +
        `${resources.length} document(s), so nothing was checked`,
    );
  }
  const reported: ReportedFinding[] = findings.map((finding) =>
    run.profile && finding.enforcement === "advisory" && run.changes.get(finding.policy)?.relaxed
      ? { ...finding, relaxedBy: run.profile.name }
      : finding,
  );
  const unmodelledReport: UnmodelledReport[] = unmodelled.map(({ urn, ...document }) => ({
    ...document,
    readBy: readBy.get(urn) ?? [],
  }));
  const summary = summaryOf(reported, resources.length, unmodelledReport, run.profile);
  const text =
    options.format === "json"
      ? `${JSON.stringify(
          {
            target:
              options.stack !== undefined
                ? { stack: options.stack, configFile: run.configFile }
                : {
                    manifests: options.manifests,
                    env: run.env,
                    envFrom: run.envFrom,
                    configFile: run.configFile,
                    ...(run.profile
                      ? { profile: run.profile.name, profileFile: run.profileFile }
                      : {}),
                  },
            violations: reported,
            unmodelled: unmodelledReport,
            summary,
          },
          null,
          2,
        )}\n`
      : textReport(
          reported,
          unmodelledReport,
          summary,
          label,
          options.stack !== undefined ? "resource" : "document",
          options.stack !== undefined ? [] : preamble(project, run),
          paletteFor(io.stdout, io.env),
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
  io: CommandIo = processIo(),
  settings: {
    /** The folder holding policies/config and Pulumi.<stack>.yaml; found from this file. */
    readonly projectRoot?: string;
  } = {},
): Promise<number> {
  try {
    const program = commandLine(io);
    const parsed = parseArguments(program, argv);
    if (parsed !== undefined) return parsed;
    const { options, env, envFrom } = optionsOf(program);
    const project = new Project(settings.projectRoot ?? projectRoot);
    if (!options.list && (options.stack === undefined) === (options.manifests === undefined)) {
      throw new InputError("give exactly one of --stack <name> or --manifests <path> (or --list)");
    }
    if (options.stack !== undefined) project.requireStack(options.stack);
    else project.requireEnvironment(env);
    const run = runConfig(project, env, envFrom, options.profile);
    if (options.list) {
      io.stdout.write(listPolicies(project, run, options, io));
      return exitCodes.passed;
    }
    return await check(project, run, options, io);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    io.stderr.write(`${paletteFor(io.stderr, io.env).red(message)}\n`);
    return exitCodes.badInput;
  }
}

/**
 * Entry point of `npm run policy` (scripts/tool.mjs runs the bundle's `main`), its stdout safe
 * for `… | head`.
 */
export const main = (argv: readonly string[]): Promise<number> =>
  runPolicyCommand(argv, { ...processIo(), stdout: pipeSafe(process.stdout) });
