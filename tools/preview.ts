// `npm run preview -- --stack <dev|staging|production> [--config key=value]… [--out DIR]`
// Runs the real program with the stack's real Pulumi.<stack>.yaml under the SDK's mocks, without
// credentials or a cluster, and prints the plan as a tree of components with resource counts,
// then the stack outputs. It is not `pulumi preview`: no engine diff, no provider checks, no
// policy pack. `runPreviewCommand` is the whole command, so tests run it in-process.
import { existsSync } from "node:fs";
import * as path from "node:path";
import { Command } from "commander";
import { availableStacks, outputTo, parseArguments } from "./cli";
import { palette, paletteFor, processIo, usesColour, type CommandIo } from "./command-io";
import {
  projectRoot,
  runProgram,
  type ProgramRun,
  type RegisteredResource,
} from "./engine/mock-engine";
import { ConfigError, formatProblems, projectName } from "../components/config/problems";
import { validateConfig } from "../components/config/validate";
import { readStackConfig, type StackConfigFile } from "./engine/stack-config";
import { checkOutputDir, OutputDirError, writeRenderedOutput } from "./engine/render";

/** What the command runs besides its `io`; tests replace either. */
export interface PreviewSettings {
  /** The project folder, holding Pulumi.yaml and the stack files; this repository by default. */
  readonly projectRoot?: string;
  /** Runs the program for a stack (the SDK's runtime runs one program per process). */
  readonly runProgram?: (stack: string, config: StackConfigFile) => Promise<ProgramRun>;
}

/** "kubernetes:apps/v1:Deployment" → "Deployment". */
function shortType(type: string): string {
  if (type.startsWith("pulumi:providers:"))
    return `provider ${type.slice("pulumi:providers:".length)}`;
  return type.split(":").pop() ?? type;
}

function countByType(resources: readonly RegisteredResource[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const resource of resources) counts.set(resource.type, (counts.get(resource.type) ?? 0) + 1);
  return counts;
}

/**
 * The plan as text: components as a tree, each with the kinds of resources directly under it;
 * then the resources by type, whose rows add up to the resources line, and the components (the
 * stack included) that make up the rest of the total, as `pulumi preview` counts it.
 */
export function formatPlan(run: ProgramRun, colour = false): string {
  const { bold, dim } = palette(colour);
  const children = new Map<string, RegisteredResource[]>();
  for (const resource of run.resources) {
    const key = resource.parent ?? "";
    children.set(key, [...(children.get(key) ?? []), resource]);
  }
  const lines: string[] = [];
  const walk = (resource: RegisteredResource, prefix: string, last: boolean, root: boolean) => {
    const own = children.get(resource.urn) ?? [];
    const leaves = own.filter((child) => child.custom);
    const summary = [...countByType(leaves)]
      .map(([type, count]) => `${shortType(type)}${count > 1 ? ` ×${count}` : ""}`)
      .join(", ");
    const label = root
      ? bold(`${resource.name}`)
      : `${bold(resource.name)} ${dim(resource.type)}${summary ? `  ${summary}` : ""}`;
    lines.push(root ? label : `${prefix}${last ? "└─ " : "├─ "}${label}`);
    const components = own.filter((child) => !child.custom);
    components.forEach((child, index) =>
      walk(
        child,
        root ? "" : `${prefix}${last ? "   " : "│  "}`,
        index === components.length - 1,
        false,
      ),
    );
    if (root && leaves.length > 0) lines.push(`${dim("stack-level:")} ${summary}`);
  };
  const stackResource = run.resources.find((resource) => resource.type === "pulumi:pulumi:Stack");
  if (stackResource) walk(stackResource, "", true, true);

  const custom = run.resources.filter((resource) => resource.custom);
  const componentCount = run.resources.length - custom.length;
  const totals = [...countByType(custom)].sort(([a], [b]) => a.localeCompare(b));
  const summaryRows: [string, number][] = [
    ["resources (the rows above)", custom.length],
    ["components (the stack included)", componentCount],
    [`total: ${custom.length} + ${componentCount}`, run.resources.length],
  ];
  const width = Math.max(...[...totals, ...summaryRows].map(([label]) => label.length));
  const row = (label: string, count: number) =>
    `  ${label.padEnd(width)}  ${String(count).padStart(3)}`;
  lines.push("", bold("Resources by type"));
  for (const [type, count] of totals) lines.push(row(type, count));
  lines.push(`  ${"─".repeat(width + 5)}`);
  for (const [label, count] of summaryRows) lines.push(row(label, count));
  return lines.join("\n");
}

const secretShown = "[secret]";

/** One value the way `pulumi preview` prints outputs: keys sorted and aligned, secrets hidden. */
function formatValue(value: unknown, indent: string): string {
  const inner = `${indent}    `;
  if (value === secretShown) return secretShown;
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    const items = value.map((item, index) => `${inner}[${index}]: ${formatValue(item, inner)}`);
    return ["[", ...items, `${indent}]`].join("\n");
  }
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value).sort(([a], [b]) => a.localeCompare(b));
    if (entries.length === 0) return "{}";
    const width = Math.max(...entries.map(([key]) => key.length));
    const items = entries.map(
      ([key, item]) => `${inner}${key.padEnd(width)}: ${formatValue(item, inner)}`,
    );
    return ["{", ...items, `${indent}}`].join("\n");
  }
  return JSON.stringify(value) ?? String(value);
}

/**
 * The stack outputs as `pulumi preview` prints them after the plan: an "Outputs:" block, each
 * secret shown as [secret]. Takes the outputs the Stack resource registered (`redactedOutputs`).
 */
export function formatOutputs(outputs: Record<string, unknown>, colour = false): string {
  const entries = Object.entries(outputs).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) return "";
  const width = Math.max(...entries.map(([key]) => key.length));
  const indent = "    ";
  return [
    palette(colour).bold("Outputs:"),
    ...entries.map(
      ([key, value]) => `${indent}${key.padEnd(width)}: ${formatValue(value, indent)}`,
    ),
  ].join("\n");
}

/**
 * The command: parses `argv` (the arguments after the script), runs the program, prints the plan
 * and outputs to `io`, and with --out writes the render. Returns the exit code: 0, or 2 for a
 * usage error, an unknown stack, a config error or a refused --out folder (nothing written).
 * Colours and the "running …" line on standard error are for a terminal only.
 */
export async function runPreviewCommand(
  argv: readonly string[],
  io: CommandIo = processIo(),
  settings: PreviewSettings = {},
): Promise<number> {
  const root = settings.projectRoot ?? projectRoot;
  const runStack = settings.runProgram ?? ((stack, config) => runProgram(stack, { config }));
  const colour = usesColour(io.stdout, io.env);
  const out = palette(colour);
  const err = paletteFor(io.stderr, io.env);
  const progress = Boolean(io.stderr.isTTY);
  const program = new Command()
    .name("npm run preview --")
    .description("Render the program offline with a stack's real config, under Pulumi's mocks.")
    .requiredOption("-s, --stack <name>", `stack to render (${availableStacks(root).join(", ")})`)
    .option(
      "-c, --config <key=value>",
      "a config value over the stack file's, as `pulumi preview --config` takes it (repeatable; " +
        "e.g. platform=kubernetes renders dev's Kubernetes form)",
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option(
      "-o, --out <dir>",
      "also write DIR/kubernetes/*.yaml and DIR/resources.json; DIR must be missing, empty, " +
        "or written by an earlier --out (marked by its .gitignore)",
    )
    .configureOutput(outputTo(io));
  const parsed = parseArguments(program, argv);
  if (parsed !== undefined) return parsed;
  const options = program.opts<{ stack: string; out?: string; config?: string[] }>();
  const fail = (message: string) => {
    io.stderr.write(`${err.red(message)}\n`);
    return 2;
  };
  if (!existsSync(path.join(root, `Pulumi.${options.stack}.yaml`))) {
    return fail(
      `No stack file Pulumi.${options.stack}.yaml; stacks: ${availableStacks(root).join(", ")}`,
    );
  }
  const outDir = options.out === undefined ? undefined : path.resolve(io.cwd, options.out);
  if (outDir !== undefined) {
    // Refuse an unusable folder before spending seconds on the program.
    try {
      checkOutputDir(outDir);
    } catch (error) {
      if (error instanceof OutputDirError) return fail(`--out ${options.out}: ${error.message}`);
      throw error;
    }
  }

  let config: StackConfigFile;
  try {
    config = readStackConfig(options.stack, root);
  } catch (error) {
    if (error instanceof ConfigError) return fail(error.message);
    throw error;
  }
  const fromCommandLine = new Set<string>();
  for (const setting of options.config ?? []) {
    const match = /^([^=]+)=(.*)$/s.exec(setting);
    if (!match) return fail(`--config ${setting}: must be key=value, such as platform=kubernetes`);
    const key = match[1].includes(":") ? match[1] : `${projectName}:${match[1]}`;
    config.values[key] = match[2];
    fromCommandLine.add(key);
  }
  if (fromCommandLine.size > 0) {
    // Checked here first, so that a bad --config value is named as the command line's.
    try {
      validateConfig({
        stack: options.stack,
        values: config.values,
        secretKeys: new Set(config.secretKeys),
      });
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      return fail(commandLineProblems(error, fromCommandLine));
    }
  }

  if (progress) io.stderr.write(err.dim(`running index.ts with Pulumi.${options.stack}.yaml …\r`));
  let run: ProgramRun;
  try {
    run = await runStack(options.stack, config);
  } catch (error) {
    return fail((error as Error).message);
  } finally {
    if (progress) io.stderr.write("\x1b[2K");
  }
  io.stdout.write(`${formatPlan(run, colour)}\n`);
  const outputs = formatOutputs(run.redactedOutputs, colour);
  if (outputs) io.stdout.write(`\n${outputs}\n`);

  if (options.out !== undefined && outDir !== undefined) {
    let count: number;
    try {
      count = writeRenderedOutput(run, outDir);
    } catch (error) {
      if (error instanceof OutputDirError) return fail(`--out ${options.out}: ${error.message}`);
      return fail(`--out ${options.out}: cannot write the render: ${(error as Error).message}`);
    }
    const where = path.join(options.out, "kubernetes");
    const dockerResources = run.resources.filter((resource) =>
      resource.type.startsWith("docker:"),
    ).length;
    io.stdout.write(
      out.green(
        count > 0 || dockerResources === 0
          ? `\nWrote ${count} manifests to ${where} and resources.json\n`
          : `\nWrote resources.json: ${dockerResources} Docker resources (no Kubernetes manifests)\n`,
      ),
    );
  }
  // The program's warnings (example values left: `pulumi up` refuses them), as `pulumi preview`
  // prints its diagnostics; on standard error, so that the plan on standard output stays as is.
  for (const warning of run.warnings) io.stderr.write(`\n${err.yellow(`warning: ${warning}`)}\n`);
  io.stdout.write(
    out.dim(
      `\nOffline render under mocks: run \`pulumi preview --stack ${options.stack}\` for the ` +
        "engine's plan.\n",
    ),
  );
  return 0;
}

/** Entry point of `npm run preview` (scripts/tool.mjs runs the bundle's `main`). */
export const main = (argv: readonly string[]): Promise<number> => runPreviewCommand(argv);

/** A ConfigError's problems, each from a `--config` value marked as the command line's. */
function commandLineProblems(error: ConfigError, fromCommandLine: ReadonlySet<string>): string {
  const problems = error.problems.map((problem) =>
    fromCommandLine.has(problem.key.split(".")[0])
      ? { ...problem, key: `${problem.key} (--config, on the command line)` }
      : problem,
  );
  return formatProblems(`${error.stackFile} with the command line's --config`, problems);
}
