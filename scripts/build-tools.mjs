// Builds the command-line tools (tools/*.ts) into dist/ once, with esbuild: one CommonJS file per
// tool, our code and the small libraries it uses (zod, yaml, commander) bundled and tree-shaken,
// so a command starts without resolving and compiling hundreds of module files. The Pulumi SDKs
// stay in node_modules: @pulumi/kubernetes and the policy pack must share the one
// @pulumi/pulumi whose runtime state is process-wide. Starting a bundle costs a fraction of
// transpiling the TypeScript on every run. `npm ci` runs this (the `prepare` script), and
// scripts/tool.mjs runs it again whenever a source file is newer than the bundle, so dist/ is
// never stale. dist/meta.json lists every source file each bundle was built from.
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const distDir = path.join(root, "dist");
export const metaFile = path.join(distDir, "meta.json");

/** Tool name → entry point. `npm run <name>` and scripts/tool.mjs use these names. */
export const tools = {
  preview: "tools/preview.ts",
  policy: "tools/policy.ts",
  preflight: "tools/preflight.ts",
  audit: "tools/audit/run.ts",
  e2e: "tools/e2e.ts",
  docs: "tools/docs.ts",
  bench: "tools/bench/run.ts",
  "bench-floor": "tools/bench/floor.ts",
  delivery: "tools/delivery.ts",
};

/**
 * Whether `bundle` (relative to `root`) must be rebuilt: it is missing, dist/meta.json is
 * missing or unreadable, or a file it was built from, or this script, is newer than it (or gone).
 */
export function isStale(root, bundle) {
  const mtime = (file) => statSync(path.join(root, file), { throwIfNoEntry: false })?.mtimeMs;
  const built = mtime(bundle);
  if (built === undefined) return true;
  let inputs;
  try {
    inputs = JSON.parse(readFileSync(path.join(root, "dist", "meta.json"), "utf8")).inputs;
  } catch {
    return true;
  }
  return [...inputs, "scripts/build-tools.mjs"].some((file) => (mtime(file) ?? Infinity) > built);
}

export async function buildTools() {
  const { build } = await import("esbuild");
  const result = await build({
    absWorkingDir: root,
    entryPoints: Object.fromEntries(Object.entries(tools).map(([name, entry]) => [name, entry])),
    outdir: distDir,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    external: ["@pulumi/*"],
    // Beside the bundle, not inside it: an inline map would triple the file Node reads and scans
    // on every start. `node --enable-source-maps` still finds it.
    sourcemap: "linked",
    metafile: true,
    logLevel: "warning",
  });
  mkdirSync(distDir, { recursive: true });
  // The inputs of every bundle, relative to the root: what scripts/tool.mjs checks for staleness.
  writeFileSync(
    metaFile,
    JSON.stringify({ inputs: Object.keys(result.metafile.inputs).sort() }, null, 2) + "\n",
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const started = performance.now();
  await buildTools();
  console.error(
    `built ${Object.keys(tools).length} tools into dist/ in ${Math.round(performance.now() - started)} ms`,
  );
}
