// Backups: every persistent data service has a scheduled, encrypted backup with a retention of
// at least the configured days (policy-coverage.md, "Beyond every anchor"). A stack rule, because
// the data service and its backup CronJob are different objects.
import type { Policies, PolicyResource } from "@pulumi/policy";
import { stackRule, type StackFinding } from "./lib/define";
import { containersOf, listOf, podTemplateOf } from "./lib/kubernetes";

/* eslint-disable @typescript-eslint/no-explicit-any -- policy props are untyped JSON */

export const backupTargetLabel = "backup.toolboxai.io/target";
/** A claim labelled so holds backups: it is not a data service to back up in turn. */
export const backupStorageLabel = "backup.toolboxai.io/storage";

const cronJobType = "kubernetes:batch/v1:CronJob";

const cronFields: readonly {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
}[] = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day of month", min: 1, max: 31 },
  {
    name: "month",
    min: 1,
    max: 12,
    names: ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"],
  },
  { name: "day of week", min: 0, max: 6, names: ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"] },
];

function cronValue(text: string, field: (typeof cronFields)[number]): number | undefined {
  const index = field.names?.indexOf(text.toUpperCase()) ?? -1;
  if (index >= 0) return index + field.min;
  if (!/^\d+$/.test(text)) return undefined;
  const value = Number(text);
  return value >= field.min && value <= field.max ? value : undefined;
}

function isValidCronField(text: string, field: (typeof cronFields)[number]): boolean {
  return text.split(",").every((item) => {
    const [range, step, ...rest] = item.split("/");
    if (rest.length > 0) return false;
    if (step !== undefined && !(/^\d+$/.test(step) && Number(step) > 0)) return false;
    if (range === "*" || (range === "?" && field.name.startsWith("day"))) return true;
    const bounds = range.split("-");
    if (bounds.length > 2) return false;
    const values = bounds.map((bound) => cronValue(bound, field));
    if (values.some((value) => value === undefined)) return false;
    return values.length === 1 || values[0]! <= values[1]!;
  });
}

/**
 * Is this a valid standard 5-field cron expression (minute hour day-of-month month weekday), with
 * the ranges the CronJob controller's parser (robfig/cron ParseStandard) accepts: weekday 0-6,
 * names, lists, ranges, steps, and `?` for either day field?
 */
export function isValidCron(schedule: string): boolean {
  const fields = schedule.trim().split(/\s+/);
  if (fields.length !== 5) return false;
  return fields.every((text, index) => isValidCronField(text, cronFields[index]));
}

/**
 * A data service that must be backed up: a StatefulSet with claims, or a claim a pod mounts
 * (unless it is labelled as backup storage).
 */
interface DataService {
  readonly resource: PolicyResource;
  readonly namespace: string | undefined;
  readonly name: string;
  /** Names a CronJob's target label may carry: the service, or workloads mounting the claim. */
  readonly targets: readonly string[];
}

function metadataOf(resource: PolicyResource): { name: string; namespace: string | undefined } {
  const metadata = resource.props?.metadata ?? {};
  return {
    name: typeof metadata.name === "string" ? metadata.name : resource.name,
    namespace: typeof metadata.namespace === "string" ? metadata.namespace : undefined,
  };
}

function dataServices(resources: readonly PolicyResource[]): DataService[] {
  const services: DataService[] = [];
  const claimUsers = new Map<string, string[]>();
  for (const resource of resources) {
    const template = podTemplateOf(resource.type, resource.props);
    if (!template) continue;
    const { name, namespace } = metadataOf(resource);
    for (const volume of listOf(template.spec?.volumes)) {
      const claim = volume?.persistentVolumeClaim?.claimName;
      if (typeof claim !== "string") continue;
      const key = `${namespace ?? ""}/${claim}`;
      claimUsers.set(key, [...(claimUsers.get(key) ?? []), name]);
    }
    if (
      resource.type === "kubernetes:apps/v1:StatefulSet" &&
      (resource.props?.spec?.volumeClaimTemplates ?? []).length > 0
    ) {
      services.push({ resource, namespace, name, targets: [name] });
    }
  }
  for (const resource of resources) {
    if (resource.type !== "kubernetes:core/v1:PersistentVolumeClaim") continue;
    // The backups' own volume holds copies, not a service's data.
    if (resource.props?.metadata?.labels?.[backupStorageLabel] === "true") continue;
    const { name, namespace } = metadataOf(resource);
    const users = claimUsers.get(`${namespace ?? ""}/${name}`);
    if (!users) continue;
    services.push({
      resource,
      namespace,
      name,
      targets: [name, ...users],
    });
  }
  return services;
}

/** Why a backup CronJob does not back its target up properly; empty when it does. */
function cronJobProblems(cronJob: PolicyResource, minRetentionDays: number): string[] {
  const { name } = metadataOf(cronJob);
  const label = `backup CronJob "${name}"`;
  const problems: string[] = [];
  const spec = cronJob.props?.spec ?? {};
  const schedule = spec.schedule;
  if (typeof schedule !== "string" || !isValidCron(schedule)) {
    problems.push(
      `${label} schedule ${JSON.stringify(schedule ?? null)} is not a valid 5-field cron ` +
        `expression; use e.g. "0 2 * * *" (minute hour day-of-month month day-of-week)`,
    );
  }
  if (spec.suspend === true) {
    problems.push(`${label} is suspended; set suspend: false so that backups run`);
  }
  const env = new Map<string, any>();
  for (const entry of containersOf(podTemplateOf(cronJob.type, cronJob.props)?.spec)) {
    for (const variable of listOf(entry.container?.env)) env.set(String(variable?.name), variable);
  }
  const key = env.get("BACKUP_ENCRYPTION_KEY_FILE");
  if (typeof key?.value !== "string" || key.value.trim() === "") {
    problems.push(
      `${label} does not set BACKUP_ENCRYPTION_KEY_FILE, so backups are not encrypted; set it ` +
        `to the encryption key's file under /run/secrets/`,
    );
  }
  const retention = env.get("BACKUP_RETENTION_DAYS");
  const days = typeof retention?.value === "string" ? retention.value.trim() : undefined;
  if (retention === undefined) {
    problems.push(
      `${label} does not set BACKUP_RETENTION_DAYS; set it to at least ${minRetentionDays}`,
    );
  } else if (days === undefined || !/^\d+$/.test(days) || Number(days) < minRetentionDays) {
    problems.push(
      `${label} sets BACKUP_RETENTION_DAYS to ${days === undefined ? "no literal value" : `"${days}"`}; ` +
        `it must be a whole number of at least ${minRetentionDays}`,
    );
  }
  return problems;
}

export const backupSchedule = stackRule({
  name: "backup-schedule",
  description:
    "Every persistent data service (a StatefulSet with volumeClaimTemplates, or a " +
    "PersistentVolumeClaim a pod mounts, unless labelled " +
    `${backupStorageLabel}: "true" as the backups' own volume) has a backup CronJob in its ` +
    "namespace, labelled " +
    `${backupTargetLabel}: <service>, on a valid 5-field cron schedule, encrypted ` +
    "(BACKUP_ENCRYPTION_KEY_FILE) and kept for at least the configured days " +
    "(BACKUP_RETENTION_DAYS) (Beyond every anchor: backups; seed Docker Phase 3 test 9). " +
    "Advisory by default; staging and production make it mandatory.",
  severity: "high",
  enforcementLevel: "advisory",
  config: {
    minRetentionDays: {
      type: "integer",
      minimum: 1,
      default: 30,
      description: "Shortest allowed BACKUP_RETENTION_DAYS (the seed's 30 days).",
    },
  },
  remediationSteps:
    "Add a CronJob in the data service's namespace labelled " +
    `\`${backupTargetLabel}: <StatefulSet or claim name>\` with a 5-field cron \`schedule\` ` +
    '(e.g. "0 2 * * *"), `suspend` unset, and a container that sets ' +
    "`BACKUP_ENCRYPTION_KEY_FILE` (the encryption key, e.g. age public keys, mounted under " +
    "/run/secrets/) and " +
    "`BACKUP_RETENTION_DAYS` at or above the minimum.",
  check: (resources, config) => {
    const minRetentionDays = Number(config.minRetentionDays);
    const cronJobs = resources.filter((resource) => resource.type === cronJobType);
    const findings: StackFinding[] = [];
    for (const service of dataServices(resources)) {
      const candidates = cronJobs.filter((cronJob) => {
        const { namespace } = metadataOf(cronJob);
        const target = cronJob.props?.metadata?.labels?.[backupTargetLabel];
        return namespace === service.namespace && service.targets.includes(target);
      });
      if (candidates.length === 0) {
        findings.push({
          resource: service.resource,
          message:
            `has no backup: no CronJob in namespace ` +
            `${service.namespace ?? "(none)"} is labelled ${backupTargetLabel}: ` +
            `${service.name}; add one that runs on a 5-field cron schedule with ` +
            `BACKUP_ENCRYPTION_KEY_FILE and BACKUP_RETENTION_DAYS of at least ${minRetentionDays}`,
        });
        continue;
      }
      const problems = candidates.map((cronJob) => cronJobProblems(cronJob, minRetentionDays));
      if (problems.some((list) => list.length === 0)) continue;
      for (const message of problems.flat()) {
        findings.push({
          resource: service.resource,
          message: `is not backed up properly: ${message}`,
        });
      }
    }
    return findings;
  },
});

export const backupPolicies: Policies = [backupSchedule];
