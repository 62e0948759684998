// `npm run policy`: the command in-process (runPolicyCommand), its output, flags and exit codes.
import { EventEmitter } from "node:events";
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { Writable } from "node:stream";
import { stringify } from "yaml";
import type * as PolicyCommand from "../tools/policy";
import { tempFolder } from "./support/temp";
import { pipeSafe } from "../tools/command-io";
import { runPolicyCommand } from "../tools/policy";
import { clone, compliantDeployment } from "./policies/support";
import { vendorChart, vendorConfigMap, vendorDeployment } from "./policies/fixtures/third-party";

/* eslint-disable @typescript-eslint/no-explicit-any -- JSON reports are inspected loosely */

function folder(files: Record<string, string>): string {
  return tempFolder("toolboxai-policy-command-", files);
}

/** The command with its output collected; `--root <dir>` (last) stands in for the repository. */
async function policyCommand(...argv: string[]) {
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

const privileged = clone(compliantDeployment());
privileged.spec.template.spec.containers[0].securityContext.privileged = true;

describe("--manifests", () => {
  test("checks manifests, prints JSON, and exits 1 on a mandatory violation", async () => {
    const dir = folder({ "deploy.yaml": stringify(privileged) });
    const result = await policyCommand("--manifests", dir, "--env", "production", "-f", "json");
    expect(result.status).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report.target).toEqual({
      manifests: dir,
      env: "production",
      envFrom: "--env",
      configFile: "policies/config/production.json",
    });
    expect(
      report.violations.find((finding: any) => finding.policy === "no-privileged-containers"),
    ).toMatchObject({
      severity: "critical",
      enforcement: "mandatory",
      resource: {
        type: "kubernetes:apps/v1:Deployment",
        name: "api",
        namespace: "toolboxai",
        kind: "Deployment",
      },
    });
    expect(report.summary).toMatchObject({ checked: 1, unmodelled: 0, passed: false });
    expect(result.stderr).toBe("");
  });

  test("a folder of .json manifests is checked", async () => {
    const dir = folder({ "a.json": JSON.stringify(privileged), "b.json": "{}" });
    const result = await policyCommand("--manifests", dir, "--format", "json");
    expect(result).toMatchObject({ status: 2, stdout: "" });
    expect(result.stderr).toBe(
      `${path.join(dir, "b.json")}: document 0: missing apiVersion or kind\n`,
    );
    writeFileSync(path.join(dir, "b.json"), JSON.stringify({ apiVersion: "v1", kind: "Service" }));
    const checked = await policyCommand("--manifests", dir, "--format", "json");
    expect(checked.status).toBe(1);
    expect(JSON.parse(checked.stdout).summary).toMatchObject({ checked: 2, passed: false });
  });

  test("a run that checks no document exits 2, naming the path", async () => {
    const dir = folder({ "empty.yaml": "", "only-separators.yaml": "---\n", "notes.txt": "x" });
    const emptyFolder = folder({});
    const noManifests = folder({ "notes.txt": "x" });
    const cases: [string, string][] = [
      [path.join(dir, "empty.yaml"), "no Kubernetes object in this file"],
      [path.join(dir, "only-separators.yaml"), "no Kubernetes object in this file"],
      [dir, "no Kubernetes object in its 2 manifest file(s)"],
      [emptyFolder, "no .yaml, .yml or .json file in this folder"],
      [noManifests, "no .yaml, .yml or .json file in this folder"],
    ];
    for (const [target, message] of cases) {
      const result = await policyCommand("--manifests", target);
      expect([target, result.status, result.stdout]).toEqual([target, 2, ""]);
      expect(result.stderr).toContain(`${target}: ${message}`);
    }
  });

  test("documents that no enabled policy reads are not a pass", async () => {
    const dir = folder({
      "certificate.yaml":
        "apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata: {name: c, namespace: toolboxai}\n",
    });
    const root = folder({
      "policies/config/bare.json": JSON.stringify({
        "no-default-namespace": "disabled",
        "no-deprecated-apis": "disabled",
      }),
    });
    const result = await policyCommand("--manifests", dir, "--env", "bare", "--root", root);
    expect(result).toEqual({
      status: 2,
      stdout: "",
      stderr:
        `${dir}: no policy enabled in policies/config/bare.json reads any of its 1 document(s), ` +
        "so nothing was checked\n",
    });
  });

  test("removed APIs of kinds the pack does not model fail; the report says who read them", async () => {
    const dir = folder({
      "cluster.yaml":
        "apiVersion: flowcontrol.apiserver.k8s.io/v1beta2\nkind: FlowSchema\nmetadata: {name: fs}\n" +
        "---\napiVersion: policy/v1beta1\nkind: PodSecurityPolicy\nmetadata: {name: psp}\n",
    });
    const file = path.join(dir, "cluster.yaml");
    const json = await policyCommand("--manifests", dir, "--format", "json");
    expect(json.status).toBe(1);
    const report = JSON.parse(json.stdout);
    expect(
      report.violations
        .filter((finding: any) => finding.policy === "no-deprecated-apis")
        .map((finding: any) => finding.resource.kind),
    ).toEqual(["FlowSchema", "PodSecurityPolicy"]);
    const readBy = ["no-default-namespace", "no-deprecated-apis"];
    expect(report.unmodelled).toEqual([
      {
        file,
        index: 0,
        apiVersion: "flowcontrol.apiserver.k8s.io/v1beta2",
        kind: "FlowSchema",
        name: "fs",
        readBy,
      },
      {
        file,
        index: 1,
        apiVersion: "policy/v1beta1",
        kind: "PodSecurityPolicy",
        name: "psp",
        readBy,
      },
    ]);
    expect(report.summary).toMatchObject({ checked: 2, unmodelled: 2, passed: false });
    expect(report).not.toHaveProperty("skipped");

    const text = await policyCommand("--manifests", dir);
    expect(text.stdout).toContain(
      "    Kinds this pack does not model, read only by the generic rules:\n" +
        `        - ${file} document 0: flowcontrol.apiserver.k8s.io/v1beta2 FlowSchema fs: ` +
        "no-default-namespace, no-deprecated-apis\n",
    );
    expect(text.stdout).toMatch(
      /\n\d+ mandatory, 0 advisory violation\(s\) in 2 document\(s\), 2 of them read only by the generic rules\n$/,
    );
  });
});

const defaultEnvLine =
  "policy config: policies/config/production.json (the default; --env dev|staging|production " +
  "to choose)\n";

describe("without --env", () => {
  test("--manifests and --list say on their first line which config they used", async () => {
    const dir = folder({ "deploy.yaml": stringify(compliantDeployment()) });
    const manifests = await policyCommand("--manifests", dir);
    expect(manifests.stdout.startsWith(`${defaultEnvLine}Policies:\n`)).toBe(true);
    const list = await policyCommand("--list");
    expect(list.stdout.startsWith(`${defaultEnvLine}POLICY `)).toBe(true);
    // With --env the choice is the user's: no such line.
    expect((await policyCommand("--manifests", dir, "--env", "production")).stdout).toMatch(
      /^Policies:\n/,
    );
    expect((await policyCommand("--list", "--env", "production")).stdout).toMatch(/^POLICY /);
  });

  test("the JSON reports say so too, with envFrom", async () => {
    const dir = folder({ "deploy.yaml": stringify(compliantDeployment()) });
    const manifests = JSON.parse((await policyCommand("--manifests", dir, "-f", "json")).stdout);
    expect(manifests.target).toEqual({
      manifests: dir,
      env: "production",
      envFrom: "default",
      configFile: "policies/config/production.json",
    });
    const list = JSON.parse((await policyCommand("--list", "-f", "json")).stdout);
    expect(list).toMatchObject({
      env: "production",
      envFrom: "default",
      configFile: "policies/config/production.json",
    });
    const chosen = JSON.parse((await policyCommand("--list", "--env", "dev", "-f", "json")).stdout);
    expect(chosen).toMatchObject({ env: "dev", envFrom: "--env" });
  });
});

describe("--profile portable (third-party YAML)", () => {
  const chart = () =>
    folder({
      "chart.yaml": vendorChart()
        .map((o) => stringify(o))
        .join("---\n"),
    });

  test("a chart that breaks only house conventions fails without it, passes with it", async () => {
    const dir = chart();
    const strict = await policyCommand("--manifests", dir, "--env", "production", "-f", "json");
    expect(strict.status).toBe(1);
    const strictReport = JSON.parse(strict.stdout);
    const failed = new Set(strictReport.violations.map((finding: any) => finding.policy));
    for (const name of [
      "recommended-labels",
      "probes-differ",
      "image-pull-policy",
      "probe-timing",
    ]) {
      expect({ name, failed: failed.has(name) }).toEqual({ name, failed: true });
    }

    const result = await policyCommand("--manifests", dir, "--profile", "portable", "-f", "json");
    expect(result).toMatchObject({ status: 0, stderr: "" });
    const report = JSON.parse(result.stdout);
    expect(report.target).toEqual({
      manifests: dir,
      env: "production",
      envFrom: "default",
      configFile: "policies/config/production.json",
      profile: "portable",
      profileFile: "policies/config/profiles/portable.json",
    });
    expect(report.summary).toMatchObject({ mandatory: 0, passed: true, checked: 4 });
    const labels = report.violations.filter(
      (finding: any) => finding.policy === "recommended-labels",
    );
    expect(labels.length).toBeGreaterThan(0);
    for (const finding of labels) {
      expect(finding).toMatchObject({ enforcement: "advisory", relaxedBy: "portable" });
    }
    // priority-class is advisory in production already: not the profile's doing.
    expect(
      report.violations.find((finding: any) => finding.policy === "priority-class"),
    ).not.toHaveProperty("relaxedBy");
    expect(report.summary.relaxedByProfile).toBe(
      report.violations.filter((finding: any) => finding.relaxedBy).length,
    );
  });

  test("text: the profile's line, and its advisory findings marked", async () => {
    const dir = chart();
    const result = await policyCommand("--manifests", dir, "--profile", "portable");
    expect(result.status).toBe(0);
    const lines = result.stdout.split("\n");
    expect(lines[0]).toBe(defaultEnvLine.trimEnd());
    expect(lines[1]).toMatch(
      /^profile portable: policies\/config\/profiles\/portable\.json makes \d+ mandatory policies of policies\/config\/production\.json advisory and replaces settings of \d+; the security and secrets rules stay as the env sets them$/,
    );
    expect(lines[3]).toBe(
      `    ✅ toolboxai-policies (local: policies) on ${dir} (production policy config, profile portable)`,
    );
    expect(result.stdout).toContain(
      "- [advisory]  [severity: medium]  probes-differ (profile portable)",
    );
    expect(result.stdout).toMatch(
      /\n0 mandatory, \d+ advisory violation\(s\) in 4 document\(s\); \d+ of the advisory ones from policies the profile made advisory\n$/,
    );
  });

  test.each<[string, () => any[], string]>([
    [
      "a privileged container",
      () => {
        const deployment = vendorDeployment();
        deployment.spec.template.spec.containers[0].securityContext.privileged = true;
        return [deployment];
      },
      "no-privileged-containers",
    ],
    [
      "a Secret value in a ConfigMap",
      () => {
        const configMap = vendorConfigMap();
        configMap.data["cache.conf"] += "password = Sup3r-s3cret-cache-pw\n";
        return [configMap];
      },
      "no-secrets-in-configmaps",
    ],
  ])("still fails on %s, a security rule", async (_case, objects, policy) => {
    const dir = folder({
      "chart.yaml": objects()
        .map((o) => stringify(o))
        .join("---\n"),
    });
    const result = await policyCommand("--manifests", dir, "--profile", "portable", "-f", "json");
    expect(result.status).toBe(1);
    const mandatory = JSON.parse(result.stdout)
      .violations.filter((finding: any) => finding.enforcement === "mandatory")
      .map((finding: any) => finding.policy);
    expect([...new Set(mandatory)]).toEqual([policy]);
  });

  test("--list --profile portable: each policy's decision and reason", async () => {
    const json = JSON.parse(
      (await policyCommand("--list", "--env", "dev", "--profile", "portable", "-f", "json")).stdout,
    );
    expect(json).toMatchObject({
      env: "dev",
      envFrom: "--env",
      profile: "portable",
      profileFile: "policies/config/profiles/portable.json",
    });
    const byName = new Map(json.policies.map((policy: any) => [policy.name, policy]));
    expect(byName.get("probe-timing")).toMatchObject({
      enforcement: "advisory",
      profile: { decision: "advisory", relaxed: true, reason: expect.stringContaining("timing") },
    });
    expect(byName.get("no-privileged-containers")).toMatchObject({
      enforcement: "mandatory",
      profile: { decision: "kept", relaxed: false },
    });
    expect(byName.get("run-as-non-root")).toMatchObject({
      enforcement: "mandatory",
      config: { minimumId: 1 },
      profile: { decision: "kept", settings: { minimumId: 1 } },
    });
    // backup-schedule is advisory in dev already: the profile relaxes nothing there.
    expect(byName.get("backup-schedule")).toMatchObject({
      enforcement: "advisory",
      profile: { decision: "advisory", relaxed: false },
    });

    const text = await policyCommand("--list", "--env", "dev", "--profile", "portable");
    const lines = text.stdout.split("\n");
    const labels = lines.findIndex((line) => line.startsWith("recommended-labels "));
    expect(lines[labels]).toMatch(/^recommended-labels +low +advisory /);
    expect(lines[labels + 2]).toMatch(
      /^ {4}profile portable: advisory instead of mandatory: This platform's label set/,
    );
  });

  test("--profile with --stack is refused; an unknown profile names the available ones", async () => {
    expect(await policyCommand("--stack", "dev", "--profile", "portable")).toEqual({
      status: 2,
      stdout: "",
      stderr:
        "--profile is not used with --stack: --stack dev checks this program's own resources " +
        "with policies/config/dev.json in full; --profile applies to --manifests and --list, " +
        "for YAML this program did not render\n",
    });
    const dir = chart();
    expect(await policyCommand("--manifests", dir, "--profile", "lenient")).toEqual({
      status: 2,
      stdout: "",
      stderr:
        'unknown profile "lenient": there is no policies/config/profiles/lenient.json; ' +
        "available profiles: portable\n",
    });
    expect((await policyCommand("--list", "--profile", "lenient")).status).toBe(2);
  });

  test("a profile that names no policy of the pack is bad input, exit 2", async () => {
    const root = folder({
      "policies/config/production.json": "{}",
      "policies/config/profiles/typo.json": JSON.stringify({
        description: "A profile with a typo.",
        policies: { "probe-timings": { decision: "advisory", reason: "a reason here" } },
      }),
    });
    const result = await policyCommand("--list", "--profile", "typo", "--root", root);
    expect(result).toEqual({
      status: 2,
      stdout: "",
      stderr:
        `profile ${path.join(root, "policies", "config", "profiles", "typo.json")}: ` +
        'policies.probe-timings: "probe-timings" is not a policy of the pack (--list names them)\n',
    });
  });
});

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
    "../tools/engine/mock-engine",
    "../tools/policy-resources",
    "../index",
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
    const command = require("../tools/policy") as typeof PolicyCommand;
    const sink = { write: () => true };
    const io = { stdout: sink, stderr: sink, env: {}, cwd: process.cwd() };
    const dir = folder({ "deploy.yaml": stringify(compliantDeployment()) });
    expect(await command.runPolicyCommand(["--manifests", dir], io)).toBe(1);
    expect(await command.runPolicyCommand(["--list"], io)).toBe(0);
  });
  for (const name of heavy) jest.dontMock(name);
  expect(loaded).toEqual([]);
});
