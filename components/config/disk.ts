// Checks of the stack config that look at the disk: build contexts and renderDir. Not part of
// validateConfig, which reads no file; loadPlatformConfig runs them on the program's folder. The
// disk comes in as a DiskView, so the checks stay pure functions and tests pass a stand-in.
import { lstatSync, readdirSync, realpathSync } from "node:fs";
import * as path from "node:path";
import { systemFolderProblem } from "./schema";
import { fullKey, show, type ConfigProblem } from "./problems";
import type { PlatformConfig, ResolvedServices } from "./types";

/** What the checks read from the disk. */
export interface DiskView {
  /** The absolute path with `..` and links resolved, or undefined when nothing is there. */
  readonly realpath: (file: string) => string | undefined;
  /** A folder's entries, links not followed; undefined when it is not a folder. */
  readonly entries: (
    folder: string,
  ) => readonly { readonly name: string; readonly isFolder: boolean }[] | undefined;
}

/** The real disk. */
export const nodeDisk: DiskView = {
  realpath: (file) => {
    try {
      return realpathSync(file);
    } catch {
      return undefined;
    }
  },
  entries: (folder) => {
    if (!lstatSync(folder, { throwIfNoEntry: false })?.isDirectory()) return undefined;
    return readdirSync(folder, { withFileTypes: true }).map((entry) => ({
      name: entry.name,
      isFolder: entry.isDirectory(),
    }));
  },
};

function isInside(file: string, folder: string): boolean {
  const relative = path.relative(folder, file);
  return relative === "" || (!relative.startsWith("..") && !path.isAbsolute(relative));
}

/**
 * Each build's folder and Dockerfile exist (relative paths from the project folder) and, with `..`
 * and links resolved, lie inside the project unless `build.allowOutsideProject` says otherwise:
 * the engine sends the whole context to the Docker daemon.
 */
export function buildContextProblems(
  services: ResolvedServices,
  projectDir: string,
  disk: DiskView,
): ConfigProblem[] {
  const project = disk.realpath(projectDir) ?? path.resolve(projectDir);
  return Object.entries(services).flatMap(([name, settings]): ConfigProblem[] => {
    const build = settings?.build;
    if (!build) return [];
    const outside = (field: "context" | "dockerfile", resolved: string): ConfigProblem[] =>
      build.allowOutsideProject || isInside(resolved, project)
        ? []
        : [
            {
              key: fullKey(["services", name, "build", field]),
              shownValue: show(build[field]),
              message:
                `is outside the project folder ${project} (it resolves to ${resolved}), and the ` +
                "build sends its context to the Docker engine: keep the build inside the project, " +
                `or set services.${name}.build.allowOutsideProject: true`,
            },
          ];
    const contextPath = path.resolve(projectDir, build.context);
    const context = disk.realpath(contextPath);
    if (context === undefined) {
      return [
        {
          key: fullKey(["services", name, "build", "context"]),
          shownValue: show(build.context),
          message: `is not a folder: ${contextPath} does not exist`,
        },
      ];
    }
    // A context outside is the problem to name; its Dockerfile is then outside too.
    const contextOutside = outside("context", context);
    if (contextOutside.length > 0) return contextOutside;
    const dockerfilePath = path.resolve(contextPath, build.dockerfile);
    const dockerfile = disk.realpath(dockerfilePath);
    if (dockerfile === undefined) {
      return [
        {
          key: fullKey(["services", name, "build", "dockerfile"]),
          shownValue: show(build.dockerfile),
          message: `is not a file: ${dockerfilePath} does not exist`,
        },
      ];
    }
    return outside("dockerfile", dockerfile);
  });
}

/** What the kubernetes provider's renderYamlToDirectory writes: CRDs first, then the rest. */
export const providerRenderFolders: readonly string[] = ["0-crd", "1-manifest"];

/** `path`'s real location: its nearest existing ancestor with links resolved, then the rest. */
function resolvedPath(file: string, disk: DiskView): string {
  const real = disk.realpath(file);
  if (real !== undefined) return real;
  const parent = path.dirname(file);
  return parent === file ? file : path.join(resolvedPath(parent, disk), path.basename(file));
}

/**
 * renderDir, where links lead (the schema has checked the path as written): no system folder,
 * and either missing or a folder holding nothing but what the provider writes there, so that a
 * render never mixes its manifests with someone else's files (or deletes them).
 */
export function renderDirProblems(
  config: Pick<PlatformConfig, "renderDir">,
  disk: DiskView,
): ConfigProblem[] {
  if (config.renderDir === "") return [];
  const problem = (message: string): ConfigProblem[] => [
    { key: fullKey(["renderDir"]), shownValue: show(config.renderDir), message },
  ];
  const resolved = resolvedPath(config.renderDir, disk);
  const system = systemFolderProblem(resolved);
  if (system !== undefined) return problem(`resolves to ${resolved}, which ${system}`);
  if (disk.realpath(resolved) === undefined) return [];
  const entries = disk.entries(resolved);
  if (entries === undefined) return problem(`is not a folder (${resolved})`);
  const foreign = entries.filter(
    (entry) => !entry.isFolder || !providerRenderFolders.includes(entry.name),
  );
  if (foreign.length === 0) return [];
  return problem(
    `holds ${foreign.map((entry) => entry.name).join(", ")}, which no render wrote: the ` +
      `folder must be missing, empty, or hold only ${providerRenderFolders.join("/ and ")}/ ` +
      "from an earlier render; name another folder or empty this one",
  );
}
