// `npm test`: the type check (tsc, once for the whole tree), ESLint with the typed @pulumi rules,
// the format check and jest, run side by side: none needs another's result, and each is mostly
// single-threaded, so together they keep both cores of a small machine busy. Each step says when
// it starts; jest's output streams as it goes (a line per test file), the others' is printed when
// they end. The exit code is non-zero when any failed. Arguments go to jest
// (`npm test -- tests/config/` still type-checks and lints everything).
import { spawn } from "node:child_process";
import { availableParallelism } from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const bin = (name) => path.join(root, "node_modules", ".bin", name);
const steps = [
  // Incremental: the build info (under node_modules) lets a second check skip what is unchanged.
  {
    name: "typecheck",
    command: bin("tsc"),
    args: [
      "--noEmit",
      "-p",
      ".",
      "--incremental",
      "--tsBuildInfoFile",
      path.join(root, "node_modules", ".cache", "toolboxai", "tsc.tsbuildinfo"),
    ],
  },
  { name: "eslint", command: bin("eslint"), args: ["."] },
  {
    name: "format",
    command: process.execPath,
    args: [path.join(root, "scripts", "check-format.mjs")],
  },
  // All cores, not jest's default of one less: the other steps end early, then jest has the
  // machine to itself.
  {
    name: "jest",
    command: bin("jest"),
    args: [`--maxWorkers=${availableParallelism()}`, ...process.argv.slice(2)],
    stream: true,
  },
];

function run(step) {
  const started = performance.now();
  process.stdout.write(`── ${step.name}: started${step.stream ? " (its output follows)" : ""}\n`);
  return new Promise((resolve) => {
    const child = spawn(step.command, step.args, {
      cwd: root,
      // The children write to pipes: colour only when our own output is a terminal.
      env: process.stdout.isTTY
        ? { ...process.env, FORCE_COLOR: "1" }
        : { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" },
    });
    let output = "";
    const collect = (chunk) => {
      if (step.stream) process.stdout.write(chunk);
      else output += chunk;
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    child.on("error", (error) => resolve({ step, code: 2, output: String(error), started }));
    child.on("close", (code) => resolve({ step, code: code ?? 2, output, started }));
  }).then((result) => {
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const verdict = result.code === 0 ? "passed" : `FAILED (exit ${result.code})`;
    process.stdout.write(
      `\n── ${step.name}: ${verdict} in ${seconds} s\n${result.output.trimEnd()}\n`,
    );
    return result;
  });
}

const results = await Promise.all(steps.map(run));
const failed = results.filter((result) => result.code !== 0).map((result) => result.step.name);
console.log(
  failed.length === 0 ? "\nnpm test: all passed" : `\nnpm test: failed: ${failed.join(", ")}`,
);
process.exitCode = failed.length === 0 ? 0 : 1;
