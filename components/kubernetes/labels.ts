// Kubernetes recommended labels and the zone labels that NetworkPolicies select on.
import type { Zone } from "../model/zones";

export const partOf = "toolboxai";

export interface LabelContext {
  /** app.kubernetes.io/instance: one installation, e.g. "toolboxai-production". */
  readonly instance: string;
}

/** Labels that identify a workload's pods; stable for the workload's lifetime. */
export function selectorLabels(name: string, context: LabelContext): Record<string, string> {
  return { "app.kubernetes.io/name": name, "app.kubernetes.io/instance": context.instance };
}

/** The recommended label set, on every resource the program creates. */
export function recommendedLabels(
  name: string,
  component: string,
  context: LabelContext,
  version?: string,
): Record<string, string> {
  return {
    ...selectorLabels(name, context),
    "app.kubernetes.io/component": component,
    "app.kubernetes.io/part-of": partOf,
    "app.kubernetes.io/managed-by": "pulumi",
    ...(version ? { "app.kubernetes.io/version": labelValue(version) } : {}),
  };
}

/** The label a pod carries for each zone it is a member of. */
export function zoneLabel(zone: Zone): string {
  return `zone.toolboxai.io/${zone}`;
}

export function zoneLabels(memberOf: readonly Zone[]): Record<string, string> {
  return Object.fromEntries(memberOf.map((zone) => [zoneLabel(zone), "true"]));
}

/** A label value: at most 63 characters of [A-Za-z0-9_.-], starting and ending alphanumeric. */
export function labelValue(value: string): string {
  return value
    .replace(/[^A-Za-z0-9_.-]/g, "-")
    .slice(0, 63)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, "");
}
