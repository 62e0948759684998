// promtool, amtool and jaeger, built by scripts/install-monitoring-tools.sh outside the clone.
// Tests that run them skip outside CI when they are missing, saying how to build them; CI builds
// them first.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";

export type MonitoringTool = "promtool" | "amtool" | "jaeger";

export function monitoringToolsDir(env: NodeJS.ProcessEnv = process.env): string {
  return (
    env.TOOLBOXAI_MONITORING_TOOLS ??
    path.join(
      env.TOOLBOXAI_CACHE ?? path.join(homedir(), ".cache", "toolboxai"),
      "monitoring-tools",
    )
  );
}

/** The tool's path, or why it cannot run. */
export function findMonitoringTool(tool: MonitoringTool): { path: string } | { missing: string } {
  const file = path.join(monitoringToolsDir(), "bin", tool);
  return existsSync(file)
    ? { path: file }
    : { missing: `${tool} is not built: bash scripts/install-monitoring-tools.sh` };
}

/** `it` when the tool exists or CI=true (where a missing tool must fail), else `it.skip`. */
export function itWithTool(tool: MonitoringTool): jest.It {
  const found = findMonitoringTool(tool);
  if ("path" in found || process.env.CI === "true") return it;
  if (!warned.has(tool)) {
    warned.add(tool);
    console.warn(`Skipping the ${tool} tests (they run when CI=true): ${found.missing}`);
  }
  return it.skip;
}
const warned = new Set<MonitoringTool>();

/** Runs the tool in a scratch folder holding `files` (YAML for objects); returns status and output. */
export function runMonitoringTool(
  tool: MonitoringTool,
  args: readonly string[],
  files: Readonly<Record<string, string | object>>,
): { status: number | null; output: string } {
  const found = findMonitoringTool(tool);
  if ("missing" in found) throw new Error(found.missing);
  const dir = mkdtempSync(path.join(tmpdir(), `toolboxai-${tool}-`));
  try {
    for (const [name, content] of Object.entries(files)) {
      writeFileSync(
        path.join(dir, name),
        typeof content === "string" ? content : stringify(content),
      );
    }
    const result = spawnSync(found.path, args, { cwd: dir, encoding: "utf8" });
    return { status: result.status, output: `${result.stdout}${result.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
