// Parsing kube-score and Checkov reports, and comparing findings with the baseline.
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import {
  checkovFindings,
  compareWithBaseline,
  kubeScoreFindings,
  type BaselineEntry,
} from "../tools/audit/findings";
import { withScratchDir } from "../tools/scratch";

const kubeScoreReport = [
  {
    type_meta: { kind: "Deployment", apiVersion: "apps/v1" },
    object_meta: { name: "backend", namespace: "toolboxai" },
    checks: [
      {
        check: { id: "container-image-pull-policy" },
        grade: 1,
        skipped: false,
        comments: [{ summary: "ImagePullPolicy is not set to Always" }],
      },
      { check: { id: "stable-version" }, grade: 10, skipped: false, comments: [] },
      { check: { id: "deployment-replicas" }, grade: 5, skipped: true, comments: null },
    ],
  },
];

const checkovReport = {
  results: {
    failed_checks: [
      {
        check_id: "CKV_K8S_43",
        check_name: "Image should use digest",
        resource: "Deployment.toolboxai.backend",
      },
      {
        check_id: "CKV_K8S_21",
        check_name: "The default namespace should not be used",
        resource: "PriorityClass.default.toolboxai-dev-critical",
      },
    ],
  },
};

test("kube-score: only graded, non-skipped checks below OK become findings", () => {
  expect(kubeScoreFindings(kubeScoreReport)).toEqual([
    {
      tool: "kube-score",
      check: "container-image-pull-policy",
      object: "Deployment/backend",
      message: "ImagePullPolicy is not set to Always",
    },
  ]);
});

test("Checkov: failed checks become findings named Kind/name", () => {
  expect(checkovFindings(checkovReport).map((finding) => [finding.check, finding.object])).toEqual([
    ["CKV_K8S_43", "Deployment/backend"],
    ["CKV_K8S_21", "PriorityClass/toolboxai-dev-critical"],
  ]);
});

test("a finding the baseline does not explain, and a baseline entry matching nothing, both fail", () => {
  const baseline: BaselineEntry[] = [
    { tool: "checkov", check: "CKV_K8S_43", objects: ["*"], reason: "tags are pinned" },
    {
      tool: "kube-score",
      check: "deployment-replicas",
      objects: ["Deployment/flower"],
      stacks: ["production"],
      reason: "operator UI",
    },
  ];
  const findings = [...kubeScoreFindings(kubeScoreReport), ...checkovFindings(checkovReport)];
  const comparison = compareWithBaseline({ production: findings }, baseline);
  expect(comparison.explained).toBe(1);
  expect(
    comparison.unexplained.map((finding) => `${finding.stack} ${finding.check} ${finding.object}`),
  ).toEqual([
    "production container-image-pull-policy Deployment/backend",
    "production CKV_K8S_21 PriorityClass/toolboxai-dev-critical",
  ]);
  expect(comparison.stale).toEqual([baseline[1]]);
});

test("an entry limited to some stacks does not explain the same finding elsewhere", () => {
  const baseline: BaselineEntry[] = [
    {
      tool: "checkov",
      check: "CKV_K8S_43",
      objects: ["Deployment/backend"],
      stacks: ["dev"],
      reason: "x",
    },
  ];
  const findings = checkovFindings(checkovReport).slice(0, 1);
  const comparison = compareWithBaseline({ dev: findings, production: findings }, baseline);
  expect(comparison.unexplained.map((finding) => finding.stack)).toEqual(["production"]);
  expect(comparison.stale).toEqual([]);
});

describe("the audit's scratch folder", () => {
  it("is removed after the work, and after a failure too", () => {
    let kept = "";
    const result = withScratchDir("toolboxai-test-", (dir) => {
      kept = dir;
      writeFileSync(path.join(dir, "manifest.yaml"), "kind: ConfigMap\n");
      return readdirSync(dir);
    });
    expect(result).toEqual(["manifest.yaml"]);
    expect(existsSync(kept)).toBe(false);

    expect(() =>
      withScratchDir("toolboxai-test-", (dir) => {
        kept = dir;
        throw new Error("kube-score failed");
      }),
    ).toThrow("kube-score failed");
    expect(existsSync(kept)).toBe(false);
  });
});

test("an async work keeps its scratch folder until its promise settles", async () => {
  let kept = "";
  const pending = withScratchDir("toolboxai-test-", async (dir) => {
    kept = dir;
    await new Promise((resolve) => setTimeout(resolve, 10));
    return existsSync(dir);
  });
  expect(await pending).toBe(true);
  expect(existsSync(kept)).toBe(false);
  await expect(
    withScratchDir("toolboxai-test-", async (dir) => {
      kept = dir;
      await new Promise((resolve) => setTimeout(resolve, 10));
      throw new Error("render failed");
    }),
  ).rejects.toThrow("render failed");
  expect(existsSync(kept)).toBe(false);
});
