// What every e2e suite shares: a scratch copy of the project (the CLI rewrites stack files) with a
// file backend and a throw-away passphrase, and its stacks driven through Pulumi's Automation API.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
} from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { LocalWorkspace, type Stack } from "@pulumi/pulumi/automation";
import { acceptExampleValuesVariable } from "../../components/config/examples";
import { projectRoot } from "../project-root";

export interface ScratchProject {
  /** The copy of the project the engine runs in. */
  readonly dir: string;
  /** The file backend's folder (the state files). */
  readonly state: string;
  /** A folder for whatever a suite writes besides the project (manifests, engines). */
  readonly work: string;
  /** The environment of every Pulumi command, for stacks created after a change (KUBECONFIG). */
  readonly envVars: Record<string, string>;
  /** A new stack of this project (or of `workDir`, another project inside it). */
  createStack(name: string, workDir?: string): Promise<Stack>;
  remove(): void;
}

/**
 * PATH and PULUMI_HOME of the engine scripts/install-pulumi.sh provides, set in this process so
 * that the Automation API finds the CLI. Throws, with the script's advice, when there is none.
 */
export function usePulumiEngine(): void {
  const installed = spawnSync("bash", [path.join(projectRoot, "scripts", "install-pulumi.sh")], {
    encoding: "utf8",
  });
  if (installed.status !== 0) {
    throw new Error(`no Pulumi engine (see docs/TESTING.md):\n${installed.stderr}`);
  }
  // `export PATH="…:$PATH" PULUMI_HOME="…" …`, or nothing when a pulumi on PATH is used.
  for (const [, key, value] of installed.stdout.matchAll(/([A-Z_]+)="([^"]*)"/g)) {
    process.env[key] = value.replace("$PATH", process.env.PATH ?? "");
  }
}

/** The files git tracks (plus untracked, unignored ones), copied; node_modules linked. */
function copyProject(target: string): void {
  const listed = spawnSync(
    "git",
    ["ls-files", "-z", "--cached", "--others", "--exclude-standard"],
    { cwd: projectRoot, encoding: "utf8" },
  );
  if (listed.status !== 0) throw new Error(`npm run e2e needs a git checkout: ${listed.stderr}`);
  for (const file of listed.stdout.split("\0").filter(Boolean)) {
    if (!existsSync(path.join(projectRoot, file))) continue;
    mkdirSync(path.dirname(path.join(target, file)), { recursive: true });
    cpSync(path.join(projectRoot, file), path.join(target, file));
  }
  symlinkSync(path.join(projectRoot, "node_modules"), path.join(target, "node_modules"));
}

/** The environment of the scratch project's Pulumi commands: its backend and temporary folder. */
function engineEnvironment(state: string, temporary: string): Record<string, string> {
  return {
    // The kubernetes provider writes a kubeconfig (the cluster's client key included) into the
    // temporary folder for every provider it starts, and leaves it: here, it goes with the rest.
    TMPDIR: temporary,
    PULUMI_BACKEND_URL: `file://${state}`,
    PULUMI_CONFIG_PASSPHRASE: randomBytes(16).toString("hex"),
    PULUMI_SKIP_UPDATE_CHECK: "true",
    // The stack files' example values (images no registry serves, recovery keys nobody has)
    // are what the e2e deploys: accepted by name, so pulumi up warns instead of refusing
    // (components/config/examples.ts). Never set outside the project's own test runs.
    [acceptExampleValuesVariable]: "1",
  };
}

/** A scratch copy of the project with its own backend; `remove()` deletes all of it. */
export function scratchProject(name: string): ScratchProject {
  usePulumiEngine();
  const root = mkdtempSync(path.join(tmpdir(), `toolboxai-e2e-${name}-`));
  const [dir, state, work, temporary] = ["project", "state", "work", "tmp"].map((folder) =>
    path.join(root, folder),
  );
  const remove = () => rmSync(root, { recursive: true, force: true });
  try {
    for (const folder of [state, work, temporary]) mkdirSync(folder);
    copyProject(dir);
  } catch (error) {
    remove();
    throw error;
  }
  const envVars = engineEnvironment(state, temporary);
  return {
    dir,
    state,
    work,
    envVars,
    createStack: (stackName, workDir = dir) =>
      LocalWorkspace.createStack({ stackName, workDir }, { envVars }),
    remove,
  };
}

/** `--policy-pack policies --policy-pack-config policies/config/<configStack>.json`. */
export function policyOf(project: ScratchProject, configStack: string) {
  return {
    policyPacks: [path.join(project.dir, "policies")],
    policyPackConfigs: [path.join(project.dir, "policies", "config", `${configStack}.json`)],
  };
}

/** A config value of the stack, or undefined when it has none. */
export async function configValue(stack: Stack, key: string, isPath = false) {
  try {
    return (await stack.getConfig(key, isPath)).value;
  } catch {
    return undefined;
  }
}

/**
 * Stand-ins for the bucket credentials of a stack whose backups go to S3 (production's example
 * bucket): set as secrets, as a user would (`pulumi config set --secret`), so that the program
 * renders the backup credentials Secret. They are not credentials of any bucket; the e2e never
 * reaches one. Nothing is set for a stack with volume storage.
 */
export async function setStandInBucketCredentials(stack: Stack): Promise<void> {
  if ((await configValue(stack, "toolboxai:backup.storage.type", true)) !== "s3") return;
  await stack.setAllConfig({
    "toolboxai:backupS3AccessKeyId": { value: "e2e-stand-in-access-key-id", secret: true },
    "toolboxai:backupS3SecretAccessKey": { value: "e2e-stand-in-secret-access-key", secret: true },
  });
}

/** Every file under `dir` (none when it does not exist). */
export function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name));
}

/** Whether a process of ours is still running (signal 0 checks, sends nothing). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The stacks and options `npm run e2e` passes to the suites (all stacks when run by jest alone). */
export const e2eOptions = {
  stacks: (process.env.TOOLBOXAI_E2E_STACKS ?? "dev,staging,production").split(","),
  keepManifests: process.env.TOOLBOXAI_E2E_KEEP_MANIFESTS || undefined,
};
