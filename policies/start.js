// What the Pulumi CLI starts for `--policy-pack policies` (package.json's `main`): the pack,
// ./index.ts, as the JavaScript esbuild makes of it (dist/policy-pack.js), rebuilt first whenever
// a source file is newer, so it is never stale (scripts/load-bundle.js says why).
let loader;
try {
  loader = require("../scripts/load-bundle.js");
} catch (error) {
  if (error.code !== "MODULE_NOT_FOUND") throw error;
}
// The pack's folder on its own (published, copied without the repository): the CLI starts every
// pack with ts-node registered, which runs the TypeScript (type-checked, slower).
if (loader) loader.loadBundle("policy-pack");
else require("./index.ts");
