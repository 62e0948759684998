// The alert rules of the platform, generated from the stack's thresholds: every alert of the
// source design plus the standard ones a platform team expects (Watchdog, crash loops,
// unavailable replicas, backup freshness). Each carries a severity, a summary, a description and
// a runbook in docs/ALERTS.md, and a `service` label by which Alertmanager groups it and lets a
// critical alert silence the warnings of the same service. Annotations template labels only (no
// $value), so that `promtool test rules` can state them exactly. One file per domain; the groups
// below keep the rule file's order. An alert reading a source the platform lacks (on Docker: the
// nodes, kube-state-metrics, cert-manager) is left out, and a group left empty too. PostgreSQL's
// rules read the series of the stack's database engine (../postgres-series.ts); the replication
// ones exist only for a CloudNativePG cluster, and the archive's only for one that archives.
import { appRules } from "./apps";
import { backupRules } from "./backups";
import { dataRules } from "./data";
import { kubernetesRules } from "./kubernetes";
import { offers } from "../metrics-catalog";
import { metaRules } from "./meta";
import type { AlertSettings, RuleGroup } from "./model";
import { nodeRules } from "./node";
import { rule, type RuleSpec } from "./rule";

export type { AlertRule, AlertSettings, DatabaseAlertSettings, RuleGroup, Severity } from "./model";
export { restoreCheckMaxAgeSeconds } from "./backups";
export { baseBackupMaxAgeHours, failoverWindowMinutes } from "./data";

export function alertRuleGroups(settings: AlertSettings): RuleGroup[] {
  const offered = (specs: readonly RuleSpec[]) =>
    specs.filter((spec) => offers(settings.platform, spec.source));
  const group = (name: string, specs: readonly RuleSpec[]): RuleGroup => ({
    name,
    rules: offered(specs).map((spec) => rule(spec, settings.runbookBaseUrl)),
  });
  // Watchdog shares the Kubernetes rules' group; without them, it is the pipeline's own.
  const kubernetes = offered(kubernetesRules());
  return [
    group("toolboxai-nodes", nodeRules(settings)),
    group("toolboxai-data", [...dataRules(settings), ...backupRules(settings)]),
    group("toolboxai-services", appRules(settings)),
    group(kubernetes.length > 0 ? "toolboxai-kubernetes" : "toolboxai-alerting", [
      ...kubernetes,
      ...metaRules(),
    ]),
  ].filter((each) => each.rules.length > 0);
}

/** Every alert name the platform defines (for docs and tests). */
export function alertNamesOf(groups: readonly RuleGroup[]): string[] {
  return groups.flatMap((group) => group.rules.map((each) => each.alert));
}
