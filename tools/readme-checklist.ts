// The README's "Before your first `pulumi up`" checklist, written from the same list the program
// refuses example values with (components/config/examples.ts), so the two cannot disagree:
// `npm run docs` writes it between the README's markers, and tests/readme-checklist.test.ts fails
// when the README holds another.
import { readFileSync, writeFileSync } from "node:fs";
import { checklistMarkdown } from "../components/config/examples";
import { readmeFile } from "./readme-excerpt";

const startMarker =
  "<!-- checklist: written by `npm run docs` from components/config/examples.ts -->";
const endMarker = "<!-- end of the checklist -->";

/** The README with `checklist` between its markers; throws without the markers. */
export function withChecklist(readme: string, checklist: string): string {
  const start = readme.indexOf(startMarker);
  const end = readme.indexOf(endMarker);
  if (start < 0 || end < start) {
    throw new Error(`README.md has no "${startMarker}" … "${endMarker}" pair`);
  }
  return `${readme.slice(0, start)}${startMarker}\n\n${checklist}\n\n${readme.slice(end)}`;
}

/** Rewrites the README's checklist; part of `npm run docs`. */
export function writeReadmeChecklist(): void {
  const readme = readFileSync(readmeFile, "utf8");
  writeFileSync(readmeFile, withChecklist(readme, checklistMarkdown()));
}
