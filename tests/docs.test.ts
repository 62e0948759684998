// The documents a newcomer reads: the README stays short and has contents, every link between
// the documents lands on a file and heading that exist, lines fit a screen, and nothing points
// outside the repository.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import { anchorOf } from "../tools/markdown-anchor";
import { projectRoot } from "../tools/project-root";

/** The Markdown files the repository tracks, outside node_modules and test fixtures. */
const documents = execFileSync(
  "git",
  ["ls-files", "--cached", "--others", "--exclude-standard", "*.md"],
  { cwd: projectRoot, encoding: "utf8" },
)
  .split("\n")
  .filter((file) => file !== "" && !file.startsWith("tests/fixtures/"));
/** Written by hand, read on screens: the generated policy reference keeps its wide tables. */
const handWritten = documents.filter((file) => file !== "policies/README.md");

const read = (file: string) => readFileSync(path.join(projectRoot, file), "utf8");

/** The text outside fenced code blocks, line by line, with line numbers. */
function proseLines(text: string): { line: string; number: number }[] {
  let fenced = false;
  return text.split("\n").flatMap((line, index) => {
    if (/^\s*```/.test(line)) {
      fenced = !fenced;
      return [];
    }
    return fenced ? [] : [{ line, number: index + 1 }];
  });
}

function anchorsIn(text: string): Set<string> {
  return new Set(
    proseLines(text)
      .map(({ line }) => /^#{1,6}\s+(.*)$/.exec(line)?.[1])
      .filter((heading): heading is string => heading !== undefined)
      .map(anchorOf),
  );
}

/** Relative links `[text](target)` in prose, code spans removed first. */
function linksIn(text: string): { target: string; number: number }[] {
  return proseLines(text).flatMap(({ line, number }) =>
    [...line.replace(/`[^`]*`/g, "").matchAll(/\]\(([^)\s]+)\)/g)]
      .map((match) => match[1])
      .filter((target) => !/^[a-z]+:/.test(target))
      .map((target) => ({ target, number })),
  );
}

test("the anchors follow GitHub's rule", () => {
  expect(anchorOf("The real engine: `npm run e2e`")).toBe("the-real-engine-npm-run-e2e");
  expect(anchorOf("Argo CD (`mode: argocd`, the rendered-manifests pattern)")).toBe(
    "argo-cd-mode-argocd-the-rendered-manifests-pattern",
  );
});

test("the README reads in ten minutes: at most 12 KB, with contents linking every section", () => {
  const readme = read("README.md");
  expect(Buffer.byteLength(readme)).toBeLessThanOrEqual(12 * 1024);
  const sections = proseLines(readme)
    .map(({ line }) => /^## (.*)$/.exec(line)?.[1])
    .filter((heading): heading is string => heading !== undefined);
  const contents = readme.split("\n").find((line) => line.startsWith("**Contents:**")) ?? "";
  const contentsBlock = readme.slice(
    readme.indexOf(contents),
    readme.indexOf("\n\n", readme.indexOf(contents)),
  );
  expect(sections.length).toBeGreaterThan(3);
  expect(sections.filter((section) => !contentsBlock.includes(`(#${anchorOf(section)})`))).toEqual(
    [],
  );
});

test("every relative link lands on a file, and on a heading there", () => {
  expect(documents).toEqual(expect.arrayContaining(["README.md", "docs/CONFIGURATION.md"]));
  const broken: string[] = [];
  for (const file of documents) {
    for (const { target, number } of linksIn(read(file))) {
      const [pathPart, anchor] = target.split("#");
      const linked =
        pathPart === "" ? file : path.normalize(path.join(path.dirname(file), pathPart));
      const where = `${file}:${number}: ${target}`;
      if (linked.startsWith("..") || !existsSync(path.join(projectRoot, linked))) {
        broken.push(`${where}: no file ${linked} in the repository`);
      } else if (
        anchor !== undefined &&
        statSync(path.join(projectRoot, linked)).isFile() &&
        !anchorsIn(read(linked)).has(anchor)
      ) {
        broken.push(`${where}: ${linked} has no heading with the anchor #${anchor}`);
      }
    }
  }
  expect(broken).toEqual([]);
});

test("hand-written documents fit a screen: no line of prose over 100 characters", () => {
  const wide = handWritten.flatMap((file) =>
    proseLines(read(file))
      .filter(({ line }) => [...line].length > 100)
      .map(({ line, number }) => `${file}:${number}: ${[...line].length} characters`),
  );
  expect(wide).toEqual([]);
  // The README's code blocks too, the generated preview excerpt included.
  const readmeWide = read("README.md")
    .split("\n")
    .filter((line) => [...line].length > 100);
  expect(readmeWide).toEqual([]);
});

/**
 * Files allowed to name a folder outside the repository, with why: .ci/run is the CI machine's
 * own script, and names where that machine keeps the Pulumi engine's offline sources.
 */
const machineSpecific = new Set([".ci/run"]);

test("nothing outside the tests refers to a folder outside the repository", () => {
  const outside = [`${"/work"}/`, `..${"/shared"}`];
  const tracked = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], {
    cwd: projectRoot,
    encoding: "utf8",
  })
    .split("\n")
    .filter((file) => file !== "" && !file.startsWith("tests/") && !machineSpecific.has(file))
    .filter(
      (file) => !/\.(png|jpg|tgz|gz)$/.test(file) && existsSync(path.join(projectRoot, file)),
    );
  const references = tracked.flatMap((file) => {
    const text = read(file);
    return outside
      .filter((fragment) => text.includes(fragment))
      .map((fragment) => `${file}: ${fragment}`);
  });
  expect(tracked.length).toBeGreaterThan(50);
  expect(references).toEqual([]);
});
