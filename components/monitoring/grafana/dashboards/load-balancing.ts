// The "Load balancing" dashboard.
import { dashboard } from "../dashboard";
import type { Dashboard } from "../model";
import { count, needs, percent, q, requestsPerSecond, seconds, timeseries } from "../panels";
import { labelsOf, matching, quantile, selector, sumRate } from "../promql";
import { jobVariable, variablesOf } from "../variables";
import type { DashboardOptions } from "./options";

export function loadBalancing(
  options: DashboardOptions,
  tags: (topic: string) => string[],
): Dashboard {
  const labels = labelsOf(options.platform);
  const { ns, jobs, containers, replica, replicaNoun } = labels;
  const requests = matching(ns, jobs);
  const byReplica = `job, ${replica}`;
  return dashboard(
    {
      uid: "toolboxai-load-balancing",
      title: "Load balancing",
      tags: tags("load-balancing"),
      variables: variablesOf(labels, jobVariable(options.appJobs)),
      platform: options.platform,
    },
    [
      [
        timeseries(
          `Request rate by ${replicaNoun}`,
          `HTTP requests per second each ${replicaNoun} answers: the replicas of a job should carry alike.`,
          requestsPerSecond,
          q(sumRate(byReplica, "http_requests_total", requests), `{{job}} {{${replica}}}`),
        ),
        timeseries(
          `Traffic share by ${replicaNoun}`,
          `Each ${replicaNoun}'s share of its job's requests.`,
          percent,
          q(
            `${sumRate(byReplica, "http_requests_total", requests)} / on (job) group_left ${sumRate("job", "http_requests_total", requests)}`,
            `{{job}} {{${replica}}}`,
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
          `Response time p95 per ${replicaNoun}`,
          `95th-percentile response time of each ${replicaNoun}: one slow replica shows here.`,
          seconds,
          q(quantile(0.95, byReplica, "http_request_duration_seconds", requests), `{{${replica}}}`),
        ),
      ],
      [
        needs(
          "kube-state-metrics",
          timeseries(
            "Replicas available vs desired",
            "Available replicas of each Deployment against the replicas its spec asks for.",
            count,
            q(
              `sum by (deployment) (${selector("kube_deployment_status_replicas_available", ns)})`,
              "{{deployment}} available",
            ),
            q(
              `sum by (deployment) (${selector("kube_deployment_spec_replicas", ns)})`,
              "{{deployment}} desired",
            ),
          ),
        ),
        needs(
          "kube-state-metrics",
          timeseries(
            "Autoscaler replicas vs maximum",
            "Current replicas of each HorizontalPodAutoscaler against its maximum: at the maximum it cannot absorb more load.",
            count,
            q(
              `sum by (horizontalpodautoscaler) (${selector("kube_horizontalpodautoscaler_status_current_replicas", ns)})`,
              "{{horizontalpodautoscaler}} current",
            ),
            q(
              `sum by (horizontalpodautoscaler) (${selector("kube_horizontalpodautoscaler_spec_max_replicas", ns)})`,
              "{{horizontalpodautoscaler}} max",
            ),
          ),
        ),
      ],
      [
        needs(
          "kubelet-cadvisor",
          timeseries(
            "CPU throttling by pod",
            "Share of CFS periods in which a pod's containers were throttled at their CPU limit.",
            percent,
            q(
              `${sumRate("pod", "container_cpu_cfs_throttled_periods_total", containers)} / ${sumRate("pod", "container_cpu_cfs_periods_total", containers)}`,
              "{{pod}}",
            ),
          ),
        ),
        needs(
          "kubelet-cadvisor",
          timeseries(
            "Network traffic by pod",
            "Bytes per second each pod receives (positive) and sends (negative).",
            { unit: "Bps" },
            q(sumRate("pod", "container_network_receive_bytes_total", ns), "{{pod}} received"),
            q(`-${sumRate("pod", "container_network_transmit_bytes_total", ns)}`, "{{pod}} sent"),
          ),
        ),
      ],
    ],
  );
}
