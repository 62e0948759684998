// What `pulumi preview|up` runs (Pulumi.yaml's `main`): the program, index.ts, as the JavaScript
// esbuild makes of it (dist/program.js), rebuilt first whenever a source file is newer, so it is
// never stale (scripts/load-bundle.js says why the engine does not run the TypeScript itself).
// Its exports are index.ts's: the stack outputs.
module.exports = require("./scripts/load-bundle.js").loadBundle("program");
