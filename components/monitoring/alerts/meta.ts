// The alerting pipeline itself: the always-firing Watchdog.
import type { RuleSpec } from "./rule";

export function metaRules(): RuleSpec[] {
  return [
    {
      alert: "Watchdog",
      expr: "vector(1)",
      for: "0s",
      severity: "none",
      service: "watchdog",
      summary: "Always firing: the alerting pipeline works",
      description:
        "This alert always fires. If a receiver stops getting it, Prometheus or Alertmanager is broken.",
    },
  ];
}
