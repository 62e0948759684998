// The data stores: PostgreSQL and Redis up, PostgreSQL connections below the threshold; with a
// CloudNativePG cluster also its standbys streaming and caught up, and a change of primary
// noticed; with one that archives to the stack's bucket, its WAL archived within the recovery
// point objective and a base backup daily. Which series express each with the stack's engine is
// ../postgres-series.ts's.
import { redisSentinelJob, sentinelQuorum } from "../../data/redis";
import { postgresJob, postgresSeries, selectorOf } from "../postgres-series";
import type { AlertSettings } from "./model";
import { ratio, type RuleSpec } from "./rule";

/** How long PostgresFailover reports an instance's change of role. */
export const failoverWindowMinutes = 15;

/** The newest base backup's age that raises PostgresBaseBackupTooOld: a daily schedule, plus slack. */
export const baseBackupMaxAgeHours = 26;

export function dataRules(settings: AlertSettings): RuleSpec[] {
  return [
    postgresDown(settings),
    postgresTooManyConnections(settings),
    ...postgresReplicationRules(settings),
    ...postgresArchiveRules(settings),
    ...redisRules(settings),
  ];
}

/** How long RedisFailover reports a new primary. */
export const redisFailoverWindowMinutes = 15;

/** Redis up; in Sentinel mode, its replicas streaming and a majority of Sentinels to fail over. */
function redisRules(settings: AlertSettings): RuleSpec[] {
  const down = {
    alert: "RedisDown",
    for: "1m",
    severity: "critical",
    service: "redis",
    summary: "Redis is down",
  } as const;
  if (settings.redis.mode === "single") {
    return [
      {
        ...down,
        expr: "redis_up == 0",
        description:
          "redis_exporter cannot connect to Redis: Celery's broker and the cache are gone.",
      },
    ];
  }
  const servers = settings.redis.replicas + 1;
  const quorum = sentinelQuorum(servers);
  const replicas = settings.redis.replicas;
  const sentinels = `job="${redisSentinelJob}"`;
  // A server Prometheus cannot scrape (its series gone, its `up` 0) counts as one that is down.
  const perNamespace = (metric: string, job: string) =>
    `(max by (namespace) (${metric}{${job}}) or max by (namespace) (up{${job}}) * 0)`;
  return [
    {
      ...down,
      expr: `${perNamespace("redis_up", 'job="redis"')} == 0`,
      description:
        "No Redis server in {{ $labels.namespace }} answers its exporter: Celery's broker and the cache are gone.",
    },
    {
      alert: "RedisSentinelQuorumLost",
      expr: `${perNamespace("redis_sentinel_master_ok_sentinels", sentinels)} < ${quorum}`,
      for: "2m",
      severity: "critical",
      service: "redis",
      summary: `Fewer than ${quorum} of the ${servers} Redis Sentinels reach each other`,
      description:
        "No Sentinel in {{ $labels.namespace }} sees a majority of them up: if the primary fails now, no replica is promoted, and Celery's broker and the cache stop until it is back.",
    },
    {
      alert: "RedisReplicaMissing",
      expr: `max by (namespace) (redis_sentinel_master_ok_slaves{${sentinels}}) < ${replicas}`,
      for: "5m",
      severity: "warning",
      service: "redis",
      summary: `The Redis primary has fewer than its ${replicas} replicas`,
      description:
        "The Sentinels in {{ $labels.namespace }} have seen a replica down for 5 minutes: a failover has fewer candidates, and writes since its last sync live on fewer servers.",
    },
    {
      alert: "RedisFailover",
      // A server that is the primary now and was a replica within the window.
      expr: `redis_instance_info{job="redis",role="master"} and on (namespace, pod) max_over_time(redis_instance_info{job="redis",role="slave"}[${redisFailoverWindowMinutes}m])`,
      for: "0s",
      severity: "warning",
      service: "redis",
      summary: `Redis {{ $labels.pod }} became the primary in the last ${redisFailoverWindowMinutes} minutes`,
      description:
        "The Sentinels in {{ $labels.namespace }} promoted a replica: the primary failed or stopped (a rolling update's restart, a node's loss). Clients reconnected through the Sentinels; find out why it happened.",
    },
  ];
}

/** PostgreSQL answers no one: the single server, or every instance of the cluster. */
function postgresDown(settings: AlertSettings): RuleSpec {
  const pg = postgresSeries[settings.database.engine];
  const alert = {
    alert: "PostgresDown",
    for: "1m",
    severity: "critical",
    service: "postgres",
    summary: "PostgreSQL is down",
  } as const;
  if (settings.database.engine === "single") {
    return {
      ...alert,
      expr: `${selectorOf(pg.up)} == 0`,
      description:
        "postgres-exporter cannot connect to PostgreSQL: the application cannot read or write data.",
    };
  }
  // Down when no instance answers: none whose instance manager reaches its PostgreSQL. An
  // instance Prometheus cannot scrape (its series gone, its `up` 0) counts as one that does not.
  return {
    ...alert,
    expr: `max by (namespace, job) (${selectorOf(pg.up)} or (up{job="${postgresJob}"} * 0)) == 0`,
    description:
      "No instance of the CloudNativePG cluster in {{ $labels.namespace }} reaches its PostgreSQL: the application cannot read or write data.",
  };
}

/** An instance's connections against its own max_connections. */
function postgresTooManyConnections(settings: AlertSettings): RuleSpec {
  const t = settings.thresholds;
  const pg = postgresSeries[settings.database.engine];
  const by = pg.instanceLabels;
  return {
    alert: "PostgresTooManyConnections",
    expr: `sum by (${by}) (${selectorOf(pg.connections)}) > min by (${by}) (${selectorOf(pg.maxConnections)}) * ${ratio(t.postgresConnectionsPercent)}`,
    for: "2m",
    severity: "warning",
    service: "postgres",
    summary: `PostgreSQL connections above ${t.postgresConnectionsPercent}% of max_connections`,
    description:
      "New connections will soon be refused: look for connection leaks or raise max_connections.",
  };
}

/** A replicated cluster's standbys: all streaming, caught up, and the primary where it was. */
function postgresReplicationRules(settings: AlertSettings): RuleSpec[] {
  const { replication } = postgresSeries[settings.database.engine];
  // The single server has no standby: nothing replicates, nothing fails over.
  if (!replication) return [];
  const standbys = settings.database.instances - 1;
  const fewer = standbys === 1 ? "no standby" : `fewer than its ${standbys} standbys`;
  const synchronous = settings.database.synchronousStandbys;
  const commitsWait =
    synchronous === 0
      ? "."
      : `, and with ${synchronous === 1 ? "none" : `fewer than ${synchronous}`} streaming, commits wait (synchronous replication).`;
  const lagSeconds = settings.thresholds.postgresReplicationLagSeconds;
  return [
    {
      alert: "PostgresStandbyMissing",
      // The primary's count: a standby streams to no one and reports 0.
      expr: `${selectorOf(replication.streamingStandbys)} < ${standbys} and on (namespace, pod) ${selectorOf(replication.inRecovery)} == 0`,
      for: "5m",
      severity: "warning",
      service: "postgres",
      summary: `The PostgreSQL primary {{ $labels.pod }} streams to ${fewer}`,
      description:
        "A standby of the CloudNativePG cluster in {{ $labels.namespace }} has not streamed from the primary for 5 minutes (down, re-cloning, or unable to connect): a failover has fewer candidates" +
        commitsWait,
    },
    {
      alert: "PostgresReplicationLag",
      expr: `${selectorOf(replication.lag)} > ${lagSeconds}`,
      for: "5m",
      severity: "warning",
      service: "postgres",
      summary: `PostgreSQL standby {{ $labels.pod }} replays more than ${lagSeconds} s behind the primary`,
      description:
        "The standby has been behind for 5 minutes: reads from it are stale, and a failover to it waits for its replay to finish.",
    },
    {
      alert: "PostgresFailover",
      // A standby promoted (1 → 0) or the primary demoted (0 → 1).
      expr: `changes(${selectorOf(replication.inRecovery)}[${failoverWindowMinutes}m]) > 0`,
      for: "0s",
      severity: "warning",
      service: "postgres",
      summary: `PostgreSQL instance {{ $labels.pod }} changed role in the last ${failoverWindowMinutes} minutes`,
      description:
        "CloudNativePG promoted a standby or demoted the primary in {{ $labels.namespace }}: a failover, or a switchover (a rolling update's, or one asked for). Find out which, and why.",
    },
  ];
}

/**
 * A cluster's continuous archive to the stack's bucket: the primary's WAL archived, within the
 * recovery point objective, and a base backup daily. Only where the cluster archives.
 */
function postgresArchiveRules(settings: AlertSettings): RuleSpec[] {
  const { archive, replication } = postgresSeries[settings.database.engine];
  if (!archive || !replication || !settings.database.archived) return [];
  // The primary's series: an instance manager's gauge keeps its value on a demoted primary.
  const onPrimary = `and on (namespace, pod) ${selectorOf(replication.inRecovery)} == 0`;
  const rpo = settings.recoveryPointObjectiveMinutes;
  return [
    {
      alert: "PostgresWalArchivingFailing",
      // pg_stat_archiver's times: the latest failure after the latest success (-1: none).
      expr: `${selectorOf(archive.lastFailedTime)} > ${selectorOf(archive.lastArchivedTime)} ${onPrimary}`,
      for: "5m",
      severity: "warning",
      service: "postgres",
      summary: "The PostgreSQL primary {{ $labels.pod }} fails to archive its WAL",
      description:
        "The primary of the CloudNativePG cluster in {{ $labels.namespace }} has failed to archive WAL to the bucket, with no success since, for 5 minutes: the unarchived WAL piles up on its volume, and a point-in-time recovery reaches only the last segment archived.",
    },
    {
      alert: "PostgresWalArchiveStale",
      // WAL waiting to be archived: an idle primary, with nothing new to archive, loses nothing.
      expr: `${selectorOf(archive.secondsSinceLastArchival)} > ${rpo * 60} and on (namespace, pod) ${selectorOf(archive.segmentsReady)} > 0 ${onPrimary}`,
      for: "5m",
      severity: "critical",
      service: "postgres",
      summary: `The PostgreSQL primary {{ $labels.pod }} has archived no WAL within the ${rpo}-minute recovery point objective`,
      description:
        "WAL waits to be archived on the primary of the CloudNativePG cluster in {{ $labels.namespace }}, and the newest segment in the bucket is older than the recovery point objective: a point-in-time recovery now would lose more data than allowed.",
    },
    {
      alert: "PostgresBaseBackupTooOld",
      // No base backup yet (the gauge's 0) counts as too old: the first, taken as the cluster is
      // created, has the hour of `for`.
      expr: `time() - ${selectorOf(archive.lastBaseBackupTime)} > ${baseBackupMaxAgeHours * 3600} ${onPrimary}`,
      for: "1h",
      severity: "warning",
      service: "postgres",
      summary: `The newest PostgreSQL base backup is older than ${baseBackupMaxAgeHours} hours`,
      description:
        "The daily base backup of the CloudNativePG cluster in {{ $labels.namespace }} has not succeeded for more than a day: a point-in-time recovery starts from an ever older backup and replays ever more WAL.",
    },
  ];
}
