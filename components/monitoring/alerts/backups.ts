// The backups: fresh within the recovery point objective, and restored daily by the check.
import type { AlertSettings } from "./model";
import type { RuleSpec } from "./rule";

/** The restore check runs daily: two missed or failed days in a row raise a warning. */
export const restoreCheckMaxAgeSeconds = 2 * 86400;

export function backupRules(settings: AlertSettings): RuleSpec[] {
  return [
    {
      alert: "BackupTooOld",
      expr: `time() - max by (namespace, cronjob) (kube_cronjob_status_last_successful_time{cronjob=~".*backup.*"}) > ${settings.recoveryPointObjectiveMinutes * 60}`,
      for: "5m",
      source: "kube-state-metrics",
      severity: "critical",
      service: "{{ $labels.cronjob }}",
      summary: `The last successful backup is older than the ${settings.recoveryPointObjectiveMinutes}-minute recovery point objective`,
      description:
        "CronJob {{ $labels.namespace }}/{{ $labels.cronjob }} has not succeeded within the recovery point objective: a restore now would lose more data than allowed.",
    },
    {
      alert: "RestoreCheckFailing",
      expr: `time() - max by (namespace, cronjob) (kube_cronjob_status_last_successful_time{cronjob=~".*restore-check.*"}) > ${restoreCheckMaxAgeSeconds}`,
      for: "5m",
      source: "kube-state-metrics",
      severity: "warning",
      service: "{{ $labels.cronjob }}",
      summary: "The daily restore check has not succeeded for two days",
      description:
        "CronJob {{ $labels.namespace }}/{{ $labels.cronjob }} has not restored a backup successfully for two days: the backups may not restore.",
    },
  ];
}
