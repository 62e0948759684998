// `promtool test rules` cases for every alert, built from the same settings as the rules (the
// thresholds, and PostgreSQL's engine and instances): one set of series on which the alert must
// fire, and one healthy set on which it must stay quiet; some alerts add more of either. A new
// alert without a case fails tests/monitoring/alerts.test.ts.
import { sentinelQuorum } from "../../components/data/redis";
import { redisFailoverWindowMinutes } from "../../components/monitoring/alerts/data";
import {
  baseBackupMaxAgeHours,
  failoverWindowMinutes,
  type AlertRule,
  type AlertSettings,
  type RuleGroup,
} from "../../components/monitoring/alerts";

export interface Series {
  readonly series: string;
  /** promtool's expanding notation, e.g. `0+6x40` (one value per minute). */
  readonly values: string;
}

/** Series on which the alert fires at `evalTime`, once, with these labels besides its own. */
export interface Firing {
  readonly series: Series[];
  readonly labels: Record<string, string>;
}

export interface AlertCase {
  readonly alert: string;
  readonly firing: Firing;
  /** More situations in which it fires, each a test of its own. */
  readonly alsoFiring?: readonly Firing[];
  /** Series of a healthy system: no alert at `evalTime`. Absent for Watchdog, which always fires. */
  readonly healthy?: Series[];
  /** More healthy situations, each a test of its own. */
  readonly alsoHealthy?: readonly Series[][];
  /** Long enough for the rate windows and the rule's `for`. */
  readonly evalTime: string;
  /**
   * Sample and evaluation step; default 1m. A window of days uses 1h: promtool evaluates every
   * rule at every step, so days at 1m would take most of a minute.
   */
  readonly interval?: string;
}

const node = { instance: "node-1:9100", job: "node-exporter" };
const labelText = (labels: Record<string, string>) =>
  `{${Object.entries(labels)
    .map(([key, value]) => `${key}="${value}"`)
    .join(",")}}`;
const series = (name: string, labels: Record<string, string>, values: string): Series => ({
  series: `${name}${labelText(labels)}`,
  values,
});
/** A counter rising by `perMinute` each minute for `minutes`. */
const counter = (perMinute: number, minutes = 90) => `0+${perMinute}x${minutes}`;
const constant = (value: number, minutes = 90) => `${value}x${minutes}`;

export function alertCases(settings: AlertSettings): AlertCase[] {
  const t = settings.thresholds;
  const app = settings.appJobs[0];
  const appLabels = { job: app, instance: "10.0.0.7:8009" };
  const cpuIdle = (idleShare: number) => [
    series("node_cpu_seconds_total", { ...node, cpu: "0", mode: "idle" }, counter(idleShare * 60)),
  ];
  const memory = (availableShare: number) => [
    series("node_memory_MemTotal_bytes", node, constant(1000)),
    series("node_memory_MemAvailable_bytes", node, constant(availableShare * 1000)),
  ];
  const filesystem = { ...node, device: "/dev/sda1", mountpoint: "/", fstype: "ext4" };
  const disk = (freeShare: number, readonly = 0, mounted = filesystem) => [
    series("node_filesystem_size_bytes", mounted, constant(1000)),
    series("node_filesystem_avail_bytes", mounted, constant(freeShare * 1000)),
    series("node_filesystem_readonly", mounted, constant(readonly)),
  ];
  const imageLayer = { ...filesystem, device: "/dev/loop0", mountpoint: "/snap/core" };
  const backup = { namespace: "toolboxai", cronjob: "postgres-backup", job: "kube-state-metrics" };
  const restoreCheck = { ...backup, cronjob: "postgres-restore-check" };
  const requests = (errorsPerMinute: number, okPerMinute: number) => [
    series("http_requests_total", { ...appLabels, status: "500" }, counter(errorsPerMinute)),
    series("http_requests_total", { ...appLabels, status: "200" }, counter(okPerMinute)),
  ];
  // Buckets around the threshold: every request in the first (fast) or the second (slow) one.
  const slowSeconds = t.slowResponseMilliseconds / 1000;
  const latency = (slow: boolean) =>
    [String(slowSeconds / 2), String(slowSeconds * 4), "+Inf"].map((le, index) =>
      series(
        "http_request_duration_seconds_bucket",
        { ...appLabels, le },
        counter(index === 0 && slow ? 0 : 100),
      ),
    );
  const certificate = { namespace: "toolboxai", name: "gateway-tls", job: "cert-manager" };
  const expiresInDays = (days: number) => [
    series(
      "certmanager_certificate_expiration_timestamp_seconds",
      certificate,
      constant(days * 86400),
    ),
  ];
  const container = {
    namespace: "toolboxai",
    pod: "backend-5fc8-x",
    container: "backend",
    job: "kube-state-metrics",
  };
  const deployment = { namespace: "toolboxai", deployment: "backend", job: "kube-state-metrics" };
  const replicas = (available: number) => [
    series("kube_deployment_spec_replicas", deployment, constant(3)),
    series("kube_deployment_status_replicas_available", deployment, constant(available)),
  ];

  return [
    {
      alert: "HostHighCpu",
      evalTime: "30m",
      firing: { series: cpuIdle(Math.max(0, 1 - t.cpuPercent / 100 - 0.05)), labels: node },
      healthy: cpuIdle(Math.min(1, 1 - t.cpuPercent / 100 + 0.1)),
    },
    {
      alert: "HostHighMemory",
      evalTime: "10m",
      firing: { series: memory(1 - t.memoryPercent / 100 - 0.05), labels: node },
      healthy: memory(1 - t.memoryPercent / 100 + 0.1),
    },
    {
      alert: "HostDiskAlmostFull",
      evalTime: "5m",
      firing: { series: disk(t.diskFreePercent / 200), labels: filesystem },
      // Plenty of space; and a full but read-only filesystem (an image layer) is not an alert.
      healthy: [...disk(0.5), ...disk(0, 1, imageLayer)],
    },
    ...postgresCases(settings),
    ...redisCases(settings),
    {
      alert: "BackupTooOld",
      // The last success stays at time 0; the RPO passes, then `for: 5m`.
      evalTime: `${settings.recoveryPointObjectiveMinutes + 10}m`,
      firing: {
        series: [
          series(
            "kube_cronjob_status_last_successful_time",
            backup,
            constant(0, settings.recoveryPointObjectiveMinutes + 20),
          ),
        ],
        labels: { namespace: backup.namespace, cronjob: backup.cronjob },
      },
      // A backup that succeeded a minute ago, every minute.
      healthy: [
        series(
          "kube_cronjob_status_last_successful_time",
          backup,
          `0+60x${settings.recoveryPointObjectiveMinutes + 20}`,
        ),
      ],
    },
    {
      alert: "RestoreCheckFailing",
      // Hourly steps: the last success stays at time 0, two days pass (pending at 49h), and
      // the next evaluation is past `for: 5m`.
      evalTime: "50h",
      interval: "1h",
      firing: {
        series: [series("kube_cronjob_status_last_successful_time", restoreCheck, constant(0, 50))],
        labels: { namespace: restoreCheck.namespace, cronjob: restoreCheck.cronjob },
      },
      // A check that last succeeded a day in: it runs daily.
      healthy: [
        series("kube_cronjob_status_last_successful_time", restoreCheck, constant(86400, 50)),
      ],
    },
    {
      alert: "TargetDown",
      evalTime: "5m",
      firing: { series: [series("up", appLabels, constant(0))], labels: appLabels },
      healthy: [series("up", appLabels, constant(1))],
    },
    {
      alert: "HighErrorRate",
      evalTime: "15m",
      firing: {
        series: requests(t.errorRatePercent + 5, 100 - t.errorRatePercent - 5),
        labels: { job: app },
      },
      healthy: requests(Math.max(0, t.errorRatePercent - 4) / 10, 100),
    },
    {
      alert: "SlowResponses",
      evalTime: "20m",
      firing: { series: latency(true), labels: { job: app } },
      healthy: latency(false),
    },
    {
      alert: "CertificateExpiringSoon",
      evalTime: "70m",
      firing: { series: expiresInDays(t.certificateDays - 5), labels: certificate },
      healthy: expiresInDays(t.certificateDays + 10),
    },
    {
      alert: "PodCrashLooping",
      evalTime: "25m",
      firing: {
        series: [
          series(
            "kube_pod_container_status_waiting_reason",
            { ...container, reason: "CrashLoopBackOff" },
            constant(1),
          ),
        ],
        labels: { ...container, reason: "CrashLoopBackOff" },
      },
      healthy: [
        series(
          "kube_pod_container_status_waiting_reason",
          { ...container, reason: "CrashLoopBackOff" },
          constant(0),
        ),
      ],
    },
    {
      alert: "ReplicasUnavailable",
      evalTime: "20m",
      firing: { series: replicas(1), labels: deployment },
      healthy: replicas(3),
    },
    { alert: "Watchdog", evalTime: "1m", firing: { series: [], labels: {} } },
  ];
}

/** PostgreSQL's cases, for the series of the stack's engine. */
function postgresCases(settings: AlertSettings): AlertCase[] {
  return settings.database.engine === "single"
    ? singleServerCases(settings)
    : clusterCases(settings);
}

/** The single server: postgres-exporter's pg_* series. */
function singleServerCases(settings: AlertSettings): AlertCase[] {
  const postgres = { instance: "postgres-0:9187", job: "postgres" };
  const connections = (count: number) => [
    series("pg_settings_max_connections", postgres, constant(100)),
    series(
      "pg_stat_activity_count",
      { ...postgres, datname: "toolboxai", state: "active" },
      constant(count),
    ),
  ];
  return [
    {
      alert: "PostgresDown",
      evalTime: "5m",
      firing: { series: [series("pg_up", postgres, constant(0))], labels: postgres },
      healthy: [series("pg_up", postgres, constant(1))],
    },
    {
      alert: "PostgresTooManyConnections",
      evalTime: "5m",
      firing: {
        series: connections(settings.thresholds.postgresConnectionsPercent + 5),
        labels: { instance: postgres.instance },
      },
      healthy: connections(10),
    },
  ];
}

/**
 * A CloudNativePG cluster of `instances` pods (postgres-1 the primary, the others standbys), as
 * Prometheus labels their instance managers' series: cnpg_* families, no pg_* one.
 */
function clusterCases(settings: AlertSettings): AlertCase[] {
  const t = settings.thresholds;
  const pods = Array.from({ length: settings.database.instances }, (_, index) => ({
    job: "postgres",
    instance: `10.0.1.${index + 1}:9187`,
    namespace: "toolboxai",
    pod: `postgres-${index + 1}`,
    container: "postgres",
  }));
  const [primary, firstStandby, ...otherStandbys] = pods;
  const cluster = { namespace: primary.namespace, job: primary.job };
  const standbyCount = pods.length - 1;

  // Each instance scraped (`up`) and its PostgreSQL answering (cnpg_collector_up) or not.
  const answering = (...answers: number[]) =>
    pods.flatMap((pod, index) => [
      series("up", pod, constant(1)),
      series("cnpg_collector_up", { ...pod, cluster: "postgres" }, constant(answers[index])),
    ]);
  // Every instance's max_connections, beside a smaller setting the rule must not read; the
  // primary's backends in two states, each standby's two idle ones.
  const connections = (onPrimary: number) => [
    ...pods.flatMap((pod) => [
      series("cnpg_pg_settings_setting", { ...pod, name: "max_connections" }, constant(100)),
      series(
        "cnpg_pg_settings_setting",
        { ...pod, name: "superuser_reserved_connections" },
        constant(3),
      ),
    ]),
    ...pods.flatMap((pod) => {
      const backends = (state: string, count: number) =>
        series(
          "cnpg_backends_total",
          { ...pod, datname: "toolboxai", usename: "toolboxai", application_name: "", state },
          constant(count),
        );
      return pod === primary
        ? [backends("active", onPrimary - 5), backends("idle", 5)]
        : [backends("idle", 2)];
    }),
  ];
  // The primary streaming to `streaming` standbys (the values given), the standbys to none.
  const roles = (streaming: string) => [
    series("cnpg_pg_replication_in_recovery", primary, constant(0)),
    series("cnpg_pg_replication_streaming_replicas", primary, streaming),
    ...[firstStandby, ...otherStandbys].flatMap((pod) => [
      series("cnpg_pg_replication_in_recovery", pod, constant(1)),
      series("cnpg_pg_replication_streaming_replicas", pod, constant(0)),
    ]),
  ];
  // The first standby's replay lag; the primary's and the other standbys' 0.
  const lag = (seconds: number) =>
    pods.map((pod) =>
      series("cnpg_pg_replication_lag", pod, constant(pod === firstStandby ? seconds : 0)),
    );
  // The first standby promoted at `minute`, the old primary's pod gone then; the others standbys.
  const promotedAt = (minute: number) => [
    series("cnpg_pg_replication_in_recovery", primary, `0x${minute - 1}`),
    series("cnpg_pg_replication_in_recovery", firstStandby, `1x${minute - 1} 0x${90 - minute}`),
    ...otherStandbys.map((pod) => series("cnpg_pg_replication_in_recovery", pod, constant(1))),
  ];
  const failoverEval = 2 * failoverWindowMinutes;

  return [
    {
      alert: "PostgresDown",
      evalTime: "5m",
      // Every instance's PostgreSQL down; or no instance manager answering Prometheus at all.
      firing: { series: answering(...pods.map(() => 0)), labels: cluster },
      alsoFiring: [{ series: pods.map((pod) => series("up", pod, constant(0))), labels: cluster }],
      // One instance answering is enough: the primary's PostgreSQL down, the standbys' up.
      healthy: answering(0, ...pods.slice(1).map(() => 1)),
      alsoHealthy: [answering(...pods.map(() => 1))],
    },
    {
      alert: "PostgresTooManyConnections",
      evalTime: "5m",
      firing: {
        series: connections(t.postgresConnectionsPercent + 5),
        labels: { namespace: primary.namespace, pod: primary.pod },
      },
      healthy: connections(10),
    },
    {
      alert: "PostgresStandbyMissing",
      evalTime: "10m",
      firing: { series: roles(constant(standbyCount - 1)), labels: primary },
      healthy: roles(constant(standbyCount)),
      // A standby away for 3 minutes (a restart), less than the rule's 5.
      alsoHealthy: [roles(`${standbyCount}x2 ${standbyCount - 1}x2 ${standbyCount}x90`)],
    },
    {
      alert: "PostgresReplicationLag",
      evalTime: "10m",
      firing: { series: lag(t.postgresReplicationLagSeconds + 10), labels: firstStandby },
      healthy: lag(Math.floor(t.postgresReplicationLagSeconds / 2)),
    },
    {
      alert: "PostgresFailover",
      // Within the window after the promotion it fires; past it, and with steady roles, not.
      evalTime: `${failoverEval}m`,
      firing: { series: promotedAt(failoverEval - 5), labels: firstStandby },
      healthy: roles(constant(standbyCount)),
      alsoHealthy: [promotedAt(failoverEval - failoverWindowMinutes - 5)],
    },
    ...(settings.database.archived ? archiveCases(settings, pods) : []),
  ];
}

/**
 * A cluster's continuous archive, on the same pods (the first the primary): pg_stat_archiver's
 * series on the primary only (its default query's predicate), the instance manager's gauges on
 * every instance.
 */
function archiveCases(
  settings: AlertSettings,
  pods: readonly Record<string, string>[],
): AlertCase[] {
  const [primary] = pods;
  const rpo = settings.recoveryPointObjectiveMinutes;
  const minutes = rpo + 20;
  const hours = baseBackupMaxAgeHours + 6;
  // The primary's role (and the standbys'), over `length` steps.
  const roles = (length: number) =>
    pods.map((pod) =>
      series("cnpg_pg_replication_in_recovery", pod, constant(pod === primary ? 0 : 1, length)),
    );
  // The epochs of the latest archival and of the latest failure (-1: none).
  const attempts = (archived: string, failed: string) => [
    ...roles(90),
    series("cnpg_pg_stat_archiver_last_archived_time", primary, archived),
    series("cnpg_pg_stat_archiver_last_failed_time", primary, failed),
  ];
  // Seconds since the latest archival, and the segments waiting for it.
  const archival = (secondsSince: string, ready: number) => [
    ...roles(minutes),
    series("cnpg_pg_stat_archiver_seconds_since_last_archival", primary, secondsSince),
    ...pods.map((pod) =>
      series(
        "cnpg_collector_pg_wal_archive_status",
        { ...pod, value: "ready" },
        constant(pod === primary ? ready : 0, minutes),
      ),
    ),
    ...pods.map((pod) =>
      series(
        "cnpg_collector_pg_wal_archive_status",
        { ...pod, value: "done" },
        constant(40, minutes),
      ),
    ),
  ];
  // The newest base backup's epoch on the primary; the standbys report 0 (never set there).
  const baseBackup = (epoch: number) => [
    ...roles(hours),
    ...pods.map((pod) =>
      series(
        "cnpg_collector_last_available_backup_timestamp",
        pod,
        constant(pod === primary ? epoch : 0, hours),
      ),
    ),
  ];
  return [
    {
      alert: "PostgresWalArchivingFailing",
      evalTime: "10m",
      // Failing since a success; or never archived at all.
      firing: { series: attempts(constant(300), constant(600)), labels: primary },
      alsoFiring: [{ series: attempts(constant(-1), constant(600)), labels: primary }],
      // A failure, then a success; never a failure; a failure healed within 3 minutes.
      healthy: attempts(constant(600), constant(300)),
      alsoHealthy: [attempts(constant(600), constant(-1)), attempts("300x2 900x90", constant(600))],
    },
    {
      alert: "PostgresWalArchiveStale",
      // The latest archival at time 0, segments waiting: the RPO passes, then `for: 5m`.
      evalTime: `${rpo + 10}m`,
      firing: { series: archival(`0+60x${minutes}`, 3), labels: primary },
      // Archiving every minute though segments come; an idle primary, nothing to archive.
      healthy: archival(constant(30, minutes), 1),
      alsoHealthy: [archival(`0+60x${minutes}`, 0)],
    },
    {
      alert: "PostgresBaseBackupTooOld",
      // Hourly steps: a backup an hour in and none since; pending past the age, then `for: 1h`.
      evalTime: `${baseBackupMaxAgeHours + 4}h`,
      interval: "1h",
      firing: { series: baseBackup(3600), labels: primary },
      // No base backup ever (the primary's 0).
      alsoFiring: [{ series: baseBackup(0), labels: primary }],
      // A backup a day in: the standbys' 0 fire nothing.
      healthy: baseBackup(86400),
    },
  ];
}

/** `{{ $labels.x }}` replaced as Prometheus would: the annotations and labels an alert gets. */
function expand(template: string, labels: Record<string, string>): string {
  return template.replace(
    /\{\{ \$labels\.([a-zA-Z_]+) \}\}/g,
    (_, name: string) => labels[name] ?? "",
  );
}

/** The evaluation steps the cases use: one promtool test file each. */
export function caseIntervals(cases: readonly AlertCase[]): string[] {
  return [...new Set(cases.map((alertCase) => alertCase.interval ?? "1m"))];
}

/**
 * A promtool unit-test file for the rule file `ruleFile`: every case of the evaluation step
 * `interval`, each of its firing and healthy situations a test of its own.
 */
export function promtoolTests(
  groups: readonly RuleGroup[],
  cases: readonly AlertCase[],
  ruleFile: string,
  interval = "1m",
) {
  const rules = new Map<string, AlertRule>(
    groups.flatMap((group) => group.rules.map((rule) => [rule.alert, rule] as const)),
  );
  return {
    rule_files: [ruleFile],
    evaluation_interval: interval,
    tests: cases
      .filter((alertCase) => (alertCase.interval ?? "1m") === interval)
      .flatMap((alertCase) => {
        const rule = rules.get(alertCase.alert);
        if (!rule) throw new Error(`no rule ${alertCase.alert}`);
        const test = (inputSeries: readonly Series[], expAlerts: object[]) => ({
          interval,
          input_series: inputSeries,
          alert_rule_test: [
            { eval_time: alertCase.evalTime, alertname: alertCase.alert, exp_alerts: expAlerts },
          ],
        });
        const fires = ({ series: inputSeries, labels }: Firing) => {
          const expLabels = {
            ...labels,
            severity: rule.labels.severity,
            service: expand(rule.labels.service, labels),
          };
          const expAnnotations = Object.fromEntries(
            Object.entries(rule.annotations).map(([key, value]) => [key, expand(value, expLabels)]),
          );
          return test(inputSeries, [{ exp_labels: expLabels, exp_annotations: expAnnotations }]);
        };
        return [
          ...[alertCase.firing, ...(alertCase.alsoFiring ?? [])].map(fires),
          ...[
            ...(alertCase.healthy ? [alertCase.healthy] : []),
            ...(alertCase.alsoHealthy ?? []),
          ].map((inputSeries) => test(inputSeries, [])),
        ];
      }),
  };
}

/**
 * Redis: the single server's exporter; in Sentinel mode every server's (one primary, the rest
 * replicas) and every Sentinel's, as Prometheus labels them (namespace, pod).
 */
function redisCases(settings: AlertSettings): AlertCase[] {
  if (settings.redis.mode === "single") {
    const server = { instance: "redis-0:9121", job: "redis" };
    return [
      {
        alert: "RedisDown",
        evalTime: "5m",
        firing: { series: [series("redis_up", server, constant(0))], labels: server },
        healthy: [series("redis_up", server, constant(1))],
      },
    ];
  }
  const namespace = "toolboxai";
  const replicas = settings.redis.replicas;
  const servers = replicas + 1;
  const quorum = sentinelQuorum(servers);
  const pods = Array.from({ length: servers }, (_, index) => ({
    namespace,
    pod: `redis-${index}`,
  }));
  const server = (pod: Record<string, string>) => ({ ...pod, job: "redis" });
  const sentinel = (pod: Record<string, string>) => ({ ...pod, job: "redis-sentinel" });
  const master = { master_name: "toolboxai", master_address: "redis-0.redis:6379" };
  // Each server's redis_up (and the scrape's up): `answering` of them answer.
  const up = (answering: number) =>
    pods.flatMap((pod, index) => [
      series("redis_up", server(pod), constant(index < answering ? 1 : 0)),
      series("up", server(pod), constant(1)),
    ]);
  // What every Sentinel reports: the Sentinels and replicas it sees up.
  const seen = (okSentinels: number, okReplicas: number) =>
    pods.flatMap((pod) => [
      series(
        "redis_sentinel_master_ok_sentinels",
        { ...sentinel(pod), ...master },
        constant(okSentinels),
      ),
      series(
        "redis_sentinel_master_ok_slaves",
        { ...sentinel(pod), ...master },
        constant(okReplicas),
      ),
      series("up", sentinel(pod), constant(1)),
    ]);
  // Every Sentinel gone: no series of theirs but the scrapes' failures.
  const sentinelsGone = pods.map((pod) => series("up", sentinel(pod), constant(0)));
  // The servers' roles; `promotedAt` minutes in, redis-1 takes over from redis-0.
  const info = (pod: Record<string, string>, role: string, values: string) =>
    series("redis_instance_info", { ...server(pod), role }, values);
  const steadyRoles = pods.map((pod, index) =>
    info(pod, index === 0 ? "master" : "slave", constant(1)),
  );
  const promotedAt = (minute: number) => [
    info(pods[0], "master", `1x${minute}`),
    info(pods[1], "slave", `1x${minute}`),
    info(pods[1], "master", `_x${minute} 1x${90 - minute}`),
    ...pods.slice(2).map((pod) => info(pod, "slave", constant(1))),
  ];
  const failoverEval = redisFailoverWindowMinutes + 10;
  return [
    {
      alert: "RedisDown",
      evalTime: "5m",
      firing: { series: up(0), labels: { namespace } },
      // A replica down is not Redis down (RedisReplicaMissing says so).
      healthy: up(servers - 1),
      alsoHealthy: [up(servers)],
    },
    {
      alert: "RedisSentinelQuorumLost",
      evalTime: "5m",
      firing: { series: seen(quorum - 1, replicas), labels: { namespace } },
      alsoFiring: [{ series: sentinelsGone, labels: { namespace } }],
      healthy: seen(quorum, replicas),
    },
    {
      alert: "RedisReplicaMissing",
      evalTime: "10m",
      firing: { series: seen(servers, replicas - 1), labels: { namespace } },
      healthy: seen(servers, replicas),
    },
    {
      alert: "RedisFailover",
      evalTime: `${failoverEval}m`,
      firing: {
        series: promotedAt(failoverEval - 5),
        labels: { ...server(pods[1]), role: "master" },
      },
      healthy: steadyRoles,
      alsoHealthy: [promotedAt(failoverEval - redisFailoverWindowMinutes - 5)],
    },
  ];
}
