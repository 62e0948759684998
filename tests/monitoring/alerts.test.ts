// The alert rules of every stack: each alert is complete (severity, service, summary, runbook),
// and the real promtool checks the rule file and proves, with unit tests generated from the
// stack's own thresholds, that each alert fires on its condition and stays quiet when healthy.
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
  histogramSeries,
  metricNamesOf,
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
  };
}

const runbooks = readFileSync(path.join(projectRoot, "docs", "ALERTS.md"), "utf8");
const runbookAnchors = new Set(
  [...runbooks.matchAll(/^## (\S+)$/gm)].map(([, heading]) => heading.toLowerCase()),
);

describe.each(["dev", "staging", "production"])("alert rules of %s", (stack) => {
  const settings = settingsOf(stack);
  const groups = alertRuleGroups(settings);
  const rules = groups.flatMap((group) => group.rules);

  test("every alert of the design, plus the platform's own", () => {
    expect(alertNamesOf(groups).sort()).toEqual(
      [
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
      ].sort(),
    );
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
    expect(exprOf("HostHighCpu")).toContain(`> ${t.cpuPercent / 100}`);
    expect(exprOf("HostDiskAlmostFull")).toContain(`< ${t.diskFreePercent / 100}`);
    expect(exprOf("BackupTooOld")).toContain(`> ${settings.recoveryPointObjectiveMinutes * 60}`);
  });

  test("every metric an alert reads is produced by a deployed exporter or declared by the apps", () => {
    const produced = new Set([
      ...Object.values(exporterMetrics).flat(),
      ...prometheusBuiltins,
      ...httpMetricFamilies.flatMap((family) => [family, ...histogramSeries(family)]),
    ]);
    const unknown = rules.flatMap((rule) =>
      metricNamesOf(rule.expr)
        .filter((name) => !produced.has(name))
        .map((name) => `${rule.alert}: ${name}`),
    );
    expect(unknown).toEqual([]);
  });

  test("every alert has a firing and, but Watchdog, a healthy promtool case", () => {
    const cases = alertCases(settings);
    expect(cases.map((alertCase) => alertCase.alert).sort()).toEqual(alertNamesOf(groups).sort());
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
      const cases = alertCases(settings);
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
