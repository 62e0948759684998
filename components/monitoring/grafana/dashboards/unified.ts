// The "ToolboxAI unified overview" dashboard.
import { datasourceUids } from "../../grafana-config";
import { dashboard } from "../dashboard";
import type { Dashboard } from "../model";
import { bytes, count, needs, percent, q, requestsPerSecond, stat, timeseries } from "../panels";
import { errorShare, labelsOf, matching, selector, sumRate } from "../promql";
import { jobVariable, variablesOf } from "../variables";
import type { DashboardOptions } from "./options";

export function unified(options: DashboardOptions, tags: (topic: string) => string[]): Dashboard {
  const labels = labelsOf(options.platform);
  const { ns, jobs, containers } = labels;
  const requests = matching(ns, jobs);
  return dashboard(
    {
      uid: "toolboxai-unified",
      title: "ToolboxAI unified overview",
      tags: tags("overview"),
      variables: variablesOf(labels, jobVariable(options.appJobs)),
      platform: options.platform,
    },
    [
      [
        needs(
          "node-exporter",
          timeseries(
            "Node CPU usage",
            "Share of CPU time each node spends outside idle.",
            percent,
            q(
              `1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[$__rate_interval]))`,
              "{{instance}}",
            ),
          ),
        ),
        needs(
          "node-exporter",
          timeseries(
            "Node memory usage",
            "Share of each node's memory not available to new processes.",
            percent,
            q("1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes", "{{instance}}"),
          ),
        ),
        stat(
          "Service health",
          "Share of each scrape job's targets that answer (1 = all up).",
          percent,
          q("avg by (job) (up)", "{{job}}"),
        ),
      ],
      [
        needs(
          "kubelet-cadvisor",
          timeseries(
            "CPU per pod (cores)",
            "CPU used by the containers of each pod of the namespace (cAdvisor).",
            count,
            q(sumRate("pod", "container_cpu_usage_seconds_total", containers), "{{pod}}"),
          ),
        ),
        needs(
          "kubelet-cadvisor",
          timeseries(
            "Memory per pod",
            "Working-set memory of the containers of each pod: what the OOM killer judges.",
            bytes,
            q(
              `sum by (pod) (${selector("container_memory_working_set_bytes", containers)})`,
              "{{pod}}",
            ),
          ),
        ),
      ],
      [
        timeseries(
          "Request rate per job",
          "HTTP requests per second answered by each app job.",
          requestsPerSecond,
          q(sumRate("job", "http_requests_total", requests), "{{job}}"),
        ),
        timeseries(
          "Error rate per job",
          "Share of each app job's HTTP requests answered with 5xx.",
          percent,
          q(errorShare("job", requests), "{{job}}"),
        ),
      ],
      [
        {
          source: "pod-logs",
          type: "logs",
          title: "Error log lines",
          description: `Log lines of the namespace's pods that mention an error (Loki, environment ${options.environment}).`,
          datasource: datasourceUids.loki,
          queries: [
            {
              expr: `{${matching(ns, `environment=${JSON.stringify(options.environment)}`)}} |~ "(?i)(error|exception|traceback)"`,
            },
          ],
          options: {
            showTime: true,
            wrapLogMessage: true,
            enableLogDetails: true,
            sortOrder: "Descending",
            dedupStrategy: "none",
          },
        },
      ],
    ],
  );
}
