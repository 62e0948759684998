// Pod Security admission: every Namespace enforces an allowed Pod Security level.
import { celString, celStrings } from "../lib/admission-form";
import { resourceRule } from "../lib/define";
import { joined, quoted } from "../lib/lists";
import { isMapping, stringsOf } from "../lib/kubernetes";

const namespaceType = "kubernetes:core/v1:Namespace";
const enforceLabel = "pod-security.kubernetes.io/enforce";
const podSecurityLevels = ["privileged", "baseline", "restricted"];

export const namespacePodSecurity = resourceRule({
  name: "namespace-pod-security",
  description:
    "Every Namespace enforces a Pod Security level on the allow-list (default restricted): its " +
    "`pod-security.kubernetes.io/enforce` label is set and names a known level. The pack judges " +
    "the pods it sees; the label makes the API server refuse the ones it does not (created by " +
    "controllers, operators or kubectl). A namespace that needs a lower level (a node agent's) " +
    "is exempted by name with a reason.",
  severity: "high",
  enforcementLevel: "mandatory",
  config: {
    allowedLevels: {
      type: "array",
      items: { type: "string", enum: podSecurityLevels },
      default: ["restricted"],
      description:
        "Levels a namespace may enforce. restricted only: the pod rules hold pods to restricted, " +
        "and a baseline namespace would admit root pods the pack refuses.",
    },
  },
  remediationSteps:
    "Label the Namespace `pod-security.kubernetes.io/enforce: restricted` (and enforce-version, " +
    "warn and audit alike); components/kubernetes/namespace.ts does so by default. A namespace whose workloads " +
    "need host access keeps a lower level only through an exemption with the reason.",
  appliesTo: (type) => type === namespaceType,
  check: (resource, config) => {
    const allowed = stringsOf(config.allowedLevels);
    const labels = resource.props?.metadata?.labels;
    const level = isMapping(labels) ? labels[enforceLabel] : undefined;
    const fix = `set it to ${allowed.join(" or ")}`;
    if (level === undefined || level === null) {
      return [
        `has no ${enforceLabel} label, so Pod Security admits any pod there (unless the cluster ` +
          `sets a default); ${fix}`,
      ];
    }
    if (!podSecurityLevels.includes(level)) {
      return [
        `${enforceLabel} is ${quoted(level)}, which is not a Pod Security level ` +
          `(${podSecurityLevels.join(", ")}); ${fix}`,
      ];
    }
    if (!allowed.includes(level)) {
      return [`${enforceLabel} is "${level}"; allowed: ${joined(allowed)}; ${fix}`];
    }
    return [];
  },
  // A binding selects a Namespace by its own labels: the stack's namespaces, by name, so that no
  // one lowers their level outside the program.
  admission: {
    resources: [{ apiGroups: [""], apiVersions: ["v1"], resources: ["namespaces"] }],
    variables: [
      {
        name: "level",
        expression:
          `has(object.metadata.labels) && ${celString(enforceLabel)} in object.metadata.labels ? ` +
          `object.metadata.labels[${celString(enforceLabel)}] : null`,
      },
    ],
    validations: (config) => {
      const allowed = stringsOf(config.allowedLevels);
      const fix = celString(`; set it to ${allowed.join(" or ")}`);
      return [
        {
          expression: "variables.level != null",
          messageExpression: `${celString(`has no ${enforceLabel} label, so Pod Security admits any pod there ` + "(unless the cluster sets a default)")} + ${fix}`,
        },
        {
          expression: `variables.level == null || variables.level in ${celStrings(podSecurityLevels)}`,
          messageExpression:
            `${celString(`${enforceLabel} is "`)} + variables.level + ` +
            `${celString(`", which is not a Pod Security level (${podSecurityLevels.join(", ")})`)} + ${fix}`,
        },
        {
          expression:
            `variables.level == null || !(variables.level in ${celStrings(podSecurityLevels)}) || ` +
            `variables.level in ${celStrings(allowed)}`,
          messageExpression:
            `${celString(`${enforceLabel} is "`)} + variables.level + ` +
            `${celString(`"; allowed: ${joined(allowed)}`)} + ${fix}`,
        },
      ];
    },
    failurePolicy: "Fail",
  },
});
