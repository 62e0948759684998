// Shared by tests/policy-command/*.test.ts: `npm run policy` run in-process (runPolicyCommand)
// with its output collected, temporary folders, and the fixtures the files share.
import { runPolicyCommand } from "../../tools/policy";
import { clone, compliantDeployment } from "../policies/support";
import { tempFolder } from "../support/temp";

export function folder(files: Record<string, string>): string {
  return tempFolder("toolboxai-policy-command-", files);
}

/** The command with its output collected; `--root <dir>` (last) stands in for the repository. */
export async function policyCommand(...argv: string[]) {
  let stdout = "";
  let stderr = "";
  const root = argv.at(-2) === "--root" ? argv.at(-1) : undefined;
  const status = await runPolicyCommand(
    root ? argv.slice(0, -2) : argv,
    {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: (text: string) => (stderr += text) },
      env: {},
      cwd: process.cwd(),
    },
    root ? { projectRoot: root } : {},
  );
  return { status, stdout, stderr };
}

/** A compliant Deployment made privileged: a mandatory violation. */
export const privileged = clone(compliantDeployment());
privileged.spec.template.spec.containers[0].securityContext.privileged = true;

/** The first line of a run without --env. */
export const defaultEnvLine =
  "policy config: policies/config/production.json (the default; --env dev|staging|production " +
  "to choose)\n";
