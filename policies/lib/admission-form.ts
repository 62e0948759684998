// A rule's admission form: the same rule as the API server judges it, in CEL, for a
// ValidatingAdmissionPolicy (GA since Kubernetes 1.30). It sits beside the rule's TypeScript check
// in the rule's own definition, so that the pack (at `pulumi preview`) and the cluster (at
// admission, whoever applies the object) judge one rule. Only rules that can be judged from one
// object at admission time have one; the rest stay pack-only.
import type { RuleConfig } from "./define";
import { containerFields } from "./kubernetes";

/** What the API server sends a policy: these resources, on create and on update. */
export interface AdmissionResources {
  readonly apiGroups: readonly string[];
  readonly apiVersions: readonly string[];
  readonly resources: readonly string[];
}

/** A CEL expression the policy's validations read as `variables.<name>`. */
export interface AdmissionVariable {
  readonly name: string;
  readonly expression: string;
}

/** A CEL check: the object complies when `expression` holds; `messageExpression` says why not. */
export interface AdmissionValidation {
  readonly expression: string;
  /** A CEL string: what does not comply, naming the field as the pack's message does. */
  readonly messageExpression: string;
}

export interface AdmissionForm {
  readonly resources: readonly AdmissionResources[];
  /**
   * An object a controller made for another (a Deployment's ReplicaSets and pods, a CronJob's
   * Jobs, an operator's pods) is judged at its owner, not again (admission-policies.ts says which
   * writers count as controllers).
   */
  readonly judgedAtOwner?: boolean;
  readonly variables?: readonly AdmissionVariable[];
  /** The checks, from the stack's settings of the rule (its thresholds and lists). */
  readonly validations: (config: RuleConfig) => readonly AdmissionValidation[];
  /**
   * What the API server does when an expression cannot be evaluated (an error, a cost limit):
   * `Fail` refuses the object, `Ignore` admits it.
   */
  readonly failurePolicy: "Fail" | "Ignore";
}

/** `text` as a CEL string literal (single-quoted; backslashes and quotes escaped). */
export function celString(text: string): string {
  return `'${text.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

/** `texts` as a CEL list of string literals. */
export function celStrings(texts: readonly string[]): string {
  return `[${texts.map(celString).join(", ")}]`;
}

/** `entries` as a CEL map of string literals. */
export function celMap(entries: Readonly<Record<string, string>>): string {
  return `{${Object.entries(entries)
    .map(([key, value]) => `${celString(key)}: ${celString(value)}`)
    .join(", ")}}`;
}

/** The kinds that run pods, and where each holds its pod template (a Pod is its own). */
export const podSpecOwners = [
  { apiGroup: "", resource: "pods", kind: "Pod", template: "object" },
  { apiGroup: "", resource: "replicationcontrollers", kind: "ReplicationController" },
  { apiGroup: "apps", resource: "deployments", kind: "Deployment" },
  { apiGroup: "apps", resource: "replicasets", kind: "ReplicaSet" },
  { apiGroup: "apps", resource: "statefulsets", kind: "StatefulSet" },
  { apiGroup: "apps", resource: "daemonsets", kind: "DaemonSet" },
  { apiGroup: "batch", resource: "jobs", kind: "Job" },
  {
    apiGroup: "batch",
    resource: "cronjobs",
    kind: "CronJob",
    template: "object.spec.jobTemplate.spec.template",
  },
].map((owner) => ({ template: "object.spec.template", ...owner }));

/**
 * The admission form of a rule over pod specs: matched on every kind that runs pods, with the pod
 * spec (`variables.podSpec`) and each of its container lists (`variables.containers`,
 * `variables.initContainers`, `variables.ephemeralContainers`; empty where the spec has none) to
 * judge.
 *
 * An object a controller made for another (a Deployment's ReplicaSets and pods, a CronJob's Jobs)
 * is judged at its owner, as the pack judges it, not again: the pods an operator makes from an
 * object the pack exempts are not refused in its place.
 */
export function podAdmission(
  validations: AdmissionForm["validations"],
  options: {
    /** Variables of the rule's own, after the pod's (they may read those). */
    readonly variables?: readonly AdmissionVariable[];
    readonly failurePolicy?: AdmissionForm["failurePolicy"];
  } = {},
): AdmissionForm {
  // CEL: `part` (spec, metadata) of the object's pod template, by its kind.
  const ofTemplate = (part: string) =>
    podSpecOwners
      .filter((owner) => owner.template !== "object.spec.template")
      .reduceRight(
        (otherwise, owner) =>
          `object.kind == '${owner.kind}' ? ${owner.template}.${part} : ${otherwise}`,
        `object.spec.template.${part}`,
      );
  const groups = [...new Set(podSpecOwners.map((owner) => owner.apiGroup))];
  return {
    resources: groups.map((group) => ({
      apiGroups: [group],
      apiVersions: ["v1"],
      resources: podSpecOwners
        .filter((owner) => owner.apiGroup === group)
        .map((owner) => owner.resource),
    })),
    judgedAtOwner: true,
    variables: [
      { name: "podSpec", expression: ofTemplate("spec") },
      { name: "podMetadata", expression: ofTemplate("metadata") },
      ...containerFields.map(([field]) => ({
        name: field,
        expression: `has(variables.podSpec.${field}) ? variables.podSpec.${field} : []`,
      })),
      ...(options.variables ?? []),
    ],
    validations,
    failurePolicy: options.failurePolicy ?? "Fail",
  };
}

/** CEL for `<role> "<name>"` of the container `c`, as the pack describes a container. */
export function describedContainer(role: string): string {
  return `${celString(`${role} "`)} + c.name + '"'`;
}

/**
 * Validations that hold when every container `c` of every list satisfies `holds` (CEL over `c`);
 * the message describes the first that does not (`says`: a CEL string over `c` and its role).
 */
export function everyContainer(
  holds: string,
  says: string | ((role: string) => string),
): AdmissionValidation[] {
  return containerFields.map(([field, role]) => ({
    expression: `variables.${field}.all(c, ${holds})`,
    messageExpression: `variables.${field}.filter(c, !(${holds})).map(c, ${
      typeof says === "string"
        ? `${describedContainer(role)} + ${celString(` ${says}`)}`
        : says(role)
    })[0]`,
  }));
}

/**
 * Validations for a securityContext field that exists on the pod and on containers, read as
 * Kubernetes applies it (the container's value over the pod's), as the pack's `checkInherited`
 * reads it: a written value is judged where it is written; with `missing`, a container for which
 * neither it nor the pod writes one is refused too.
 *
 * `field` is the path under a securityContext (`runAsUser`, `windowsOptions.hostProcess`);
 * `allowed` a CEL condition on `$value`; `problem` a CEL string on `$value` (what is wrong with
 * it). `$value` stands for the field where it is written.
 */
export function inheritedValidations(
  field: string,
  allowed: string,
  problem: string,
  missing?: string,
): AdmissionValidation[] {
  const parts = field.split(".");
  /** CEL: is `field` written under the securityContext at `base`? */
  const written = (base: string) =>
    [
      `has(${base}.securityContext)`,
      ...parts.map(
        (_, index) => `has(${base}.securityContext.${parts.slice(0, index + 1).join(".")})`,
      ),
    ].join(" && ");
  const at = (base: string) => `${base}.securityContext.${field}`;
  /** CEL: `text` with `value` bound to the value at `base`. */
  const on = (base: string, text: string) => text.replaceAll("$value", at(base));
  const pod = "variables.podSpec";
  return [
    {
      expression: `!(${written(pod)}) || (${on(pod, allowed)})`,
      messageExpression: `'pod securityContext ' + (${on(pod, problem)})`,
    },
    ...everyContainer(
      `!(${written("c")}) || (${on("c", allowed)})`,
      (role) => `${describedContainer(role)} + ' ' + (${on("c", problem)})`,
    ),
    ...(missing ? everyContainer(`${written("c")} || ${written(pod)}`, missing) : []),
  ];
}

/**
 * Validations that every container sets the securityContext flag `field` (no pod-level form) to
 * `required`; the message says what it is instead, `unset` where the container writes none.
 */
export function containerFlag(
  field: string,
  required: boolean,
  unset: string,
): AdmissionValidation[] {
  const written = `has(c.securityContext) && has(c.securityContext.${field})`;
  return everyContainer(
    `${written} && c.securityContext.${field} == ${required}`,
    (role) =>
      `${describedContainer(role)} + ${celString(` ${field} is `)} + (${written} ? ` +
      `string(c.securityContext.${field}) : ${celString(unset)}) + ${celString(`; it must be ${required}`)}`,
  );
}
