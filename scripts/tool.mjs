// `node scripts/tool.mjs <tool> [args]` (what `npm run preview|policy|audit|docs|bench` call):
// runs the `main(args)` of dist/<tool>.js and exits with the code it returns, rebuilding dist/
// first when the bundle is missing or any source file it was built from (or the build script)
// is newer. The check is one stat per source file, a few milliseconds.
import { createRequire } from "node:module";
import * as path from "node:path";
import { buildTools, isStale, root, tools } from "./build-tools.mjs";

const [tool, ...args] = process.argv.slice(2);

const bundle = `dist/${tool}.js`;
if (!tool || isStale(root, bundle)) {
  if (!tool || !(tool in tools)) {
    console.error(`usage: node scripts/tool.mjs <${Object.keys(tools).join("|")}> [args]`);
    process.exit(2);
  }
  await buildTools();
}
// Paths on the command line are the user's: npm runs scripts from the root, INIT_CWD is where
// the user typed the command.
if (process.env.INIT_CWD) process.chdir(process.env.INIT_CWD);
const { main } = createRequire(import.meta.url)(path.join(root, bundle));
process.exitCode = await main(args);
