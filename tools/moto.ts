// moto, the S3-compatible server the backup tests and the e2e's bucket stand-in run: installed
// outside the clone by scripts/install-backup-test-tools.sh.
import { homedir } from "node:os";
import * as path from "node:path";

/** moto's S3-compatible server, installed by scripts/install-backup-test-tools.sh. */
export function motoServerPath(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(
    env.TOOLBOXAI_CACHE ?? path.join(homedir(), ".cache", "toolboxai"),
    "backup-test-tools",
    "venv",
    "bin",
    "moto_server",
  );
}
