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
import { labelsOf, matching, selector, sumRate } from "../promql";
import { jobVariable, variablesOf } from "../variables";
import type { DashboardOptions } from "./options";

export function security(options: DashboardOptions, tags: (topic: string) => string[]): Dashboard {
  const labels = labelsOf(options.platform);
  const { ns, jobs, replica, replicaNoun } = labels;
  const failed = matching(ns, 'result!="success"');
  return dashboard(
    {
      uid: "toolboxai-security",
      title: "Security",
      tags: tags("security"),
      variables: variablesOf(labels, jobVariable(options.appJobs)),
      platform: options.platform,
    },
    [
      [
        stat(
          "Sign-in attempts",
          "Authentication attempts over the selected time range.",
          count,
          q(`sum(increase(${selector("toolboxai_auth_attempts_total", ns)}[$__range]))`),
        ),
        stat(
          "Failed sign-ins",
          "Authentication attempts over the selected time range whose result is not success.",
          count,
          q(`sum(increase(${selector("toolboxai_auth_attempts_total", failed)}[$__range]))`),
        ),
        stat(
          "Active sessions",
          "Sessions the backend currently holds.",
          count,
          q(`sum(${selector("toolboxai_active_sessions", ns)})`),
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
          `Requests refused by the backend's rate limiter, per ${replicaNoun}: API abuse shows here first.`,
          requestsPerSecond,
          q(sumRate(replica, "toolboxai_rate_limited_requests_total", ns), `{{${replica}}}`),
        ),
        timeseries(
          "4xx responses by handler",
          "Client errors per handler and status: probing and scraping show as 401, 403 and 404.",
          requestsPerSecond,
          q(
            sumRate("handler, status", "http_requests_total", matching(ns, jobs, 'status=~"4.."')),
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
          `Sessions the backend holds, per ${replicaNoun}.`,
          count,
          q(`sum by (${replica}) (${selector("toolboxai_active_sessions", ns)})`, `{{${replica}}}`),
        ),
      ],
    ],
  );
}
