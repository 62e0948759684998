// Which files `npm run policy -- --manifests <path>` reads, and reading one. A folder is walked
// with its links followed, so that everything `kubectl apply -R -f` could pick up is checked, but
// each folder and file is visited once by its real path (two links to one file count once), and:
// - a link back to a folder that contains it (a loop) is refused, naming the link;
// - a link that leaves the folder being checked is refused too: the run checks that folder, and
//   silently skipping what the link points to would pass objects a deploy of the folder applies.
//   Check the folder the link points into, or copy the file in.
import {
  closeSync,
  fstatSync,
  openSync,
  readdirSync,
  readFileSync,
  realpathSync,
  statSync,
} from "node:fs";
import * as path from "node:path";

/**
 * Largest manifest file read: 64 MiB. etcd keeps one object under about 1.5 MiB and the API
 * server takes request bodies up to 3 MiB, so real manifest files stay far below it, and a
 * folder's largest rendered file (or a 50 MB ConfigMap value in the benchmark) passes; a runaway
 * file (a disk image, a log) is refused at once instead of exhausting memory and minutes.
 */
export const maxManifestBytes = 64 * 1024 * 1024;

/** File names read from a folder; a file named on the command line is read whatever its name. */
export const manifestExtensions: readonly string[] = [".yaml", ".yml", ".json"];

export interface ManifestFile {
  /** The path as found from the target (what messages name). */
  readonly path: string;
  /** Where it really is, after links: what is read. */
  readonly realPath: string;
}

const within = (root: string, real: string) =>
  real === root || real.startsWith(root.endsWith(path.sep) ? root : `${root}${path.sep}`);

/** The manifest files under `target` (or `target` itself), in path order. */
export function manifestFiles(target: string): ManifestFile[] {
  let stats;
  try {
    stats = statSync(target);
  } catch {
    throw new Error(`${target}: no such file or folder`);
  }
  if (stats.isFile()) return [{ path: target, realPath: realpathSync(target) }];
  if (!stats.isDirectory()) throw new Error(`${target}: not a regular file or a folder`);
  const root = realpathSync(target);
  const files: ManifestFile[] = [];
  const seen = new Set<string>([root]);
  const walk = (dir: string, ancestors: readonly string[]) => {
    for (const name of readdirSync(dir).sort()) {
      const shown = path.join(dir, name);
      let realPath: string;
      try {
        realPath = realpathSync(shown);
      } catch {
        continue; // a dangling link points at nothing to check
      }
      const entry = statSync(realPath);
      const isManifest =
        entry.isFile() && manifestExtensions.includes(path.extname(name).toLowerCase());
      if (!entry.isDirectory() && !isManifest) {
        if (manifestExtensions.includes(path.extname(name).toLowerCase())) {
          throw new Error(
            `${shown}: not a regular file (a device, pipe or socket); nothing to read`,
          );
        }
        continue;
      }
      if (!within(root, realPath)) {
        throw new Error(
          `${shown}: a link to ${realPath}, outside ${target}; the runner reads only what is ` +
            "inside the folder it checks (check that folder instead, or copy the file in)",
        );
      }
      if (entry.isDirectory() && ancestors.includes(realPath)) {
        throw new Error(`${shown}: a link to ${realPath}, a folder that contains it (a loop)`);
      }
      if (seen.has(realPath)) continue; // already read through another path
      seen.add(realPath);
      if (entry.isDirectory()) walk(shown, [...ancestors, realPath]);
      else files.push({ path: shown, realPath });
    }
  };
  walk(target, [root]);
  if (files.length === 0) {
    throw new Error(`${target}: no .yaml, .yml or .json file in this folder, so nothing to check`);
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** The text of one manifest file, refused above maxManifestBytes before any of it is read. */
export function readManifestFile(file: ManifestFile): string {
  let fd: number;
  try {
    fd = openSync(file.realPath, "r");
  } catch (error) {
    throw new Error(`${file.path}: cannot read: ${(error as Error).message}`);
  }
  try {
    const size = fstatSync(fd).size;
    if (size > maxManifestBytes) {
      throw new Error(
        `${file.path}: ${size} bytes, over the ${maxManifestBytes / 1024 / 1024} MiB limit for ` +
          "one manifest file (a Kubernetes object is at most about 1.5 MiB); split it",
      );
    }
    return readFileSync(fd, "utf8");
  } finally {
    closeSync(fd);
  }
}
