// `npm run docs`: writes what is generated from the code, policies/README.md (./policy-docs),
// docs/CONFIGURATION.md (./config-docs), the README's preview excerpt (./readme-excerpt) and its
// checklist of example values (./readme-checklist); tests fail when any differs from the code.
import * as path from "node:path";
import { processIo, type CommandIo } from "./command-io";
import { configReferenceFile, writeConfigReference } from "./config-docs";
import { policyReferenceFile, writePolicyReference } from "./policy-docs";
import { writeReadmeChecklist } from "./readme-checklist";
import { readmeFile, writeReadmeExcerpt } from "./readme-excerpt";

/** `npm run docs` (it takes no arguments): writes the files and says which, to `io`. */
export async function main(
  _argv: readonly string[] = [],
  io: CommandIo = processIo(),
): Promise<number> {
  const relative = (file: string) => path.relative(io.cwd, file);
  writePolicyReference();
  io.stdout.write(`wrote ${relative(policyReferenceFile)}\n`);
  writeConfigReference();
  io.stdout.write(`wrote ${relative(configReferenceFile)}\n`);
  await writeReadmeExcerpt();
  io.stdout.write(`wrote the preview excerpt in ${relative(readmeFile)}\n`);
  writeReadmeChecklist();
  io.stdout.write(`wrote the checklist in ${relative(readmeFile)}\n`);
  return 0;
}
