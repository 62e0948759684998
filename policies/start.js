// What the Pulumi CLI starts for `--policy-pack policies` (package.json's `main`): the pack,
// ./index.ts, as the JavaScript esbuild makes of it (dist/policy-pack.js), rebuilt first whenever
// a source file is newer, so it is never stale (scripts/load-bundle.js says why).
require("../scripts/load-bundle.js").loadBundle("policy-pack");
