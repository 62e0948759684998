// The alert rules of every stack: each alert is complete (severity, service, summary, runbook),
// and the real promtool checks the rule file and proves, with unit tests generated from the
// stack's own settings, that each alert fires on its condition and stays quiet when healthy. On
// Docker (dev), only the alerts whose series exist there, none watching a job Docker lacks.
// PostgreSQL's rules follow the database engine: each Kubernetes stack runs with its own and with
// the other one too, so both engines' rules and cases run whichever the stack files choose.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { defaultRunbookBaseUrl } from "../../components/config/defaults";
import { databaseEngines, type DatabaseSettings } from "../../components/config/schema";
import {
  alertNamesOf,
  alertRuleGroups,
  baseBackupMaxAgeHours,
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
    // As index.ts passes it: a cluster archives where the stack has a bucket (production).
    database: {
      ...config.database,
      archived: config.database.engine === "cloudnative-pg" && config.backup?.storage.type === "s3",
    },
    redis: config.redis,
  };
}

const withEngine = (
  settings: AlertSettings,
  engine: DatabaseSettings["engine"],
): AlertSettings => ({
  ...settings,
  database: { ...settings.database, engine },
});

/** A name, and the settings of a stack as its file stands or with another database engine. */
type Variant = readonly [name: string, settings: AlertSettings];

/** Each stack as its file stands, and each Kubernetes stack with the other engine as well. */
const variants: Variant[] = ["dev", "staging", "production"].flatMap((stack): Variant[] => {
  const own = settingsOf(stack);
  const others =
    own.platform === "kubernetes"
      ? databaseEngines.filter((engine) => engine !== own.database.engine)
      : [];
  return [
    [`${stack} (${own.database.engine})`, own],
    ...others.map((engine): Variant => [`${stack} with ${engine}`, withEngine(own, engine)]),
  ];
});

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
/** A CloudNativePG cluster's alerts besides: the single server has no standby. */
const clusterAlerts = ["PostgresFailover", "PostgresReplicationLag", "PostgresStandbyMissing"];
/** And Redis's in Sentinel mode: its replicas, its Sentinels and a change of primary. */
const sentinelAlerts = ["RedisFailover", "RedisReplicaMissing", "RedisSentinelQuorumLost"];
/** And a cluster's that archives to the stack's bucket: its continuous archive. */
const archiveAlerts = [
  "PostgresBaseBackupTooOld",
  "PostgresWalArchiveStale",
  "PostgresWalArchivingFailing",
];
/** Whether the settings' cluster archives (the single server never does). */
const archives = (settings: AlertSettings) =>
  settings.database.engine === "cloudnative-pg" && settings.database.archived;
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

/** The metric families an alert may read on each platform, with the database engine. */
function producedOn(settings: Pick<AlertSettings, "platform" | "database">): Set<string> {
  return new Set([
    ...exporterMetricsOn(settings.platform, settings.database.engine),
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

test("the variants run both engines' rules on Kubernetes, and each stack's own", () => {
  const kubernetes = variants.filter(([, settings]) => settings.platform === "kubernetes");
  expect(new Set(kubernetes.map(([, settings]) => settings.database.engine))).toEqual(
    new Set(databaseEngines),
  );
  for (const stack of ["dev", "staging", "production"]) {
    const own = settingsOf(stack);
    expect(variants).toContainEqual([`${stack} (${own.database.engine})`, own]);
  }
});

describe.each(variants)("alert rules of %s", (_variant, settings) => {
  const groups = alertRuleGroups(settings);
  const rules = groups.flatMap((group) => group.rules);

  const names = alertNamesOf(groups);

  test("every alert of the design, plus the platform's own, that can fire there", () => {
    const all = [
      ...kubernetesAlerts,
      ...(settings.database.engine === "cloudnative-pg" ? clusterAlerts : []),
      ...(archives(settings) ? archiveAlerts : []),
      ...(settings.redis.mode === "sentinel" ? sentinelAlerts : []),
    ];
    const expected =
      settings.platform === "kubernetes"
        ? all
        : all.filter((alert) => !leftOutOnDocker.includes(alert));
    expect([...names].sort()).toEqual(expected.sort());
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
    expect(exprOf("PostgresTooManyConnections")).toContain(
      `* ${t.postgresConnectionsPercent / 100}`,
    );
    if (settings.database.engine === "cloudnative-pg") {
      expect(exprOf("PostgresReplicationLag")).toContain(`> ${t.postgresReplicationLagSeconds}`);
      expect(exprOf("PostgresStandbyMissing")).toContain(`< ${settings.database.instances - 1} `);
    }
    if (archives(settings)) {
      expect(exprOf("PostgresWalArchiveStale")).toContain(
        `> ${settings.recoveryPointObjectiveMinutes * 60} `,
      );
      expect(exprOf("PostgresBaseBackupTooOld")).toContain(`> ${baseBackupMaxAgeHours * 3600} `);
    }
    if (settings.platform === "docker") return;
    expect(exprOf("HostHighCpu")).toContain(`> ${t.cpuPercent / 100}`);
    expect(exprOf("HostDiskAlmostFull")).toContain(`< ${t.diskFreePercent / 100}`);
    expect(exprOf("BackupTooOld")).toContain(`> ${settings.recoveryPointObjectiveMinutes * 60}`);
  });

  test("every metric an alert reads is produced on the platform by an exporter or the apps", () => {
    const produced = producedOn(settings);
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
    const exporterJobs = Object.keys(exporterMetrics(settings.database.engine));
    for (const job of jobs) expect([...appJobs, ...exporterJobs]).toContain(job);
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

test("the rule groups: Kubernetes's with either engine; Docker's without the nodes' and Kubernetes's", () => {
  const groupsOf = (settings: AlertSettings) =>
    alertRuleGroups(settings).map((group) => [group.name, group.rules.map((each) => each.alert)]);
  const kubernetes = settingsOf("production");
  expect(kubernetes.platform).toBe("kubernetes");
  const others = [
    [
      "toolboxai-services",
      ["TargetDown", "HighErrorRate", "SlowResponses", "CertificateExpiringSoon"],
    ],
    ["toolboxai-kubernetes", ["PodCrashLooping", "ReplicasUnavailable", "Watchdog"]],
  ];
  const nodes = ["toolboxai-nodes", ["HostHighCpu", "HostHighMemory", "HostDiskAlmostFull"]];
  const backups = ["BackupTooOld", "RestoreCheckFailing"];
  // Production's Redis runs in Sentinel mode: its alerts follow RedisDown.
  expect(kubernetes.redis.mode).toBe("sentinel");
  const redis = ["RedisDown", "RedisSentinelQuorumLost", "RedisReplicaMissing", "RedisFailover"];
  const oneServer = { ...kubernetes, redis: { ...kubernetes.redis, mode: "single" as const } };
  expect(groupsOf(withEngine(oneServer, "single"))).toEqual([
    nodes,
    ["toolboxai-data", ["PostgresDown", "PostgresTooManyConnections", "RedisDown", ...backups]],
    ...others,
  ]);
  // A cluster's alerts, and those of its archive where it has one.
  const cluster = [
    "PostgresDown",
    "PostgresTooManyConnections",
    "PostgresStandbyMissing",
    "PostgresReplicationLag",
    "PostgresFailover",
  ];
  const archive = [
    "PostgresWalArchivingFailing",
    "PostgresWalArchiveStale",
    "PostgresBaseBackupTooOld",
  ];
  expect(groupsOf(withEngine(kubernetes, "cloudnative-pg"))).toEqual([
    nodes,
    ["toolboxai-data", [...cluster, ...archive, ...redis, ...backups]],
    ...others,
  ]);
  // A cluster that archives nothing (staging's: no bucket) has none of the archive's alerts.
  const unarchived = withEngine(
    { ...kubernetes, database: { ...kubernetes.database, archived: false } },
    "cloudnative-pg",
  );
  expect(groupsOf(unarchived)[1]).toEqual(["toolboxai-data", [...cluster, ...redis, ...backups]]);
  expect(settingsOf("staging").database).toMatchObject({
    engine: "cloudnative-pg",
    archived: false,
  });
  expect(kubernetes.database).toMatchObject({ engine: "cloudnative-pg", archived: true });
  expect(settingsOf("dev").platform).toBe("docker");
  expect(groupsOf(settingsOf("dev"))).toEqual([
    ["toolboxai-data", ["PostgresDown", "PostgresTooManyConnections", "RedisDown"]],
    ["toolboxai-services", ["TargetDown", "HighErrorRate", "SlowResponses"]],
    ["toolboxai-alerting", ["Watchdog"]],
  ]);
});

test("the single server's PostgreSQL rules are postgres-exporter's, as before the engines", () => {
  const rules = alertRuleGroups(withEngine(settingsOf("production"), "single")).flatMap(
    (group) => group.rules,
  );
  const exprOf = (alert: string) => rules.find((rule) => rule.alert === alert)?.expr;
  expect(exprOf("PostgresDown")).toBe("pg_up == 0");
  expect(exprOf("PostgresTooManyConnections")).toBe(
    `sum by (instance) (pg_stat_activity_count) > min by (instance) (pg_settings_max_connections) * ${settingsOf("production").thresholds.postgresConnectionsPercent / 100}`,
  );
});

test("each engine's rules read its own families only: the check can fail", () => {
  const metricsOf = (settings: AlertSettings) =>
    alertRuleGroups(settings)
      .flatMap((group) => group.rules)
      .filter((rule) => rule.labels.service === "postgres")
      .flatMap((rule) => metricNamesOf(rule.expr))
      .filter((name, index, names) => names.indexOf(name) === index);
  const kubernetes = settingsOf("production");
  const single = withEngine(kubernetes, "single");
  const cluster = withEngine(kubernetes, "cloudnative-pg");
  expect(
    metricsOf(single)
      .filter((name) => !producedOn(cluster).has(name))
      .sort(),
  ).toEqual(["pg_settings_max_connections", "pg_stat_activity_count", "pg_up"]);
  expect(
    metricsOf(cluster)
      .filter((name) => !producedOn(single).has(name))
      .sort(),
  ).toEqual([
    "cnpg_backends_total",
    "cnpg_collector_last_available_backup_timestamp",
    "cnpg_collector_pg_wal_archive_status",
    "cnpg_collector_up",
    "cnpg_pg_replication_in_recovery",
    "cnpg_pg_replication_lag",
    "cnpg_pg_replication_streaming_replicas",
    "cnpg_pg_settings_setting",
    "cnpg_pg_stat_archiver_last_archived_time",
    "cnpg_pg_stat_archiver_last_failed_time",
    "cnpg_pg_stat_archiver_seconds_since_last_archival",
  ]);
});

itWithTool("promtool")(
  "the rules follow the engine and the instances: another engine's or size's cases fail them",
  () => {
    const cluster = withEngine(settingsOf("production"), "cloudnative-pg");
    const run = (rules: AlertSettings, cases: AlertSettings, alert: string) => {
      const groups = alertRuleGroups(rules);
      const picked = alertCases(cases).filter((alertCase) => alertCase.alert === alert);
      return runMonitoringTool("promtool", ["test", "rules", "tests.yml"], {
        "rules.yml": { groups },
        "tests.yml": promtoolTests(groups, picked, "rules.yml"),
      });
    };
    // The single server's pg_up at 0 does not fire a cluster's PostgresDown.
    const engine = run(cluster, withEngine(cluster, "single"), "PostgresDown");
    expect(engine.status).not.toBe(0);
    expect(engine.output).toContain("PostgresDown");
    // Rules for 2 instances expect one standby: the primary of 4 streaming to 2 fires nothing.
    const size = run(
      { ...cluster, database: { ...cluster.database, instances: 2 } },
      { ...cluster, database: { ...cluster.database, instances: 4 } },
      "PostgresStandbyMissing",
    );
    expect(size.status).not.toBe(0);
    expect(size.output).toContain("PostgresStandbyMissing");
    // And the same cases pass the rules they were built for.
    expect(run(cluster, cluster, "PostgresStandbyMissing").status).toBe(0);
  },
);

test("each alert left out on Docker reads a series Docker never has", () => {
  const rules = alertRuleGroups({ ...settingsOf("dev"), platform: "kubernetes" }).flatMap(
    (group) => group.rules,
  );
  const docker = producedOn(settingsOf("dev"));
  expect(
    rules
      .filter((rule) => leftOutOnDocker.includes(rule.alert))
      .map((rule) => [rule.alert, metricNamesOf(rule.expr).some((name) => !docker.has(name))])
      .sort(),
  ).toEqual(leftOutOnDocker.map((alert) => [alert, true]));
});
