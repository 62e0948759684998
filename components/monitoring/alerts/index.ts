// The alert rules of the platform, generated from the stack's thresholds: every alert of the
// source design plus the standard ones a platform team expects (Watchdog, crash loops,
// unavailable replicas, backup freshness). Each carries a severity, a summary, a description and
// a runbook in docs/ALERTS.md, and a `service` label by which Alertmanager groups it and lets a
// critical alert silence the warnings of the same service. Annotations template labels only (no
// $value), so that `promtool test rules` can state them exactly. One file per domain; the groups
// below keep the rule file's order.
import { appRules } from "./apps";
import { backupRules } from "./backups";
import { dataRules } from "./data";
import { kubernetesRules } from "./kubernetes";
import { metaRules } from "./meta";
import type { AlertSettings, RuleGroup } from "./model";
import { nodeRules } from "./node";
import { rule, type RuleSpec } from "./rule";

export type { AlertRule, AlertSettings, RuleGroup, Severity } from "./model";
export { restoreCheckMaxAgeSeconds } from "./backups";

export function alertRuleGroups(settings: AlertSettings): RuleGroup[] {
  const group = (name: string, specs: readonly RuleSpec[]): RuleGroup => ({
    name,
    rules: specs.map((spec) => rule(spec, settings.runbookBaseUrl)),
  });
  return [
    group("toolboxai-nodes", nodeRules(settings)),
    group("toolboxai-data", [...dataRules(settings), ...backupRules(settings)]),
    group("toolboxai-services", appRules(settings)),
    group("toolboxai-kubernetes", [...kubernetesRules(), ...metaRules()]),
  ];
}

/** Every alert name the platform defines (for docs and tests). */
export function alertNamesOf(groups: readonly RuleGroup[]): string[] {
  return groups.flatMap((group) => group.rules.map((each) => each.alert));
}
