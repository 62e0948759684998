// Bindings to everyone: no binding grants to anonymous, unauthenticated or every authenticated
// identity.
import { celMap, celStrings } from "../lib/admission-form";
import { resourceRule } from "../lib/define";
import { stringsOf } from "../lib/kubernetes";
import { listAt } from "../lib/lists";
import { isRbacKind } from "../lib/rbac";

/** What each default forbidden subject stands for, for messages. */
const subjectMeaning: Readonly<Record<string, string>> = {
  "system:anonymous": "every request without credentials",
  "system:unauthenticated": "every request without credentials",
  "system:authenticated": "every authenticated identity, every ServiceAccount included",
};

export const rbacNoPublicBindings = resourceRule({
  name: "rbac-no-public-bindings",
  description:
    "RoleBindings and ClusterRoleBindings grant nothing to system:anonymous, " +
    "system:unauthenticated or system:authenticated (as a User or Group subject): a role bound " +
    "to them is granted to anyone who can reach the API server (rbac-least-privilege row; " +
    "Kyverno restrict-binding-system-groups; Gatekeeper k8sdisallowanonymous; CIS GKE " +
    "4.1.8–4.1.10).",
  severity: "critical",
  enforcementLevel: "mandatory",
  config: {
    forbiddenSubjects: {
      type: "array",
      items: { type: "string", minLength: 1 },
      default: ["system:anonymous", "system:unauthenticated", "system:authenticated"],
      description: "User and Group names no binding may name as a subject.",
    },
  },
  remediationSteps:
    "Remove the subject from the binding's `subjects` and bind the role to the ServiceAccount, " +
    "User or Group that needs it instead. The program creates no such binding; one that a " +
    "cluster component needs (the default system:public-info-viewer, say) is exempted by name " +
    "with a reason.",
  appliesTo: (type) => isRbacKind(type, ["RoleBinding", "ClusterRoleBinding"]),
  check: (binding, config) => {
    const forbidden = stringsOf(config.forbiddenSubjects);
    const roleRef = binding.props?.roleRef ?? {};
    const role = `${roleRef.kind ?? "role"} ${roleRef.name ?? "(unnamed)"}`;
    const problems: string[] = [];
    const subjects = listAt(binding.props?.subjects, "subjects", problems);
    const granted = subjects.flatMap((subject, index): string[] => {
      if (subject?.kind !== "User" && subject?.kind !== "Group") return [];
      if (!forbidden.includes(subject?.name)) return [];
      const meaning = subjectMeaning[subject.name];
      return [
        `subjects[${index}] grants ${role} to ${subject.kind} "${subject.name}"` +
          `${meaning ? ` (${meaning})` : ""}; bind it to a specific ServiceAccount, User or ` +
          "Group instead",
      ];
    });
    return [...problems, ...granted];
  },
  // RoleBindings only: a ClusterRoleBinding is cluster-wide, and a policy over them would judge
  // every installation's and the cluster's own.
  admission: {
    resources: [
      {
        apiGroups: ["rbac.authorization.k8s.io"],
        apiVersions: ["v1"],
        resources: ["rolebindings"],
      },
    ],
    variables: [{ name: "meanings", expression: celMap(subjectMeaning) }],
    validations: (config) => {
      const granted = `s.kind in ['User', 'Group'] && s.name in ${celStrings(stringsOf(config.forbiddenSubjects))}`;
      return [
        {
          expression: `!has(object.subjects) || object.subjects.all(s, !(${granted}))`,
          messageExpression:
            `object.subjects.filter(s, ${granted}).map(s, 'grants ' + object.roleRef.kind + ' ' + ` +
            `object.roleRef.name + ' to ' + s.kind + ' "' + s.name + '"' + (s.name in ` +
            `variables.meanings ? ' (' + variables.meanings[s.name] + ')' : '') + '; bind it to ` +
            `a specific ServiceAccount, User or Group instead')[0]`,
        },
      ];
    },
    failurePolicy: "Fail",
  },
});
