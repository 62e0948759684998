// Users and groups: containers run as a non-root user, and the pod's groups are never root.
import { celString, inheritedValidations, podAdmission } from "../lib/admission-form";
import { minimumIdConfig, podRule } from "../lib/define";
import { quoted } from "../lib/lists";
import { listOf } from "../lib/kubernetes";
import { checkInherited, podLevel } from "../lib/security-context";

/* eslint-disable @typescript-eslint/no-explicit-any -- policy props are untyped JSON */

export const runAsNonRoot = podRule({
  name: "run-as-non-root",
  description:
    "Containers run as a non-root user: runAsNonRoot is true and runAsUser/runAsGroup are at " +
    "least the configured minimum, on the container or inherited from the pod (PSS restricted; " +
    "Kyverno; Polaris; kube-score; CIS Docker 4.1; CKV_K8S_23/40).",
  severity: "high",
  enforcementLevel: "mandatory",
  config: {
    minimumId: minimumIdConfig("runAsUser/runAsGroup"),
  },
  remediationSteps:
    "Set `runAsNonRoot: true` and `runAsUser`/`runAsGroup` at or above the minimum in the pod " +
    "securityContext (and do not lower them on a container); components get this from " +
    "components/model/security.ts unless they opt out.",
  check: (pod, config) => {
    const minimum = Number(config.minimumId);
    const idRule = (field: string) => (value: any) =>
      typeof value === "number" && Number.isInteger(value) && value >= minimum
        ? undefined
        : `${field} is ${quoted(value)}; it must be at least ${minimum}`;
    return [
      ...checkInherited(
        pod,
        (context) => context?.runAsNonRoot,
        (value) =>
          value === true ? undefined : `runAsNonRoot is ${quoted(value)}; it must be true`,
        "does not set runAsNonRoot: true (neither the container nor the pod does)",
      ),
      ...["runAsUser", "runAsGroup"].flatMap((field) =>
        checkInherited(
          pod,
          (context) => context?.[field],
          idRule(field),
          `${field} is unset (neither the container nor the pod sets it); it must be at least ${minimum}`,
        ),
      ),
    ];
  },
  admission: podAdmission((config) => {
    const minimum = Number(config.minimumId);
    return [
      ...inheritedValidations(
        "runAsNonRoot",
        "$value == true",
        "'runAsNonRoot is ' + string($value) + '; it must be true'",
        "does not set runAsNonRoot: true (neither the container nor the pod does)",
      ),
      ...["runAsUser", "runAsGroup"].flatMap((field) =>
        inheritedValidations(
          field,
          `$value >= ${minimum}`,
          `${celString(`${field} is `)} + string($value) + ${celString(`; it must be at least ${minimum}`)}`,
          `${field} is unset (neither the container nor the pod sets it); it must be at least ${minimum}`,
        ),
      ),
    ];
  }),
});

export const nonRootGroups = podRule({
  name: "non-root-groups",
  description:
    "The pod's fsGroup and supplementalGroups are never root (0) and at least the configured " +
    "minimum when set (PSS restricted, non-root groups; Kyverno).",
  severity: "medium",
  enforcementLevel: "mandatory",
  config: {
    minimumId: minimumIdConfig("fsGroup and supplemental group"),
  },
  remediationSteps:
    "Set the pod's `securityContext.fsGroup` and every `supplementalGroups` entry to a GID at or " +
    "above the minimum (components use fsGroup 10001 from components/model/security.ts).",
  check: (pod, config) => {
    const minimum = Number(config.minimumId);
    const context = pod.podSpec?.securityContext ?? {};
    const ok = (value: any) =>
      typeof value === "number" && Number.isInteger(value) && value >= minimum;
    const messages: string[] = [];
    if (context.fsGroup !== undefined && !ok(context.fsGroup)) {
      messages.push(
        `${podLevel} fsGroup is ${quoted(context.fsGroup)}; it must be at least ${minimum}`,
      );
    }
    for (const group of listOf(context.supplementalGroups).filter((value) => !ok(value))) {
      messages.push(
        `${podLevel} supplementalGroups has ${quoted(group)}; every group must be at least ${minimum}`,
      );
    }
    return messages;
  },
  admission: podAdmission(
    (config) => {
      const minimum = Number(config.minimumId);
      const context = "variables.podSpec.securityContext";
      const low = `variables.supplementalGroups.filter(g, g < ${minimum})`;
      return [
        {
          expression: `!has(${context}) || !has(${context}.fsGroup) || ${context}.fsGroup >= ${minimum}`,
          messageExpression:
            `${celString(`${podLevel} fsGroup is `)} + string(${context}.fsGroup) + ` +
            celString(`; it must be at least ${minimum}`),
        },
        {
          expression: `size(${low}) == 0`,
          messageExpression:
            `${celString(`${podLevel} supplementalGroups has `)} + string(${low}[0]) + ` +
            celString(`; every group must be at least ${minimum}`),
        },
      ];
    },
    {
      variables: [
        {
          name: "supplementalGroups",
          expression:
            "has(variables.podSpec.securityContext) && " +
            "has(variables.podSpec.securityContext.supplementalGroups) ? " +
            "variables.podSpec.securityContext.supplementalGroups : []",
        },
      ],
    },
  ),
});
