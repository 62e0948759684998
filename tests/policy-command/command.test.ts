// `npm run policy`: --stack (the only file here that runs the program, under mocks), --list, the
// arguments and exit codes, a closed stdout, and what --manifests and --list do not load.
import { EventEmitter } from "node:events";
import { Writable } from "node:stream";
import { stringify } from "yaml";
import { pipeSafe } from "../../tools/command-io";
import type * as PolicyCommand from "../../tools/policy";
import { compliantDeployment } from "../policies/support";
import { folder, policyCommand, privileged } from "./support";

/* eslint-disable @typescript-eslint/no-explicit-any -- JSON reports are inspected loosely */

test("--stack runs the program under mocks (loaded only then) with that stack's config", async () => {
  const result = await policyCommand("--stack", "dev", "--format", "json");
  expect([0, 1]).toContain(result.status);
  const report = JSON.parse(result.stdout);
  expect(report.target).toEqual({ stack: "dev", configFile: "policies/config/dev.json" });
  expect(report.summary.checked).toBeGreaterThan(10);
  expect(report.unmodelled).toEqual([]);
});

describe("--list", () => {
  test("--format json: name, severity, enforcement for the env, description, remediation, config", async () => {
    const result = await policyCommand("--list", "--env", "dev", "--format", "json");
    expect(result.status).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ env: "dev", configFile: "policies/config/dev.json" });
    const byName = new Map(report.policies.map((policy: any) => [policy.name, policy]));
    const cronJob: any = byName.get("cronjob-deadline");
    expect(Object.keys(cronJob)).toEqual([
      "name",
      "severity",
      "enforcement",
      "description",
      "remediation",
      "configSchema",
      "config",
    ]);
    expect(cronJob).toMatchObject({
      severity: "medium",
      enforcement: "mandatory",
      remediation: expect.stringContaining("startingDeadlineSeconds"),
      config: { minimumStartingDeadlineSeconds: 10, exemptions: [] },
    });
    expect(cronJob.configSchema.minimumStartingDeadlineSeconds).toMatchObject({
      type: "integer",
      default: 10,
    });
    // dev.json overrides replicas-min's minReplicas; the schema keeps the default.
    const replicas: any = byName.get("replicas-min");
    expect(replicas.config.minReplicas).toBe(1);
    expect(replicas.configSchema.minReplicas.default).not.toBe(1);
    expect((byName.get("backup-schedule") as any).enforcement).toBe("advisory");
  });

  test("text: each policy's config keys with their defaults, and the env's values", async () => {
    const result = await policyCommand("--list", "--env", "dev");
    expect(result.status).toBe(0);
    const lines = result.stdout.split("\n");
    const cronJob = lines.findIndex((line) => line.startsWith("cronjob-deadline "));
    expect(lines[cronJob]).toMatch(/^cronjob-deadline +medium +mandatory +A CronJob sets/);
    expect(lines[cronJob + 1]).toBe(
      "    config: minimumStartingDeadlineSeconds = 10; " +
        'allowedConcurrencyPolicies = ["Allow","Forbid","Replace"]; exemptions = []',
    );
    const replicas = lines.findIndex((line) => line.startsWith("replicas-min "));
    expect(lines[replicas + 1]).toMatch(/minReplicas = 1 \(default \d+\)/);
    const deprecated = lines.findIndex((line) => line.startsWith("no-deprecated-apis "));
    expect(lines[deprecated + 1]).toMatch(/^ {4}config: deprecatedApiVersions = \[\d+ entries\];/);
  });

  test("--list with --manifests is refused", async () => {
    const result = await policyCommand("--list", "--manifests", "x");
    expect(result).toMatchObject({ status: 2, stdout: "" });
    expect(result.stderr).toContain("--list checks nothing");
  });
});

describe("arguments", () => {
  test("--env with --stack is an error, not silently ignored", async () => {
    const result = await policyCommand("--stack", "dev", "--env", "staging");
    expect(result).toEqual({
      status: 2,
      stdout: "",
      stderr:
        "--env is not used with --stack: --stack dev uses policies/config/dev.json; --env " +
        "applies to --manifests and --list\n",
    });
  });

  test("an unknown stack or env names the available ones", async () => {
    expect(await policyCommand("--stack", "prod")).toEqual({
      status: 2,
      stdout: "",
      stderr:
        'unknown stack "prod": --stack <name> needs Pulumi.<name>.yaml and ' +
        "policies/config/<name>.json; available stacks: dev, production, staging\n",
    });
    const dir = folder({ "deploy.yaml": stringify(privileged) });
    expect(await policyCommand("--manifests", dir, "--env", "prod")).toEqual({
      status: 2,
      stdout: "",
      stderr:
        'unknown env "prod": there is no policies/config/prod.json; available envs: dev, ' +
        "production, staging\n",
    });
    expect((await policyCommand("--list", "--env", "prod")).status).toBe(2);
  });

  test("bad arguments exit 2, never 1 (which means a violation)", async () => {
    const missing = await policyCommand("--manifests", "/nonexistent/path");
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain("/nonexistent/path: no such file or folder");
    expect(await policyCommand("--env", "production")).toMatchObject({
      status: 2,
      stderr: "give exactly one of --stack <name> or --manifests <path> (or --list)\n",
    });
    const unknown = await policyCommand("--manifest", "x");
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain("unknown option '--manifest'");
    const format = await policyCommand("--list", "--format", "yaml");
    expect(format.status).toBe(2);
    expect(format.stderr).toContain("Allowed choices are text, json");
  });

  test("--help lists the exit codes and `npm run -s` for JSON", async () => {
    const result = await policyCommand("--help");
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(
      "Exit codes:\n" +
        "  0  passed: no mandatory violation (advisory ones are still printed)\n" +
        "  1  at least one mandatory violation\n" +
        "  2  bad input or nothing checked:",
    );
    expect(result.stdout).toContain("npm run -s policy -- --stack dev --format json");
    expect(result.stdout).toContain("-p, --profile <name>");
    expect(result.stdout).toContain("--profile portable is for YAML this program did not render");
    expect(result.stdout).toContain(
      "npm run policy -- --manifests vendor/chart.yaml --profile portable",
    );
    expect(result.stdout).toContain("npm run -s policy --");
  });
});

test("stdout closed by the reader (`| head`): later writes are dropped, no error escapes", async () => {
  const closedPipe = new Writable({
    write(_chunk, _encoding, callback) {
      callback(Object.assign(new Error("write EPIPE"), { code: "EPIPE" }));
    },
  });
  const stdout = pipeSafe(closedPipe);
  stdout.write("first line\n");
  await new Promise((resolve) => setImmediate(resolve));
  expect(closedPipe.destroyed).toBe(true);
  expect(() => stdout.write("second line\n")).not.toThrow();
  // Any other stream error still ends the process.
  const disk = Object.assign(new EventEmitter(), { write: () => true });
  pipeSafe(disk as unknown as NodeJS.WritableStream);
  expect(() =>
    disk.emit("error", Object.assign(new Error("disk full"), { code: "ENOSPC" })),
  ).toThrow("disk full");
});

test("--manifests and --list load neither @pulumi/pulumi, @pulumi/kubernetes nor the program", async () => {
  const loaded: string[] = [];
  const heavy = [
    "@pulumi/pulumi",
    "@pulumi/kubernetes",
    "../../tools/engine/mock-engine",
    "../../tools/policy-resources",
    "../../index",
  ];
  await jest.isolateModulesAsync(async () => {
    for (const name of heavy) {
      jest.doMock(name, () => {
        loaded.push(name);
        return {};
      });
    }
    // A fresh copy of the command in this isolated registry (`import()` here would need a .js
    // suffix under node16 resolution, which jest does not map back to .ts).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const command = require("../../tools/policy") as typeof PolicyCommand;
    const sink = { write: () => true };
    const io = { stdout: sink, stderr: sink, env: {}, cwd: process.cwd() };
    const dir = folder({ "deploy.yaml": stringify(compliantDeployment()) });
    expect(await command.runPolicyCommand(["--manifests", dir], io)).toBe(1);
    expect(await command.runPolicyCommand(["--list"], io)).toBe(0);
  });
  for (const name of heavy) jest.dontMock(name);
  expect(loaded).toEqual([]);
});
