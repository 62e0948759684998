// The data stores: PostgreSQL and Redis up, PostgreSQL connections below the threshold.
import type { AlertSettings } from "./model";
import { ratio, type RuleSpec } from "./rule";

export function dataRules(settings: AlertSettings): RuleSpec[] {
  const t = settings.thresholds;
  return [
    {
      alert: "PostgresDown",
      expr: "pg_up == 0",
      for: "1m",
      severity: "critical",
      service: "postgres",
      summary: "PostgreSQL is down",
      description:
        "postgres-exporter cannot connect to PostgreSQL: the application cannot read or write data.",
    },
    {
      alert: "PostgresTooManyConnections",
      expr: `sum by (instance) (pg_stat_activity_count) > min by (instance) (pg_settings_max_connections) * ${ratio(t.postgresConnectionsPercent)}`,
      for: "2m",
      severity: "warning",
      service: "postgres",
      summary: `PostgreSQL connections above ${t.postgresConnectionsPercent}% of max_connections`,
      description:
        "New connections will soon be refused: look for connection leaks or raise max_connections.",
    },
    {
      alert: "RedisDown",
      expr: "redis_up == 0",
      for: "1m",
      severity: "critical",
      service: "redis",
      summary: "Redis is down",
      description:
        "redis_exporter cannot connect to Redis: Celery's broker and the cache are gone.",
    },
  ];
}
