// A scratch folder that exists only while `work` runs: removed afterwards, whether `work`
// returns or throws (for an async `work`, once its promise settles), so commands leave nothing
// behind in the temporary directory.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";

export function withScratchDir<T>(prefix: string, work: (dir: string) => T): T {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  let result: T;
  try {
    result = work(dir);
  } catch (error) {
    remove();
    throw error;
  }
  if (result instanceof Promise) return result.finally(remove) as T;
  remove();
  return result;
}
