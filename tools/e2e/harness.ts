// What every phase of `npm run e2e` shares: the Pulumi CLI run in the scratch project, and checks
// that are timed, printed as they finish, and collected for the summary.
import { spawnSync } from "node:child_process";
import { kubernetesFormConfig } from "../engine/stack-config";

export interface Result {
  readonly code: number;
  readonly output: string;
}

export interface Check {
  readonly stack: string;
  readonly name: string;
  readonly passed: boolean;
  readonly detail: string;
  readonly seconds: number;
}

export interface Harness {
  /** `pulumi <args> --stack <stack>` in the scratch project, non-interactive. */
  pulumi(stack: string, ...args: string[]): Result;
  /** Runs one check: it passes when `run` returns undefined, fails with the text it returns. */
  check(stack: string, name: string, run: () => string | undefined): boolean;
  /** Undefined when the command exited with `code`, otherwise what it printed. */
  expectExit(result: Result, code: number): string | undefined;
  /** `--policy-pack` arguments with the named stack's policy config. */
  policyArgs(configStack: string): string[];
  readonly checks: readonly Check[];
}

/**
 * The part of a failed check's output that says why: Pulumi's mandatory policy violations and
 * errors with the lines that explain them, else the last 25 lines (the stack outputs Pulumi
 * prints last would hide them).
 */
export function failureSummary(detail: string): string {
  const lines = detail.trim().split("\n");
  const reasons = lines.flatMap((line, index) =>
    /\[mandatory\]|^\s*error:/.test(line) ? lines.slice(index, index + 3) : [],
  );
  return (reasons.length > 0 ? [lines[0], ...reasons] : lines.slice(-25)).join("\n");
}

export function createHarness(project: string, env: NodeJS.ProcessEnv): Harness {
  const checks: Check[] = [];
  return {
    checks,
    pulumi(stack, ...args) {
      const result = spawnSync(
        "pulumi",
        [...args, "--stack", stack, "--non-interactive", "--color", "never"],
        { cwd: project, env, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 },
      );
      return { code: result.status ?? -1, output: `${result.stdout}${result.stderr}` };
    },
    check(stack, name, run) {
      const started = performance.now();
      let detail: string | undefined;
      try {
        detail = run();
      } catch (error) {
        detail = (error as Error).message;
      }
      const seconds = (performance.now() - started) / 1000;
      const passed = detail === undefined;
      checks.push({ stack, name, passed, detail: detail ?? "", seconds });
      console.log(
        `${passed ? "  ok  " : "  FAIL"} ${stack.padEnd(18)} ${name} (${seconds.toFixed(1)} s)` +
          (passed ? "" : `\n${failureSummary(detail!)}`),
      );
      return passed;
    },
    expectExit(result, code) {
      return result.code === code
        ? undefined
        : `exit ${result.code}, expected ${code}:\n${result.output}`;
    },
    policyArgs(configStack) {
      return [
        "--policy-pack",
        "policies",
        "--policy-pack-config",
        `policies/config/${configStack}.json`,
      ];
    },
  };
}

/**
 * Stand-ins for the bucket credentials of a stack whose backups go to S3 (production's example
 * bucket): set as secrets, as a user would (`pulumi config set --secret`), so that the program
 * renders the backup credentials Secret. They are not credentials of any bucket; the e2e never
 * reaches one. Nothing is set for a stack with volume storage. Undefined when done.
 */
export function standInBucketCredentials(harness: Harness, stack: string): string | undefined {
  const storage = harness.pulumi(stack, "config", "get", "--path", "toolboxai:backup.storage.type");
  if (storage.code !== 0 || storage.output.trim() !== "s3") return undefined;
  for (const [key, value] of [
    ["toolboxai:backupS3AccessKeyId", "e2e-stand-in-access-key-id"],
    ["toolboxai:backupS3SecretAccessKey", "e2e-stand-in-secret-access-key"],
  ]) {
    const set = harness.pulumi(stack, "config", "set", "--secret", key, value);
    if (set.code !== 0) return harness.expectExit(set, 0);
  }
  return undefined;
}

/** Switches a stack to its Kubernetes form. Undefined when done. */
export function kubernetesForm(harness: Harness, stack: string): string | undefined {
  for (const [key, value] of Object.entries(kubernetesFormConfig)) {
    const set = harness.pulumi(stack, "config", "set", key, value);
    if (set.code !== 0) return harness.expectExit(set, 0);
  }
  return undefined;
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
