// A program of the offline image set (scripts/images.sh), for the tests that run the real one on a
// generated configuration: the gateway's and alert sink's nginx, Alloy's `alloy validate`.
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { projectRoot } from "../../tools/project-root";

/** `file` of image `image`'s binaries, or undefined when they are not built on this machine. */
export function imageBinary(image: string, file: string): string | undefined {
  const found = spawnSync("bash", [path.join(projectRoot, "scripts", "images.sh"), "bin", image], {
    encoding: "utf8",
  });
  return found.status === 0 ? path.join(found.stdout.trim(), file) : undefined;
}
