// The renderDir key's path: absolute, normalised, and not a system folder.
import * as path from "node:path";
import { z } from "zod";

const renderDirMessage =
  "must be empty (deploy to the cluster) or an absolute folder path, where the provider then " +
  "writes the manifests instead of applying them";
const renderDirPathMessage =
  "must be a normalised absolute path of letters, digits, '.', '_', '-' and '/' (no '..', " +
  "'//' or trailing '/'), such as /tmp/toolboxai-render";

/** Folders of the operating system: a render into them, or into anything under them, is refused. */
export const systemFolders: readonly string[] = [
  "/bin",
  "/boot",
  "/dev",
  "/etc",
  "/lib",
  "/lib32",
  "/lib64",
  "/proc",
  "/sbin",
  "/sys",
  "/usr",
];

/**
 * Why `folder` (absolute, normalised) is no place for a render, or undefined: it is the root or a
 * top-level folder (/tmp, /home: shared by everything), or in an operating system folder.
 */
export function systemFolderProblem(folder: string): string | undefined {
  const system = systemFolders.find((root) => folder === root || folder.startsWith(`${root}/`));
  const why =
    system !== undefined
      ? `is the operating system's folder ${system} or inside it`
      : path.posix.dirname(folder) === "/" || folder === "/"
        ? "is the root or a top-level folder, shared by everything on the machine"
        : undefined;
  return why && `${why}: name a folder of the render's own, such as /tmp/toolboxai-render`;
}

/** Absolute, normalised (no '.' or '..' segment, no '//', no trailing '/'), shell-safe. */
const renderDirPattern = /^(\/(?!\.\.?(\/|$))[A-Za-z0-9._-]+)+$/;

/** An absolute, normalised path outside the system folders, or empty (`renderDir`). */
export const renderDirPath = z
  .string({ error: renderDirMessage })
  .refine((value) => value === "" || path.posix.isAbsolute(value), {
    error: renderDirMessage,
    abort: true,
  })
  // The system folder check reads the normalised path, so /etc/../etc is named as /etc.
  .refine(
    (value) => value === "" || systemFolderProblem(path.posix.normalize(value)) === undefined,
    {
      error: (issue) => systemFolderProblem(path.posix.normalize(String(issue.input))),
      abort: true,
    },
  )
  .refine((value) => value === "" || renderDirPattern.test(value), {
    error: renderDirPathMessage,
  });
