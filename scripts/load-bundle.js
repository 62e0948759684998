// Loads a bundle of dist/ (built by scripts/build-tools.mjs), rebuilding dist/ first when it is
// missing or older than any source file it was built from. CommonJS and synchronous, because the
// Pulumi CLI `require`s what Pulumi.yaml's `main` (./program.js) and the policy pack's package
// `main` (policies/start.js) name, and takes their exports as they are when `require` returns.
//
// Why bundles: with `typescript: true`, the Pulumi language host and the policy pack start the
// TypeScript through ts-node 7, type-checking every file (the pack always does); on a cold ts-node
// cache (a fresh clone, CI, the operator's workspace) that is most of a preview's time. Type
// checking belongs to `npm test` (tsc --noEmit); the engine runs esbuild's JavaScript, built in
// about a second, and rebuilt here whenever a source is newer, so it is never stale.
"use strict";
const { spawnSync } = require("node:child_process");
const { readFileSync, statSync } = require("node:fs");
const path = require("node:path");

const root = path.resolve(__dirname, "..");
/** The list of the sources of one of the engine's bundles (the tools' is dist/meta.json). */
const metaOf = (name) => `dist/${name}.meta.json`;

/**
 * Whether `bundle` (relative to `root`) must be rebuilt: it is missing, `meta` (the list of its
 * group's sources) is missing or unreadable, or a file it was built from, or the build script
 * (its esbuild options), is newer than it (or gone). One stat per source file: milliseconds.
 */
function isStale(root, bundle, meta = "dist/meta.json") {
  const mtime = (file) => statSync(path.join(root, file), { throwIfNoEntry: false })?.mtimeMs;
  const built = mtime(bundle);
  if (built === undefined) return true;
  let inputs;
  try {
    inputs = JSON.parse(readFileSync(path.join(root, meta), "utf8")).inputs;
  } catch {
    return true;
  }
  return [...inputs, "scripts/build-tools.mjs"].some((file) => (mtime(file) ?? Infinity) > built);
}

/** `require`s dist/<name>.js, one of the engine's bundles, after rebuilding it if stale. */
function loadBundle(name) {
  const bundle = `dist/${name}.js`;
  if (isStale(root, bundle, metaOf(name))) {
    const script = path.join(root, "scripts", "build-tools.mjs");
    const built = spawnSync(process.execPath, [script, name], {
      cwd: root,
      encoding: "utf8",
      stdio: ["ignore", "ignore", "pipe"],
    });
    if (built.status !== 0) {
      const error = new Error(
        `building ${bundle} (node scripts/build-tools.mjs ${name}) failed:\n${built.stderr || built.error}`,
      );
      error.stack = error.message; // esbuild's message names the source line; ours, nothing more
      throw error;
    }
  }
  return require(path.join(root, bundle));
}

exports.root = root;
exports.metaOf = metaOf;
exports.isStale = isStale;
exports.loadBundle = loadBundle;
