// `npm run docs`: writes what is generated from the code, policies/README.md (./policy-docs),
// docs/CONFIGURATION.md (./config-docs), the README's preview excerpt (./readme-excerpt) and its
// checklist of example values (./readme-checklist); tests fail when any differs from the code.
import * as path from "node:path";
import { configReferenceFile, writeConfigReference } from "./config-docs";
import { policyReferenceFile, writePolicyReference } from "./policy-docs";
import { writeReadmeChecklist } from "./readme-checklist";
import { readmeFile, writeReadmeExcerpt } from "./readme-excerpt";

export async function main(): Promise<number> {
  writePolicyReference();
  console.log(`wrote ${path.relative(process.cwd(), policyReferenceFile)}`);
  writeConfigReference();
  console.log(`wrote ${path.relative(process.cwd(), configReferenceFile)}`);
  await writeReadmeExcerpt();
  console.log(`wrote the preview excerpt in ${path.relative(process.cwd(), readmeFile)}`);
  writeReadmeChecklist();
  console.log(`wrote the checklist in ${path.relative(process.cwd(), readmeFile)}`);
  return 0;
}
