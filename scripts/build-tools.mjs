// Builds the command-line tools (tools/*.ts), the Pulumi program (index.ts) and the policy pack
// (policies/index.ts) into dist/ once, with esbuild: one CommonJS file per entry point, our code
// and the small libraries it uses (zod, yaml, commander) bundled and tree-shaken, so a command
// (or `pulumi preview`) starts without resolving and compiling hundreds of module files. The
// Pulumi SDKs stay in node_modules: @pulumi/kubernetes and the policy pack must share the one
// @pulumi/pulumi whose runtime state is process-wide. Starting a bundle costs a fraction of
// transpiling the TypeScript on every run. `npm ci` runs this (the `prepare` script), and
// scripts/tool.mjs runs it again whenever a source file is newer than the bundle, so dist/ is
// never stale; the engine's bundles are rebuilt the same way by scripts/load-bundle.js, which
// ./program.js (Pulumi.yaml's main) and policies/start.js (the pack's main) call. dist/meta.json
// and dist/<bundle>.meta.json list the source files the bundles were built from. Files are
// replaced by renaming: a process reading dist/ while another rebuilds it sees whole files.
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import loader from "./load-bundle.js";

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
 * What the Pulumi CLI runs, transpiled only (`npm test` type-checks): the program (./program.js
 * loads it) and the policy pack (policies/start.js loads it). Each is built on its own, with the
 * list of its sources beside it (dist/<name>.meta.json), so that a preview after an edit waits
 * for its bundle only, and an error in the program is not reported as the pack's.
 */
export const engineBundles = {
  program: "index.ts",
  "policy-pack": "policies/index.ts",
};

/** The builds: the tools (dist/meta.json), and each of the engine's bundles. */
const groups = {
  tools: { entryPoints: tools, meta: metaFile },
  ...Object.fromEntries(
    Object.entries(engineBundles).map(([name, entry]) => [
      name,
      { entryPoints: { [name]: entry }, meta: path.join(root, loader.metaOf(name)) },
    ]),
  ),
};

/**
 * Whether `bundle` (relative to `root`, a tool's) must be rebuilt: it is missing, dist/meta.json
 * is missing or unreadable, or a file it was built from, or this script, is newer than it (or
 * gone).
 */
export const isStale = loader.isStale;

/** Writes `file` whole: a temporary file beside it, renamed over it. */
function replaceFile(file, contents) {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, contents);
  renameSync(temporary, file);
}

async function buildGroup(build, { entryPoints, meta }) {
  const result = await build({
    absWorkingDir: root,
    entryPoints,
    outdir: distDir,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    external: ["@pulumi/*"],
    // Beside the bundle, not inside it: an inline map would triple the file Node reads and scans
    // on every start. `node --enable-source-maps` and the Pulumi CLI's source-map-support (stack
    // traces, resources' source positions) still find it, and point at the TypeScript.
    sourcemap: "linked",
    metafile: true,
    logLevel: "warning",
    write: false,
  });
  mkdirSync(distDir, { recursive: true });
  for (const { path: file, contents } of result.outputFiles) replaceFile(file, contents);
  // The inputs of the group's bundles, relative to the root: what scripts/tool.mjs and
  // scripts/load-bundle.js check for staleness.
  replaceFile(
    meta,
    JSON.stringify({ inputs: Object.keys(result.metafile.inputs).sort() }, null, 2) + "\n",
  );
}

/** Builds the named groups (`tools`, `program`, `policy-pack`), by default all. */
export async function buildTools(names = Object.keys(groups)) {
  const { build } = await import("esbuild");
  await Promise.all(names.map((name) => buildGroup(build, groups[name])));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const started = performance.now();
  const names = process.argv.slice(2);
  const unknown = names.filter((name) => !(name in groups));
  if (unknown.length > 0) {
    console.error(`usage: node scripts/build-tools.mjs [${Object.keys(groups).join("|")}]...`);
    process.exit(2);
  }
  try {
    await buildTools(names.length > 0 ? names : undefined);
  } catch (error) {
    // esbuild has printed its errors, with the source lines: its stack trace says nothing more.
    if (Array.isArray(error.errors)) process.exit(1);
    throw error;
  }
  console.error(
    `built ${names.length > 0 ? names.join(" and ") : "the tools, the program and the policy pack"} into dist/ in ${Math.round(performance.now() - started)} ms`,
  );
}
