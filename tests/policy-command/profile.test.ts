// `npm run policy -- --profile portable`: third-party YAML checked with the house conventions
// made advisory, the security rules kept.
import * as path from "node:path";
import { stringify } from "yaml";
import { securityDefects, vendorChart } from "../policies/fixtures/third-party";
import { defaultEnvLine, folder, policyCommand } from "./support";

/* eslint-disable @typescript-eslint/no-explicit-any -- JSON reports are inspected loosely */

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
    // Which conventions the chart breaks is the runner's test (tests/policies/profiles.test.ts);
    // here, what the command reports of them.
    const strictReport = JSON.parse(strict.stdout);
    expect(strictReport.summary).toMatchObject({ passed: false });
    expect(strictReport.violations).toContainEqual(
      expect.objectContaining({ policy: "recommended-labels", enforcement: "mandatory" }),
    );

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

  // Two of the runner's cases (tests/policies/profiles.test.ts has them all): the command reports
  // them as the runner finds them.
  const commandCases = ["a privileged container", "a Secret value in a ConfigMap"];
  test.each(securityDefects.filter(([name]) => commandCases.includes(name)))(
    "still fails on %s, a security rule",
    async (_case, objects, policy) => {
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
    },
  );

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
