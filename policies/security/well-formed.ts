// Well-formed pod specs: the lists and mappings of a pod spec have the shape the API defines,
// so that the other rules can read them.
import { podRule } from "../lib/define";
import { describeValue } from "../lib/lists";
import { containerFields, describeContainer, isMapping, listOf } from "../lib/kubernetes";

/* eslint-disable @typescript-eslint/no-explicit-any -- policy props are untyped JSON */

/** Pod spec fields that the API defines as lists. */
const podSpecLists = [
  "containers",
  "initContainers",
  "ephemeralContainers",
  "volumes",
  "imagePullSecrets",
  "tolerations",
  "hostAliases",
  "topologySpreadConstraints",
  "readinessGates",
  "resourceClaims",
  "schedulingGates",
];

/** Container fields that the API defines as lists. */
const containerListFields = [
  "command",
  "args",
  "ports",
  "env",
  "envFrom",
  "volumeMounts",
  "volumeDevices",
  "resizePolicy",
];

/** What is malformed in one container, as `<field> is <value>; <what is allowed>`. */
function containerShapeProblems(container: any): string[] {
  const problems: string[] = [];
  for (const field of containerListFields) {
    const value = container[field];
    if (value !== undefined && value !== null && !Array.isArray(value)) {
      problems.push(`${field} is ${describeValue(value)}; it must be a list`);
    }
  }
  const context = container.securityContext;
  if (context === undefined || context === null) return problems;
  if (!isMapping(context)) {
    return [...problems, `securityContext is ${describeValue(context)}; it must be a mapping`];
  }
  const capabilities = context.capabilities;
  if (capabilities === undefined || capabilities === null) return problems;
  if (!isMapping(capabilities)) {
    return [
      ...problems,
      `securityContext.capabilities is ${describeValue(capabilities)}; it must be a mapping`,
    ];
  }
  for (const field of ["add", "drop"]) {
    const value = capabilities[field];
    if (value === undefined || value === null) continue;
    if (!Array.isArray(value) || value.some((name) => typeof name !== "string")) {
      problems.push(
        `securityContext.capabilities.${field} is ${describeValue(value)}` +
          `${Array.isArray(value) ? " with an entry that is no string" : ""}; it must be a list of names`,
      );
    }
  }
  return problems;
}

export const podSpecWellFormed = podRule({
  name: "pod-spec-well-formed",
  description:
    "A pod spec has the shape the API defines: its lists (containers, volumes, tolerations, " +
    "securityContext.sysctls, …, and each container's ports, env, volumeMounts, …, " +
    "capabilities.add/drop) are lists, and " +
    "containers and securityContexts are mappings. The other rules read those fields; one they " +
    "could not read would otherwise pass unjudged.",
  severity: "critical",
  enforcementLevel: "mandatory",
  packOnly:
    "The API server refuses a pod spec whose fields do not have the shape its schema gives them, before admission policies see it.",
  remediationSteps:
    "Write the field as the Kubernetes API defines it (e.g. `containers:` followed by `- name: …` " +
    "items, not a mapping); `kubectl create --dry-run=server -f FILE` shows what the API server " +
    "accepts.",
  check: (pod) => {
    const spec = pod.podSpec;
    if (!isMapping(spec)) return [`${pod.podPath} is ${describeValue(spec)}; it must be a mapping`];
    const messages: string[] = [];
    for (const field of podSpecLists) {
      const value = spec[field];
      if (value !== undefined && value !== null && !Array.isArray(value)) {
        messages.push(`${pod.podPath}.${field} is ${describeValue(value)}; it must be a list`);
      }
    }
    const context = spec.securityContext;
    if (context !== undefined && context !== null && !isMapping(context)) {
      messages.push(
        `${pod.podPath}.securityContext is ${describeValue(context)}; it must be a mapping`,
      );
    } else {
      for (const field of ["supplementalGroups", "sysctls"]) {
        const value = context?.[field];
        if (value !== undefined && value !== null && !Array.isArray(value)) {
          messages.push(
            `${pod.podPath}.securityContext.${field} is ${describeValue(value)}; it must be a list`,
          );
        }
      }
    }
    // The raw lists: pod.containers holds only the entries that are mappings.
    for (const [field, role] of containerFields) {
      listOf(spec[field]).forEach((container, index) => {
        if (!isMapping(container)) {
          messages.push(
            `${pod.podPath}.${field}[${index}] is ${describeValue(container)}; it must be a mapping`,
          );
          return;
        }
        for (const problem of containerShapeProblems(container)) {
          messages.push(`${describeContainer({ container, role })} ${problem}`);
        }
      });
    }
    return messages;
  },
});
