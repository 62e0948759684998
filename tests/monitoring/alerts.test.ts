// The alert rules of every stack: each alert is complete (severity, service, summary, runbook),
// and the real promtool checks the rule file and proves, with unit tests generated from the
// stack's own thresholds, that each alert fires on its condition and stays quiet when healthy. On
// Docker (dev), only the alerts whose series exist there, none watching a job Docker lacks.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { defaultRunbookBaseUrl } from "../../components/config/defaults";
import {
  alertNamesOf,
  alertRuleGroups,
  type AlertSettings,
} from "../../components/monitoring/alerts";
import { validatedStackConfig } from "../../tools/engine/stack-config";
import { httpMetricFamilies } from "../../components/app/wiring";
import {
  exporterMetrics,
  exporterMetricsOn,
  histogramSeries,
  metricNamesOf,
  platformSources,
  prometheusBuiltins,
} from "../../components/monitoring/metrics-catalog";
import { projectRoot } from "../../tools/project-root";
import { itWithTool, runMonitoringTool } from "../support/monitoring-tools";
import { alertCases, caseIntervals, promtoolTests } from "./alert-cases";

const appJobs = ["backend", "mcp-server", "agent-coordinator", "roblox-sync", "flower"];

function settingsOf(stack: string): AlertSettings {
  const config = validatedStackConfig(stack);
  return {
    thresholds: config.monitoring.alerts,
    recoveryPointObjectiveMinutes: config.recoveryPointObjectiveMinutes,
    appJobs,
    runbookBaseUrl: defaultRunbookBaseUrl,
    platform: config.platform,
  };
}

/** Every alert on Kubernetes; on Docker, all but those reading a source Docker lacks. */
const kubernetesAlerts = [
  "BackupTooOld",
  "CertificateExpiringSoon",
  "HighErrorRate",
  "HostDiskAlmostFull",
  "HostHighCpu",
  "HostHighMemory",
  "PodCrashLooping",
  "PostgresDown",
  "PostgresTooManyConnections",
  "RedisDown",
  "ReplicasUnavailable",
  "RestoreCheckFailing",
  "SlowResponses",
  "TargetDown",
  "Watchdog",
];
const leftOutOnDocker = [
  "BackupTooOld",
  "CertificateExpiringSoon",
  "HostDiskAlmostFull",
  "HostHighCpu",
  "HostHighMemory",
  "PodCrashLooping",
  "ReplicasUnavailable",
  "RestoreCheckFailing",
];

/** The metric families an alert may read on each platform. */
function producedOn(platform: "kubernetes" | "docker"): Set<string> {
  return new Set([
    ...exporterMetricsOn(platform),
    ...prometheusBuiltins,
    ...httpMetricFamilies.flatMap((family) => [family, ...histogramSeries(family)]),
  ]);
}

const runbooks = readFileSync(path.join(projectRoot, "docs", "ALERTS.md"), "utf8");
const runbookAnchors = new Set(
  [...runbooks.matchAll(/^## (\S+)$/gm)].map(([, heading]) => heading.toLowerCase()),
);

/** The cases of the alerts the rules have (on Docker, not those left out). */
const casesOf = (settings: AlertSettings, names: readonly string[]) =>
  alertCases(settings).filter((alertCase) => names.includes(alertCase.alert));

describe.each(["dev", "staging", "production"])("alert rules of %s", (stack) => {
  const settings = settingsOf(stack);
  const groups = alertRuleGroups(settings);
  const rules = groups.flatMap((group) => group.rules);

  const names = alertNamesOf(groups);

  test("every alert of the design, plus the platform's own, that can fire there", () => {
    const expected =
      settings.platform === "kubernetes"
        ? kubernetesAlerts
        : kubernetesAlerts.filter((alert) => !leftOutOnDocker.includes(alert));
    expect([...names].sort()).toEqual(expected);
  });

  test("each has a severity, a service, a summary and a runbook section in docs/ALERTS.md", () => {
    for (const rule of rules) {
      expect({ alert: rule.alert, severity: rule.labels.severity }).toEqual({
        alert: rule.alert,
        severity: expect.stringMatching(/^(critical|warning|none)$/),
      });
      expect(rule.labels.service).not.toBe("");
      expect(rule.annotations.summary).not.toBe("");
      expect(rule.annotations.runbook_url).toBe(
        `${defaultRunbookBaseUrl}#${rule.alert.toLowerCase()}`,
      );
      expect({
        alert: rule.alert,
        documented: runbookAnchors.has(rule.alert.toLowerCase()),
      }).toEqual({ alert: rule.alert, documented: true });
    }
  });

  test("the thresholds of the stack file are the ones in the expressions", () => {
    const exprOf = (alert: string) => rules.find((rule) => rule.alert === alert)!.expr;
    const t = settings.thresholds;
    expect(exprOf("HighErrorRate")).toContain(`> ${t.errorRatePercent / 100}`);
    if (settings.platform === "docker") return;
    expect(exprOf("HostHighCpu")).toContain(`> ${t.cpuPercent / 100}`);
    expect(exprOf("HostDiskAlmostFull")).toContain(`< ${t.diskFreePercent / 100}`);
    expect(exprOf("BackupTooOld")).toContain(`> ${settings.recoveryPointObjectiveMinutes * 60}`);
  });

  test("every metric an alert reads is produced on the platform by an exporter or the apps", () => {
    const produced = producedOn(settings.platform);
    const unknown = rules.flatMap((rule) =>
      metricNamesOf(rule.expr)
        .filter((name) => !produced.has(name))
        .map((name) => `${rule.alert}: ${name}`),
    );
    expect(unknown).toEqual([]);
  });

  test("no alert watches a job the platform lacks, nor fires on a series' absence", () => {
    const jobs = rules.flatMap((rule) =>
      [...rule.expr.matchAll(/\bjob=~?"([^"]*)"/g)].flatMap(([, matcher]) => matcher.split("|")),
    );
    expect(jobs.length).toBeGreaterThan(0);
    for (const job of jobs) expect([...appJobs, ...Object.keys(exporterMetrics)]).toContain(job);
    if (settings.platform === "docker") {
      for (const job of jobs) expect(platformSources.kubernetes).not.toContain(job);
    }
    for (const rule of rules) expect(rule.expr).not.toMatch(/\babsent(_over_time)?\(/);
  });

  test("every alert has a firing and, but Watchdog, a healthy promtool case", () => {
    const cases = casesOf(settings, names);
    expect(cases.map((alertCase) => alertCase.alert).sort()).toEqual([...names].sort());
    expect(
      cases.filter((alertCase) => !alertCase.healthy).map((alertCase) => alertCase.alert),
    ).toEqual(["Watchdog"]);
  });

  itWithTool("promtool")("promtool check rules accepts the rule file", () => {
    const result = runMonitoringTool("promtool", ["check", "rules", "rules.yml"], {
      "rules.yml": { groups },
    });
    expect(result.output).toContain("SUCCESS");
    expect(result.status).toBe(0);
  });

  itWithTool("promtool")(
    "promtool test rules: each alert fires on its condition, quiet when healthy",
    () => {
      const cases = casesOf(settings, names);
      for (const interval of caseIntervals(cases)) {
        const tests = promtoolTests(groups, cases, "rules.yml", interval);
        const result = runMonitoringTool("promtool", ["test", "rules", "tests.yml"], {
          "rules.yml": { groups },
          "tests.yml": tests,
        });
        expect({ interval, status: result.status, output: result.output }).toEqual({
          interval,
          status: 0,
          output: expect.stringContaining("SUCCESS"),
        });
      }
    },
  );
});

itWithTool("promtool")(
  "a wrong threshold fails the generated promtool tests (they can fail)",
  () => {
    const settings = settingsOf("production");
    const groups = alertRuleGroups(settings);
    // Cases built for a CPU threshold of 95 %: the firing series sits at 90 % busy, which the
    // production rule (80 %) catches, but its healthy series (85 % busy) fires the rule too.
    const cases = alertCases({
      ...settings,
      thresholds: { ...settings.thresholds, cpuPercent: 95 },
    }).filter((alertCase) => alertCase.alert === "HostHighCpu");
    const result = runMonitoringTool("promtool", ["test", "rules", "tests.yml"], {
      "rules.yml": { groups },
      "tests.yml": promtoolTests(groups, cases, "rules.yml"),
    });
    expect(result.status).not.toBe(0);
    expect(result.output).toContain("HostHighCpu");
  },
);

test("the rule groups: Kubernetes's as before; Docker's without the nodes' and Kubernetes's", () => {
  const groupsOf = (stack: string) =>
    alertRuleGroups(settingsOf(stack)).map((group) => [
      group.name,
      group.rules.map((each) => each.alert),
    ]);
  expect(settingsOf("production").platform).toBe("kubernetes");
  expect(groupsOf("production")).toEqual([
    ["toolboxai-nodes", ["HostHighCpu", "HostHighMemory", "HostDiskAlmostFull"]],
    [
      "toolboxai-data",
      [
        "PostgresDown",
        "PostgresTooManyConnections",
        "RedisDown",
        "BackupTooOld",
        "RestoreCheckFailing",
      ],
    ],
    [
      "toolboxai-services",
      ["TargetDown", "HighErrorRate", "SlowResponses", "CertificateExpiringSoon"],
    ],
    ["toolboxai-kubernetes", ["PodCrashLooping", "ReplicasUnavailable", "Watchdog"]],
  ]);
  expect(settingsOf("dev").platform).toBe("docker");
  expect(groupsOf("dev")).toEqual([
    ["toolboxai-data", ["PostgresDown", "PostgresTooManyConnections", "RedisDown"]],
    ["toolboxai-services", ["TargetDown", "HighErrorRate", "SlowResponses"]],
    ["toolboxai-alerting", ["Watchdog"]],
  ]);
});

test("each alert left out on Docker reads a series Docker never has", () => {
  const rules = alertRuleGroups({ ...settingsOf("dev"), platform: "kubernetes" }).flatMap(
    (group) => group.rules,
  );
  const docker = producedOn("docker");
  expect(
    rules
      .filter((rule) => leftOutOnDocker.includes(rule.alert))
      .map((rule) => [rule.alert, metricNamesOf(rule.expr).some((name) => !docker.has(name))])
      .sort(),
  ).toEqual(leftOutOnDocker.map((alert) => [alert, true]));
});
