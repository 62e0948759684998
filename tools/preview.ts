// `npm run preview -- --stack <dev|staging|production> [--out DIR]`
// Runs the real program with the stack's real Pulumi.<stack>.yaml under the SDK's mocks, without
// credentials or a cluster, and prints the plan as a tree of components with resource counts.
// It is not `pulumi preview`: no engine diff, no provider checks, no policy pack.
import { existsSync, readdirSync } from "node:fs";
import * as path from "node:path";
import { Command } from "commander";
import {
  projectRoot,
  runProgram,
  type ProgramRun,
  type RegisteredResource,
} from "./engine/mock-engine";
import { writeRenderedOutput } from "./engine/render";

const useColour = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code: number) => (text: string) =>
  useColour ? `\x1b[${code}m${text}\x1b[0m` : text;
const bold = paint(1);
const dim = paint(2);
const green = paint(32);
const red = paint(31);

function availableStacks(): string[] {
  return readdirSync(projectRoot)
    .map((file) => /^Pulumi\.(.+)\.yaml$/.exec(file)?.[1])
    .filter((stack): stack is string => stack !== undefined);
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

/** The plan as text: components as a tree, each with the kinds of resources directly under it. */
export function formatPlan(run: ProgramRun): string {
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

  const totals = [...countByType(run.resources.filter((resource) => resource.custom))].sort(
    ([a], [b]) => a.localeCompare(b),
  );
  const width = Math.max(...totals.map(([type]) => type.length));
  lines.push("", bold("Resources by type"));
  for (const [type, count] of totals)
    lines.push(`  ${type.padEnd(width)}  ${String(count).padStart(3)}`);
  lines.push(
    `  ${"total".padEnd(width)}  ${String(run.resources.length).padStart(3)} (with components)`,
  );
  return lines.join("\n");
}

async function main(): Promise<void> {
  const program = new Command()
    .name("npm run preview --")
    .description("Render the program offline with a stack's real config, under Pulumi's mocks.")
    .requiredOption("-s, --stack <name>", `stack to render (${availableStacks().join(", ")})`)
    .option("-o, --out <dir>", "also write DIR/kubernetes/*.yaml and DIR/resources.json")
    .parse();
  const options = program.opts<{ stack: string; out?: string }>();
  if (!existsSync(path.join(projectRoot, `Pulumi.${options.stack}.yaml`))) {
    console.error(
      red(`No stack file Pulumi.${options.stack}.yaml; stacks: ${availableStacks().join(", ")}`),
    );
    process.exitCode = 2;
    return;
  }
  if (process.stderr.isTTY)
    process.stderr.write(dim(`running index.ts with Pulumi.${options.stack}.yaml …\r`));
  let run: ProgramRun;
  try {
    run = await runProgram(options.stack);
  } catch (error) {
    if (process.stderr.isTTY) process.stderr.write("\x1b[2K");
    console.error(red((error as Error).message));
    process.exitCode = 2;
    return;
  }
  if (process.stderr.isTTY) process.stderr.write("\x1b[2K");
  console.log(formatPlan(run));
  if (options.out) {
    const count = writeRenderedOutput(run, path.resolve(options.out));
    console.log(
      green(
        `\nWrote ${count} manifests to ${path.join(options.out, "kubernetes")} and resources.json`,
      ),
    );
  }
  console.log(
    dim(
      "\nOffline render under mocks: run `pulumi preview --stack " +
        options.stack +
        "` for the engine's plan.",
    ),
  );
}

void main();
