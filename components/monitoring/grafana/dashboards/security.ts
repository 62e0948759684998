// The "Security" dashboard.
import { dashboard } from "../dashboard";
import type { Dashboard } from "../model";
import {
  count,
  perSecond,
  percent,
  q,
  requestsPerSecond,
  stat,
  table,
  timeseries,
} from "../panels";
import { jobs, ns, sumRate } from "../promql";
import { jobVariable, namespaceVariable } from "../variables";
import type { DashboardOptions } from "./options";

export function security(options: DashboardOptions, tags: (topic: string) => string[]): Dashboard {
  const failed = `${ns}, result!="success"`;
  return dashboard(
    "toolboxai-security",
    "Security",
    tags("security"),
    [namespaceVariable, jobVariable(options.appJobs)],
    [
      [
        stat(
          "Sign-in attempts",
          "Authentication attempts over the selected time range.",
          count,
          q(`sum(increase(toolboxai_auth_attempts_total{${ns}}[$__range]))`),
        ),
        stat(
          "Failed sign-ins",
          "Authentication attempts over the selected time range whose result is not success.",
          count,
          q(`sum(increase(toolboxai_auth_attempts_total{${failed}}[$__range]))`),
        ),
        stat(
          "Active sessions",
          "Sessions the backend currently holds.",
          count,
          q(`sum(toolboxai_active_sessions{${ns}})`),
        ),
        stat(
          "Firing alerts",
          "Alerts firing now, the always-firing Watchdog excluded.",
          count,
          q('count(ALERTS{alertstate="firing", alertname!="Watchdog"}) or vector(0)'),
        ),
      ],
      [
        timeseries(
          "Authentication attempts by result",
          "Sign-in attempts per second, by result.",
          perSecond,
          q(sumRate("result", "toolboxai_auth_attempts_total", ns), "{{result}}"),
        ),
        timeseries(
          "Failed sign-in share",
          "Share of sign-in attempts that fail: a rise suggests credential stuffing.",
          percent,
          q(
            `${sumRate("", "toolboxai_auth_attempts_total", failed)} / ${sumRate("", "toolboxai_auth_attempts_total", ns)}`,
            "failed",
          ),
        ),
      ],
      [
        timeseries(
          "Rate-limited requests",
          "Requests refused by the backend's rate limiter, per pod: API abuse shows here first.",
          requestsPerSecond,
          q(sumRate("pod", "toolboxai_rate_limited_requests_total", ns), "{{pod}}"),
        ),
        timeseries(
          "4xx responses by handler",
          "Client errors per handler and status: probing and scraping show as 401, 403 and 404.",
          requestsPerSecond,
          q(
            sumRate("handler, status", "http_requests_total", `${ns}, ${jobs}, status=~"4.."`),
            "{{handler}} {{status}}",
          ),
        ),
      ],
      [
        table(
          "Firing alerts",
          "The alerts firing now, with their severity and service.",
          {},
          {
            expr: 'sum by (alertname, severity, service) (ALERTS{alertstate="firing"})',
            instant: true,
            format: "table",
          },
        ),
        timeseries(
          "Active sessions",
          "Sessions the backend holds, per pod.",
          count,
          q(`sum by (pod) (toolboxai_active_sessions{${ns}})`, "{{pod}}"),
        ),
      ],
    ],
  );
}
