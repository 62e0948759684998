// The "ToolboxAI overview" dashboard.
import { dashboard } from "../dashboard";
import type { Dashboard } from "../model";
import {
  bytes,
  count,
  needs,
  perSecond,
  percent,
  q,
  requestsPerSecond,
  seconds,
  stat,
  timeseries,
} from "../panels";
import { errorShare, labelsOf, quantile, selector, sumRate } from "../promql";
import { variablesOf } from "../variables";
import type { DashboardOptions } from "./options";

export function overview(options: DashboardOptions, tags: (topic: string) => string[]): Dashboard {
  const labels = labelsOf(options.platform);
  const { ns, containers, replica } = labels;
  return dashboard(
    {
      uid: "toolboxai-overview",
      title: "ToolboxAI overview",
      tags: tags("overview"),
      variables: variablesOf(labels),
      platform: options.platform,
    },
    [
      [
        stat(
          "Request rate",
          "HTTP requests per second across all services.",
          requestsPerSecond,
          q(sumRate("", "http_requests_total", ns)),
        ),
        stat(
          "Error share",
          "Share of all HTTP requests answered with 5xx.",
          percent,
          q(errorShare("", ns)),
        ),
        stat(
          "p95 latency",
          "95th-percentile HTTP response time across all services.",
          seconds,
          q(quantile(0.95, "", "http_request_duration_seconds", ns)),
        ),
        stat(
          "Celery workers online",
          "Celery workers Flower sees online.",
          count,
          q(`sum(${selector("flower_worker_online", ns)})`),
        ),
        stat(
          "Task runtime p95",
          "95th-percentile runtime of Celery tasks.",
          seconds,
          q(quantile(0.95, "", "flower_task_runtime_seconds", ns)),
        ),
        needs(
          "kube-state-metrics",
          stat(
            "Pod restarts",
            "Container restarts in the namespace over the selected time range.",
            count,
            q(
              `sum(increase(${selector("kube_pod_container_status_restarts_total", ns)}[$__range]))`,
            ),
          ),
        ),
      ],
      [
        timeseries(
          "Request rate per job",
          "HTTP requests per second of each service.",
          requestsPerSecond,
          q(sumRate("job", "http_requests_total", ns), "{{job}}"),
        ),
        timeseries(
          "User activity",
          "Sessions the backend holds: the users signed in.",
          count,
          q(`sum(${selector("toolboxai_active_sessions", ns)})`, "sessions"),
        ),
        timeseries(
          "Celery task events",
          "Task events per second Flower receives, by type (received, started, succeeded, failed …).",
          perSecond,
          q(sumRate("type", "flower_events_total", ns), "{{type}}"),
        ),
      ],
      [
        timeseries(
          "Redis clients",
          "Clients connected to Redis: Celery workers, the backend and Flower.",
          count,
          q(`sum by (${replica}) (${selector("redis_connected_clients", ns)})`, `{{${replica}}}`),
        ),
        timeseries(
          "Redis memory",
          "Memory Redis uses against its maxmemory (0 when unlimited).",
          bytes,
          q(
            `sum by (${replica}) (${selector("redis_memory_used_bytes", ns)})`,
            `{{${replica}}} used`,
          ),
          q(
            `sum by (${replica}) (${selector("redis_memory_max_bytes", ns)})`,
            `{{${replica}}} max`,
          ),
        ),
        timeseries(
          "Redis hit rate",
          "Share of key lookups that find their key.",
          percent,
          q(
            `${sumRate("", "redis_keyspace_hits_total", ns)} / (${sumRate("", "redis_keyspace_hits_total", ns)} + ${sumRate("", "redis_keyspace_misses_total", ns)})`,
            "hit rate",
          ),
        ),
      ],
      [
        needs(
          "kube-state-metrics",
          timeseries(
            "Pod restarts",
            "Container restarts per pod over the last hour: a climbing line is a crash loop.",
            count,
            q(
              `sum by (pod) (increase(${selector("kube_pod_container_status_restarts_total", ns)}[1h]))`,
              "{{pod}}",
            ),
          ),
        ),
        timeseries(
          "Task runtime p50 / p95",
          "Median and 95th-percentile runtime of Celery tasks.",
          seconds,
          q(quantile(0.5, "", "flower_task_runtime_seconds", ns), "p50"),
          q(quantile(0.95, "", "flower_task_runtime_seconds", ns), "p95"),
        ),
        needs(
          "kubelet-cadvisor",
          timeseries(
            "Namespace CPU and memory",
            "CPU (cores) and working-set memory (bytes) of all the namespace's containers.",
            count,
            q(sumRate("", "container_cpu_usage_seconds_total", containers), "CPU cores"),
            q(
              `sum(${selector("container_memory_working_set_bytes", containers)}) / 2^30`,
              "memory GiB",
            ),
          ),
        ),
      ],
    ],
  );
}
