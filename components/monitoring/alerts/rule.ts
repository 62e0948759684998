// An alert written with named fields, and the rule Prometheus reads, with its runbook link.
import type { PlatformSource } from "../metrics-catalog";
import type { AlertRule, Severity } from "./model";

/** An alert of a domain file: the fields of a Prometheus alerting rule, by name. */
export interface RuleSpec {
  readonly alert: string;
  readonly expr: string;
  /** How long the condition must hold; a Prometheus duration. */
  readonly for: string;
  readonly severity: Severity;
  /** The label by which Alertmanager groups the alert and inhibits the service's warnings. */
  readonly service: string;
  readonly summary: string;
  readonly description: string;
  /** The platform source whose series the alert reads; left out on a platform without it. */
  readonly source?: PlatformSource;
}

/** The rule of a spec, linking to `<runbookBaseUrl>#<alert in lowercase>`. */
export function rule(spec: RuleSpec, runbookBaseUrl: string): AlertRule {
  return {
    alert: spec.alert,
    expr: spec.expr,
    for: spec.for,
    labels: { severity: spec.severity, service: spec.service },
    annotations: {
      summary: spec.summary,
      description: spec.description,
      runbook_url: `${runbookBaseUrl}#${spec.alert.toLowerCase()}`,
    },
  };
}

/** A percentage threshold as the ratio PromQL compares with. */
export const ratio = (percent: number) => String(percent / 100);
