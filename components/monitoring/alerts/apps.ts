// The HTTP applications: up, errors and latency within the thresholds; the certificate renewed.
import type { AlertSettings } from "./model";
import { ratio, type RuleSpec } from "./rule";

/** A Prometheus regex matching exactly these job names. */
function jobMatcher(jobs: readonly string[]): string {
  return jobs.map((job) => job.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|");
}

export function appRules(settings: AlertSettings): RuleSpec[] {
  const t = settings.thresholds;
  const apps = `job=~"${jobMatcher(settings.appJobs)}"`;
  return [
    {
      alert: "TargetDown",
      expr: `up{${apps}} == 0`,
      for: "2m",
      severity: "critical",
      service: "{{ $labels.job }}",
      summary: "{{ $labels.job }} is not answering its health and metrics endpoint",
      description:
        "Prometheus cannot scrape {{ $labels.instance }} of {{ $labels.job }}: the service is down or unreachable.",
    },
    {
      alert: "HighErrorRate",
      expr: `sum by (job) (rate(http_requests_total{${apps}, status=~"5.."}[5m])) / sum by (job) (rate(http_requests_total{${apps}}[5m])) > ${ratio(t.errorRatePercent)}`,
      for: "5m",
      severity: "critical",
      service: "{{ $labels.job }}",
      summary: `{{ $labels.job }} answers more than ${t.errorRatePercent}% of requests with 5xx`,
      description:
        "Server errors of {{ $labels.job }} have been above the threshold for 5 minutes.",
    },
    {
      alert: "SlowResponses",
      expr: `histogram_quantile(0.95, sum by (job, le) (rate(http_request_duration_seconds_bucket{${apps}}[5m]))) > ${t.slowResponseMilliseconds / 1000}`,
      for: "10m",
      severity: "warning",
      service: "{{ $labels.job }}",
      summary: `{{ $labels.job }}'s 95th-percentile response time is above ${t.slowResponseMilliseconds} ms`,
      description:
        "Requests to {{ $labels.job }} have been slower than the threshold for 10 minutes.",
    },
    {
      alert: "CertificateExpiringSoon",
      expr: `(certmanager_certificate_expiration_timestamp_seconds - time()) / 86400 < ${t.certificateDays}`,
      for: "1h",
      severity: "warning",
      service: "gateway",
      source: "cert-manager",
      summary: `Certificate {{ $labels.name }} expires in less than ${t.certificateDays} days`,
      description:
        "cert-manager has not renewed {{ $labels.namespace }}/{{ $labels.name }} in time.",
    },
  ];
}
