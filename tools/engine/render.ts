// Turns a mocked program run into files a person or another tool can read: one YAML manifest per
// Kubernetes resource (secret data replaced by a placeholder) and resources.json with every
// registered resource, secrets redacted.
//
// The output folder is the user's: the render never deletes or overwrites a file it did not write.
// It writes into a folder that is missing (it creates it), empty, or marked as its own by the
// `.gitignore` an earlier render left there. That marker lists the files the render wrote; the
// next render deletes those and nothing else (not the whole folder: the marker's `*` hides the
// folder from git, so a file someone keeps there would be lost without a trace). Everything else
// is refused before anything is written, and so is a link on the way to any path it would write
// or delete: the render never follows a link out of its folder.
import {
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import { manifestExtensions } from "../../policies/runner/manifest-files";
import { byUrn } from "./by-urn";
import type { ProgramRun, RegisteredResource } from "./mock-engine";

export const secretPlaceholder = "[secret]";

export interface ManifestFolder {
  /** The manifest files, at any depth, relative to the folder and sorted. */
  readonly files: string[];
  /** What else is there, each as `path: why` (relative): a link or a file of another kind. */
  readonly others: string[];
}

/**
 * The manifest files under `dir`, and what else is there. Links are never followed (one could
 * lead out of the folder, or loop): each is listed among `others`, as is any other file (a
 * README, creds.txt), so that a folder a tool applies is known to hold manifests only.
 */
export function manifestFiles(dir: string): ManifestFolder {
  const files: string[] = [];
  const others: string[] = [];
  const walk = (relative: string) => {
    for (const entry of readdirSync(path.join(dir, relative), { withFileTypes: true })) {
      const file = path.join(relative, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (entry.isSymbolicLink()) {
        others.push(`${file}: a link (to ${readlinkSync(path.join(dir, file))})`);
      } else if (entry.isFile() && manifestExtensions.includes(path.extname(file).toLowerCase())) {
        files.push(file);
      } else {
        others.push(`${file}: not a manifest (${manifestExtensions.join(", ")})`);
      }
    }
  };
  walk("");
  return { files: files.sort(), others: others.sort() };
}

/** Kubernetes objects, not providers or components. */
export function isKubernetesObject(resource: RegisteredResource): boolean {
  return (
    resource.custom &&
    resource.type.startsWith("kubernetes:") &&
    !resource.type.startsWith("pulumi:providers")
  );
}

/** The manifest of a Kubernetes resource as the provider would send it, secrets redacted. */
export function manifestOf(resource: RegisteredResource): Record<string, unknown> {
  const manifest = { ...resource.redactedInputs };
  if (manifest.kind === "Secret") {
    // A Secret's whole data map is secret; keep its keys so the manifest still validates.
    for (const field of ["data", "stringData"]) {
      const values = resource.inputs[field] as Record<string, unknown> | undefined;
      if (values)
        manifest[field] = Object.fromEntries(
          Object.keys(values).map((key) => [key, secretPlaceholder]),
        );
    }
  }
  return manifest;
}

export function manifestFileName(manifest: Record<string, unknown>): string {
  const metadata = (manifest.metadata ?? {}) as { name?: string; namespace?: string };
  const kind = String(manifest.kind ?? "unknown").toLowerCase();
  return `${metadata.namespace ?? "cluster"}_${kind}_${metadata.name ?? "unnamed"}.yaml`;
}

/** The file in the output folder that marks it as written by the render. */
export const outputMarkerFile = ".gitignore";
/** The marker's first line; a `.gitignore` starting otherwise is someone else's. */
export const outputMarkerLine =
  "# Written by `npm run preview -- --out` (tools/preview.ts): rendered output, not source.";
const fileListHeading = "# Files of the last render, which the next one deletes before writing:";

/** The output folder cannot be written to; nothing was written. */
export class OutputDirError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "OutputDirError";
  }
}

/** What the render finds at the output path: nothing, an empty folder, or its own marked folder. */
export type OutputDirState =
  | { readonly kind: "missing" }
  | { readonly kind: "empty" }
  | { readonly kind: "ours"; readonly previousFiles: readonly string[] };

/** The marker: ignore everything (rendered output stays out of git), then the files written. */
export function outputMarker(files: readonly string[]): string {
  return [
    outputMarkerLine,
    "# Git ignores everything in this folder. The next render into it deletes the files listed",
    "# below and leaves anything else here alone.",
    "*",
    fileListHeading,
    ...files.map((file) => `# ${file}`),
    "",
  ].join("\n");
}

/**
 * The files a marker lists, keeping only plain relative paths inside the folder: an edited
 * marker cannot make the render delete anything outside it.
 */
function listedFiles(marker: string): string[] {
  const lines = marker.split("\n");
  const start = lines.indexOf(fileListHeading);
  if (start < 0) return [];
  return lines
    .slice(start + 1)
    .filter((line) => line.startsWith("# "))
    .map((line) => line.slice(2).trim())
    .filter(
      (file) =>
        file !== "" &&
        !path.posix.isAbsolute(file) &&
        !path.win32.isAbsolute(file) &&
        path.posix.normalize(file) === file &&
        !file.split(/[\\/]/).includes("..") &&
        file !== outputMarkerFile,
    );
}

/** The folder the manifests go to, inside the output folder. */
const manifestFolder = "kubernetes";

/**
 * Why the render may not reach `relative` inside `outDir`: a folder on the way that is a link
 * (it would lead out of `outDir`) or a file; undefined when every one is a real folder or missing.
 */
function blockedPath(outDir: string, relative: string): string | undefined {
  const parts = relative.split("/");
  for (let depth = 1; depth < parts.length; depth++) {
    const folder = path.join(outDir, ...parts.slice(0, depth));
    const stats = lstatSync(folder, { throwIfNoEntry: false });
    if (stats === undefined) return undefined;
    if (stats.isSymbolicLink()) {
      return `${folder} is a link (to ${readlinkSync(folder)}), not a folder`;
    }
    if (!stats.isDirectory()) return `${folder} is a file, not a folder`;
  }
  return undefined;
}

/** Refuses, having written nothing, when the render would reach one of `files` through a link. */
function refuseBlockedPaths(outDir: string, files: Iterable<string>): void {
  const problems = new Set<string>();
  for (const file of files) {
    const problem = blockedPath(outDir, file);
    if (problem !== undefined) problems.add(problem);
  }
  if (problems.size > 0) {
    throw new OutputDirError(
      `${[...problems].join("; ")}: the render writes and deletes only inside ${outDir}, never ` +
        "through a link, so nothing was written. Remove it, or name another folder.",
    );
  }
}

/**
 * Checks that the render may write into `outDir` and says what is there; throws OutputDirError
 * (before anything is written) for a file, for a folder that is neither empty nor marked, or for a
 * link where the render would write or delete (its marker, its manifests' folder, a listed file's
 * folders).
 */
export function checkOutputDir(outDir: string): OutputDirState {
  const stats = statSync(outDir, { throwIfNoEntry: false });
  if (stats === undefined) return { kind: "missing" };
  if (!stats.isDirectory()) {
    throw new OutputDirError(
      `${outDir} is a file, not a folder. Name a folder for the render (it is created if ` +
        "missing), such as out/production.",
    );
  }
  const entries = readdirSync(outDir);
  if (entries.length === 0) return { kind: "empty" };
  const markerPath = path.join(outDir, outputMarkerFile);
  const marker = entries.includes(outputMarkerFile) ? readFileSync(markerPath, "utf8") : "";
  if (marker.split("\n")[0] === outputMarkerLine) {
    const previousFiles = listedFiles(marker);
    if (!lstatSync(markerPath).isFile()) {
      throw new OutputDirError(
        `${markerPath} is a link, not the render's own file, so nothing was written. Remove it, ` +
          "or name another folder.",
      );
    }
    refuseBlockedPaths(outDir, [`${manifestFolder}/`, ...previousFiles]);
    return { kind: "ours", previousFiles };
  }
  throw new OutputDirError(
    `${outDir} is not empty and no earlier render wrote it (it has no ${outputMarkerFile} ` +
      "saying so), so nothing was written. The render writes only into a missing or empty " +
      "folder, or one it wrote before: name another folder, such as out/production, or empty " +
      "this one.",
  );
}

/** Every file the render of `run` writes, relative to the output folder, with its content. */
function renderedFiles(run: ProgramRun): Map<string, string> {
  const files = new Map<string, string>();
  // Two renders of the same program must be the same files, byte for byte, to be compared.
  const resources = byUrn(run.resources);
  for (const resource of resources.filter(isKubernetesObject)) {
    const manifest = manifestOf(resource);
    files.set(
      `${manifestFolder}/${manifestFileName(manifest)}`,
      stringify(manifest, { lineWidth: 0 }),
    );
  }
  const summary = resources.map((resource) => ({
    urn: resource.urn,
    type: resource.type,
    name: resource.name,
    custom: resource.custom,
    parent: resource.parent ?? null,
    inputs: resource.redactedInputs,
  }));
  files.set("resources.json", `${JSON.stringify(summary, null, 2)}\n`);
  return files;
}

function isFileOrLink(file: string): boolean {
  const stats = lstatSync(file, { throwIfNoEntry: false });
  return stats !== undefined && (stats.isFile() || stats.isSymbolicLink());
}

/**
 * Writes DIR/kubernetes/*.yaml, DIR/resources.json and the marker DIR/.gitignore; returns how many
 * manifests. Throws OutputDirError, having written nothing, when DIR is a file, a folder neither
 * empty nor marked, or a marked folder holding a file it did not write where it would write one.
 */
export function writeRenderedOutput(run: ProgramRun, outDir: string): number {
  const state = checkOutputDir(outDir);
  const files = renderedFiles(run);
  refuseBlockedPaths(outDir, files.keys());
  const previous = new Set(state.kind === "ours" ? state.previousFiles : []);
  const foreign = [...files.keys()].filter(
    (file) => !previous.has(file) && isFileOrLink(path.join(outDir, file)),
  );
  if (foreign.length > 0) {
    throw new OutputDirError(
      `${outDir} was written by an earlier render, but not ${foreign.join(", ")}, which this ` +
        "render would overwrite, so nothing was written. Move it out of the folder first.",
    );
  }
  for (const file of previous) {
    const target = path.join(outDir, file);
    if (isFileOrLink(target)) unlinkSync(target);
  }
  mkdirSync(path.join(outDir, manifestFolder), { recursive: true });
  // The marker first: a render interrupted halfway still leaves a folder it may clean up.
  writeFileSync(path.join(outDir, outputMarkerFile), outputMarker([...files.keys()]));
  for (const [file, content] of files) writeFileSync(path.join(outDir, file), content);
  return run.resources.filter(isKubernetesObject).length;
}
