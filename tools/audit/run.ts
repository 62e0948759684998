// `npm run audit [-- --rendered DIR]`: takes every stack's manifests, either as the real provider
// wrote them (DIR/<stack>/, kept by `npm run e2e -- --keep-manifests DIR`; what CI audits) or,
// without --rendered, from the offline render (`npm run preview --out`); validates them against
// the Kubernetes schemas of a pinned version with kubernetes-validate, and audits them with
// kube-score and Checkov. Every finding must be fixed or listed in
// tools/audit/baseline.yaml with a reason; a new finding or a stale baseline entry fails.
// The tools are installed, at pinned versions, by scripts/install-audit-tools.sh.
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { processIo, type CommandIo } from "../command-io";
import { projectRoot } from "../project-root";
import { withScratchDir } from "../scratch";
import {
  checkovFindings,
  compareWithBaseline,
  kubeScoreFindings,
  type BaselineEntry,
  type Finding,
} from "./findings";

/** The Kubernetes version whose schemas the manifests must satisfy (strict: no unknown fields). */
export const kubernetesVersion = "1.33.0";
const stacks = ["dev", "staging", "production"];
/** Where scripts/install-audit-tools.sh installs them: outside the clone, shared by clones. */
const toolsDir =
  process.env.TOOLBOXAI_TOOLS ??
  path.join(
    process.env.TOOLBOXAI_CACHE ?? path.join(homedir(), ".cache", "toolboxai"),
    "audit-tools",
  );
const tools = {
  kubeScore: process.env.KUBE_SCORE ?? path.join(toolsDir, "bin", "kube-score"),
  checkov: process.env.CHECKOV ?? path.join(toolsDir, "venv", "bin", "checkov"),
  kubernetesValidate:
    process.env.KUBERNETES_VALIDATE ?? path.join(toolsDir, "venv", "bin", "kubernetes-validate"),
};

function run(command: string, args: readonly string[]) {
  const result = spawnSync(command, args, {
    cwd: projectRoot,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error) {
    throw new Error(
      `cannot run ${command}: ${result.error.message} (run scripts/install-audit-tools.sh)`,
    );
  }
  return result;
}

function renderStack(stack: string, outDir: string): string[] {
  const result = run(process.execPath, [
    path.join(projectRoot, "scripts", "tool.mjs"),
    "preview",
    "--stack",
    stack,
    "--out",
    outDir,
  ]);
  if (result.status !== 0) throw new Error(`rendering ${stack} failed:\n${result.stderr}`);
  const manifestDir = path.join(outDir, "kubernetes");
  return readdirSync(manifestDir).map((file) => path.join(manifestDir, file));
}

function validateSchemas(files: readonly string[]): string[] {
  const result = run(tools.kubernetesValidate, [
    "--kubernetes-version",
    kubernetesVersion,
    "--strict",
    "--quiet",
    ...files,
  ]);
  return result.status === 0 ? [] : [`${result.stdout}${result.stderr}`.trim()];
}

function kubeScore(files: readonly string[]): Finding[] {
  const result = run(tools.kubeScore, ["score", "--output-format", "json", ...files]);
  // kube-score exits 1 when it grades anything CRITICAL; the JSON is complete either way.
  return kubeScoreFindings(JSON.parse(result.stdout));
}

function checkov(directory: string): Finding[] {
  const result = run(tools.checkov, [
    "--directory",
    directory,
    "--framework",
    "kubernetes",
    "--output",
    "json",
    "--quiet",
    "--compact",
  ]);
  return checkovFindings(JSON.parse(result.stdout || "{}"));
}

/** `npm run audit`: 0 when every finding is explained, 1 when not, 2 when a tool fails. */
export async function main(argv: readonly string[], io: CommandIo = processIo()): Promise<number> {
  const rendered = argv.includes("--rendered")
    ? path.resolve(io.cwd, argv[argv.indexOf("--rendered") + 1] ?? "")
    : undefined;
  try {
    return withScratchDir("toolboxai-audit-", (workDir) => audit(workDir, rendered, io));
  } catch (error) {
    io.stderr.write(`${(error as Error).message}\n`);
    return 2;
  }
}

/** The provider's manifests of `stack` under `rendered`, or the offline render's under `workDir`. */
function manifestsOf(stack: string, workDir: string, rendered: string | undefined) {
  if (rendered === undefined) {
    const outDir = path.join(workDir, stack);
    return { files: renderStack(stack, outDir), dir: path.join(outDir, "kubernetes") };
  }
  const dir = path.join(rendered, stack);
  const files = readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((file) => file.endsWith(".yaml"))
    .map((file) => path.join(dir, file));
  if (files.length === 0) throw new Error(`${dir}: no manifests to audit`);
  return { files, dir };
}

function audit(workDir: string, rendered: string | undefined, io: CommandIo): number {
  const log = (line: string) => io.stdout.write(`${line}\n`);
  log(
    rendered
      ? `auditing the provider's manifests in ${rendered}`
      : "auditing the offline render (npm run e2e -- --keep-manifests DIR, then --rendered DIR, audits the provider's)",
  );
  const baselineFile = path.join(projectRoot, "tools", "audit", "baseline.yaml");
  const baseline = (parse(readFileSync(baselineFile, "utf8")) ?? []) as BaselineEntry[];
  const findingsByStack: Record<string, Finding[]> = {};
  const schemaErrors: string[] = [];
  for (const stack of stacks) {
    const { files, dir } = manifestsOf(stack, workDir, rendered);
    schemaErrors.push(...validateSchemas(files).map((error) => `${stack}: ${error}`));
    findingsByStack[stack] = [...kubeScore(files), ...checkov(dir)];
    log(
      `${stack}: ${files.length} manifests valid against Kubernetes ${kubernetesVersion}` +
        `${schemaErrors.length ? " (with errors below)" : ""}; ` +
        `${findingsByStack[stack].length} kube-score/Checkov findings`,
    );
  }
  const comparison = compareWithBaseline(findingsByStack, baseline);
  log(`${comparison.explained} findings explained by tools/audit/baseline.yaml`);
  for (const error of schemaErrors) log(`SCHEMA ${error}`);
  for (const finding of comparison.unexplained) {
    log(
      `NEW    ${finding.stack} ${finding.tool} ${finding.check} ${finding.object}: ${finding.message}`,
    );
  }
  for (const entry of comparison.stale) {
    log(`STALE  ${entry.tool} ${entry.check} ${entry.objects.join(",")}: matches nothing`);
  }
  const failures = schemaErrors.length + comparison.unexplained.length + comparison.stale.length;
  log(failures === 0 ? "audit passed" : `audit failed: ${failures} problem(s)`);
  return failures === 0 ? 0 : 1;
}
