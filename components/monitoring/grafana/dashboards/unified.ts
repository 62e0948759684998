// The "ToolboxAI unified overview" dashboard.
import { datasourceUids } from "../../grafana-config";
import { dashboard } from "../dashboard";
import type { Dashboard } from "../model";
import { bytes, count, percent, q, requestsPerSecond, stat, timeseries } from "../panels";
import { containers, errorShare, jobs, ns, sumRate } from "../promql";
import { jobVariable, namespaceVariable } from "../variables";
import type { DashboardOptions } from "./options";

export function unified(options: DashboardOptions, tags: (topic: string) => string[]): Dashboard {
  const requests = `${ns}, ${jobs}`;
  return dashboard(
    "toolboxai-unified",
    "ToolboxAI unified overview",
    tags("overview"),
    [namespaceVariable, jobVariable(options.appJobs)],
    [
      [
        timeseries(
          "Node CPU usage",
          "Share of CPU time each node spends outside idle.",
          percent,
          q(
            `1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[$__rate_interval]))`,
            "{{instance}}",
          ),
        ),
        timeseries(
          "Node memory usage",
          "Share of each node's memory not available to new processes.",
          percent,
          q("1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes", "{{instance}}"),
        ),
        stat(
          "Service health",
          "Share of each scrape job's targets that answer (1 = all up).",
          percent,
          q("avg by (job) (up)", "{{job}}"),
        ),
      ],
      [
        timeseries(
          "CPU per pod (cores)",
          "CPU used by the containers of each pod of the namespace (cAdvisor).",
          count,
          q(sumRate("pod", "container_cpu_usage_seconds_total", containers), "{{pod}}"),
        ),
        timeseries(
          "Memory per pod",
          "Working-set memory of the containers of each pod: what the OOM killer judges.",
          bytes,
          q(`sum by (pod) (container_memory_working_set_bytes{${containers}})`, "{{pod}}"),
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
          type: "logs",
          title: "Error log lines",
          description: `Log lines of the namespace's pods that mention an error (Loki, environment ${options.environment}).`,
          datasource: datasourceUids.loki,
          queries: [
            {
              expr: `{${ns}, environment=${JSON.stringify(options.environment)}} |~ "(?i)(error|exception|traceback)"`,
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
