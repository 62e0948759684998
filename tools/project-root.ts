// The repository root: the nearest folder above this file that holds Pulumi.yaml. Found rather
// than computed from a fixed depth, so it is right both for the TypeScript sources (tools/...)
// and for their bundles in dist/. Loads nothing heavy: every command can import it.
import { existsSync } from "node:fs";
import * as path from "node:path";

function findProjectRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, "Pulumi.yaml"))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no Pulumi.yaml above ${start}`);
  }
}

export const projectRoot = findProjectRoot(__dirname);
