// `npm run policy -- --manifests`: checking YAML and JSON files, and what a run without --env says.
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import { compliantDeployment } from "../policies/support";
import { defaultEnvLine, folder, policyCommand, privileged } from "./support";

/* eslint-disable @typescript-eslint/no-explicit-any -- JSON reports are inspected loosely */

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
