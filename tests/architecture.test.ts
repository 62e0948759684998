// The program's data flows one way: config → model → renderers → the platform → components →
// index.ts. Each folder of components/ may import only from the layers below it; an arrow against
// the flow fails here, naming the file and the import, unless it is a declared exception.
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { projectRoot } from "../tools/project-root";

/** The layer of each folder of components/: lower layers never import higher ones. */
const layers: Readonly<Record<string, number>> = {
  config: 0,
  model: 1,
  kubernetes: 2,
  docker: 2,
  platform: 3,
  app: 4,
  backup: 4,
  data: 4,
  delivery: 4,
  images: 4,
  monitoring: 4,
  secrets: 4,
};

/** Arrows against the flow that are known, each with why it is still there. */
const exceptions: Readonly<Record<string, string>> = {
  // None: index.ts composes the delivery on the platform's foundation.
};

const componentsDir = path.join(projectRoot, "components");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".ts"))
    .map((entry) => path.join(entry.parentPath, entry.name));
}

/** The folder of components/ a path is in, or undefined for components/index.ts and outside. */
function folderOf(file: string): string | undefined {
  const relative = path.relative(componentsDir, file);
  return relative.startsWith("..") || !relative.includes(path.sep)
    ? undefined
    : relative.split(path.sep)[0];
}

interface Arrow {
  readonly from: string;
  readonly to: string;
  readonly where: string;
}

/** Every import from one folder of components/ into another. */
function arrows(): Arrow[] {
  return sourceFiles(componentsDir).flatMap((file) => {
    const from = folderOf(file);
    if (from === undefined) return [];
    const text = readFileSync(file, "utf8");
    return [...text.matchAll(/from "(\.[^"]+)"/g)].flatMap(([, specifier]) => {
      const to = folderOf(path.resolve(path.dirname(file), specifier));
      return to === undefined || to === from
        ? []
        : [{ from, to, where: `${path.relative(projectRoot, file)}: "${specifier}"` }];
    });
  });
}

test("every folder of components/ has a layer", () => {
  const folders = readdirSync(componentsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name);
  expect(folders.filter((folder) => layers[folder] === undefined)).toEqual([]);
});

test("imports flow one way: no folder imports a layer above its own", () => {
  const all = arrows();
  expect(all.length).toBeGreaterThan(20);
  const against = all.filter(({ from, to }) => layers[to] > layers[from]);
  const undeclared = against.filter(({ from, to }) => exceptions[`${from} -> ${to}`] === undefined);
  expect(undeclared.map(({ from, to, where }) => `${from} -> ${to} (${where})`)).toEqual([]);
  // A declared exception that no import needs any more is removed from the list.
  const used = new Set(against.map(({ from, to }) => `${from} -> ${to}`));
  expect(Object.keys(exceptions).filter((exception) => !used.has(exception))).toEqual([]);
});

test("config, the bottom layer, imports nothing else of components/", () => {
  expect(arrows().filter(({ from }) => from === "config")).toEqual([]);
});
