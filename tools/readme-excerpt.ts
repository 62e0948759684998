// The README's preview excerpt, cut from a real `npm run preview -- --stack production`, so its
// numbers cannot go stale: `npm run docs` writes it between the README's markers, and
// tests/readme-excerpt.test.ts fails when the README holds another.
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { runProgram } from "./engine/mock-engine";
import { projectRoot } from "./project-root";
import { formatOutputs, formatPlan } from "./preview";

export const readmeFile = path.join(projectRoot, "README.md");
const startMarker =
  "<!-- preview excerpt: written by `npm run docs` from `npm run preview -- --stack production` -->";
const endMarker = "<!-- end of the preview excerpt -->";

/** The lines of `lines` from the first that starts with `prefix`, `count` of them. */
function linesFrom(lines: readonly string[], prefix: string, count: number): string[] {
  const index = lines.findIndex((line) => line.startsWith(prefix));
  if (index < 0) throw new Error(`the preview printed no line starting with "${prefix}"`);
  return lines.slice(index, index + count);
}

/** The README is read on screens: a line longer than that is cut, and says so with "…". */
export const excerptWidth = 100;
const fitted = (line: string) =>
  [...line].length > excerptWidth ? `${[...line].slice(0, excerptWidth - 1).join("")}…` : line;

/**
 * The excerpt of a preview's plan and outputs: the tree's first components, the Deployment row
 * and the totals of the resources by type, and the public URL.
 */
export function excerptOf(plan: string, outputs: string): string {
  const lines = plan.split("\n");
  const totalsAt = lines.findIndex((line) => line.trim().startsWith("───"));
  if (totalsAt < 0) throw new Error("the preview printed no totals");
  return [
    ...lines.slice(0, 3),
    ...linesFrom(lines, "├─ postgres ", 2),
    "...",
    ...linesFrom(lines, "Resources by type", 1),
    ...linesFrom(lines, "  kubernetes:apps/v1:Deployment", 1),
    "...",
    ...lines.slice(totalsAt - 1, totalsAt + 4),
    "",
    "Outputs:",
    ...linesFrom(outputs.split("\n"), "    publicUrl", 1),
    "...",
  ]
    .map(fitted)
    .join("\n");
}

/** The README with `excerpt` between its markers (a code block); throws without the markers. */
export function withExcerpt(readme: string, excerpt: string): string {
  const start = readme.indexOf(startMarker);
  const end = readme.indexOf(endMarker);
  if (start < 0 || end < start) {
    throw new Error(`README.md has no "${startMarker}" … "${endMarker}" pair`);
  }
  const block = `${startMarker}\n\n\`\`\`\n${excerpt}\n\`\`\`\n\n`;
  return readme.slice(0, start) + block + readme.slice(end);
}

/** The excerpt of production's preview, as `npm run preview -- --stack production` prints it. */
export async function productionExcerpt(): Promise<string> {
  const run = await runProgram("production");
  return excerptOf(formatPlan(run), formatOutputs(run.redactedOutputs));
}

/** Rewrites the README's excerpt; part of `npm run docs`. */
export async function writeReadmeExcerpt(): Promise<void> {
  const readme = readFileSync(readmeFile, "utf8");
  writeFileSync(readmeFile, withExcerpt(readme, await productionExcerpt()));
}
