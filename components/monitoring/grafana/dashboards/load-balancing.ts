// The "Load balancing" dashboard.
import { dashboard } from "../dashboard";
import type { Dashboard } from "../model";
import { count, percent, q, requestsPerSecond, seconds, timeseries } from "../panels";
import { containers, jobs, ns, quantile, sumRate } from "../promql";
import { jobVariable, namespaceVariable } from "../variables";
import type { DashboardOptions } from "./options";

export function loadBalancing(
  options: DashboardOptions,
  tags: (topic: string) => string[],
): Dashboard {
  const requests = `${ns}, ${jobs}`;
  return dashboard(
    "toolboxai-load-balancing",
    "Load balancing",
    tags("load-balancing"),
    [namespaceVariable, jobVariable(options.appJobs)],
    [
      [
        timeseries(
          "Request rate by pod",
          "HTTP requests per second each pod answers: the replicas of a job should carry alike.",
          requestsPerSecond,
          q(sumRate("job, pod", "http_requests_total", requests), "{{job}} {{pod}}"),
        ),
        timeseries(
          "Traffic share by pod",
          "Each pod's share of its job's requests.",
          percent,
          q(
            `${sumRate("job, pod", "http_requests_total", requests)} / on (job) group_left ${sumRate("job", "http_requests_total", requests)}`,
            "{{job}} {{pod}}",
          ),
        ),
      ],
      [
        timeseries(
          "Response time p50 / p95 per job",
          "Median and 95th-percentile HTTP response time of each job.",
          seconds,
          q(quantile(0.5, "job", "http_request_duration_seconds", requests), "{{job}} p50"),
          q(quantile(0.95, "job", "http_request_duration_seconds", requests), "{{job}} p95"),
        ),
        timeseries(
          "Response time p95 per pod",
          "95th-percentile response time of each pod: one slow replica shows here.",
          seconds,
          q(quantile(0.95, "job, pod", "http_request_duration_seconds", requests), "{{pod}}"),
        ),
      ],
      [
        timeseries(
          "Replicas available vs desired",
          "Available replicas of each Deployment against the replicas its spec asks for.",
          count,
          q(
            `sum by (deployment) (kube_deployment_status_replicas_available{${ns}})`,
            "{{deployment}} available",
          ),
          q(`sum by (deployment) (kube_deployment_spec_replicas{${ns}})`, "{{deployment}} desired"),
        ),
        timeseries(
          "Autoscaler replicas vs maximum",
          "Current replicas of each HorizontalPodAutoscaler against its maximum: at the maximum it cannot absorb more load.",
          count,
          q(
            `sum by (horizontalpodautoscaler) (kube_horizontalpodautoscaler_status_current_replicas{${ns}})`,
            "{{horizontalpodautoscaler}} current",
          ),
          q(
            `sum by (horizontalpodautoscaler) (kube_horizontalpodautoscaler_spec_max_replicas{${ns}})`,
            "{{horizontalpodautoscaler}} max",
          ),
        ),
      ],
      [
        timeseries(
          "CPU throttling by pod",
          "Share of CFS periods in which a pod's containers were throttled at their CPU limit.",
          percent,
          q(
            `${sumRate("pod", "container_cpu_cfs_throttled_periods_total", containers)} / ${sumRate("pod", "container_cpu_cfs_periods_total", containers)}`,
            "{{pod}}",
          ),
        ),
        timeseries(
          "Network traffic by pod",
          "Bytes per second each pod receives (positive) and sends (negative).",
          { unit: "Bps" },
          q(sumRate("pod", "container_network_receive_bytes_total", ns), "{{pod}} received"),
          q(`-${sumRate("pod", "container_network_transmit_bytes_total", ns)}`, "{{pod}} sent"),
        ),
      ],
    ],
  );
}
