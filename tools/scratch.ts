// A scratch folder that exists only while `work` runs: removed afterwards, whether `work`
// returns or throws, so commands leave nothing behind in the temporary directory.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";

export function withScratchDir<T>(prefix: string, work: (dir: string) => T): T {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  try {
    return work(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
