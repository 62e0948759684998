// The commands run from bundles in dist/ (scripts/build-tools.mjs); scripts/tool.mjs rebuilds a
// bundle when it is stale, so a user never runs yesterday's code. `isStale` decides that.
import { spawnSync } from "node:child_process";
import { mkdirSync, utimesSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { withScratchDir } from "../tools/scratch";

const buildScript = path.resolve(__dirname, "..", "scripts", "build-tools.mjs");

/** isStale(root, "dist/tool.js"), run in node as scripts/tool.mjs runs it. */
function isStale(root: string): boolean {
  const script =
    `const { isStale } = await import(${JSON.stringify(`file://${buildScript}`)});` +
    `process.stdout.write(String(isStale(${JSON.stringify(root)}, "dist/tool.js")));`;
  const result = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
    encoding: "utf8",
  });
  if (result.status !== 0) throw new Error(result.stderr);
  return JSON.parse(result.stdout) as boolean;
}

/** A root with tools/a.ts, scripts/build-tools.mjs and dist/tool.js built from them at `built`. */
function layout(root: string, built: number): void {
  for (const dir of ["tools", "scripts", "dist"]) mkdirSync(path.join(root, dir));
  const files = ["tools/a.ts", "scripts/build-tools.mjs", "dist/tool.js"];
  for (const file of files) writeFileSync(path.join(root, file), "");
  writeFileSync(path.join(root, "dist", "meta.json"), JSON.stringify({ inputs: ["tools/a.ts"] }));
  for (const file of files) utimesSync(path.join(root, file), built - 10, built - 10);
  utimesSync(path.join(root, "dist/tool.js"), built, built);
}

test("a bundle newer than its sources and the build script is fresh", () => {
  withScratchDir("toolboxai-fresh-", (root) => {
    layout(root, 1_700_000_000);
    expect(isStale(root)).toBe(false);
  });
});

test("an edited source, an edited build script, a missing bundle or meta.json: rebuild", () => {
  withScratchDir("toolboxai-fresh-", (root) => {
    layout(root, 1_700_000_000);
    utimesSync(path.join(root, "tools/a.ts"), 1_700_000_001, 1_700_000_001);
    expect(isStale(root)).toBe(true);
  });
  withScratchDir("toolboxai-fresh-", (root) => {
    layout(root, 1_700_000_000);
    utimesSync(path.join(root, "scripts/build-tools.mjs"), 1_700_000_001, 1_700_000_001);
    expect(isStale(root)).toBe(true);
  });
  withScratchDir("toolboxai-fresh-", (root) => {
    layout(root, 1_700_000_000);
    writeFileSync(path.join(root, "dist", "meta.json"), "{");
    expect(isStale(root)).toBe(true);
  });
  withScratchDir("toolboxai-fresh-", (root) => {
    layout(root, 1_700_000_000);
    writeFileSync(path.join(root, "dist", "meta.json"), JSON.stringify({ inputs: ["gone.ts"] }));
    expect(isStale(root)).toBe(true);
  });
  withScratchDir("toolboxai-fresh-", (root) => {
    expect(isStale(root)).toBe(true);
  });
});
