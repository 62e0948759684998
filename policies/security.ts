// Pod and container hardening: Pod Security Standards (baseline and restricted) and the
// matching Kyverno, Polaris, kube-score, CIS Docker and Checkov rows.
import type { Policies } from "@pulumi/policy";
import { podRule } from "./lib/define";
import { describeContainer } from "./lib/kubernetes";

export const noPrivileged = podRule({
  name: "no-privileged-containers",
  description: "Containers must not run privileged (PSS baseline; CIS Docker 5.5; CKV_K8S_16).",
  severity: "critical",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Remove `securityContext.privileged: true` from the container. Workload components never set " +
    "it; if a third-party workload truly needs host privileges, exempt it by name with a reason.",
  check: (pod) =>
    pod.containers
      .filter((entry) => entry.container.securityContext?.privileged === true)
      .map((entry) => `${describeContainer(entry)} runs privileged`),
});

export const runAsNonRoot = podRule({
  name: "run-as-non-root",
  description:
    "Pods run as a non-root user with a UID and GID of at least the configured minimum " +
    "(PSS restricted; CIS Docker 4.1; CKV_K8S_23/40).",
  severity: "high",
  enforcementLevel: "mandatory",
  config: {
    minimumId: {
      type: "integer",
      minimum: 1,
      default: 1001,
      description: "Lowest allowed runAsUser/runAsGroup (the source design's 1001).",
    },
  },
  remediationSteps:
    "Set `runAsNonRoot: true` and `runAsUser`/`runAsGroup` at or above the minimum in the pod " +
    "securityContext; components get this from components/model/security.ts unless they opt out.",
  check: (pod, config) => {
    const minimum = Number(config.minimumId);
    const podContext = pod.podSpec.securityContext ?? {};
    const messages: string[] = [];
    for (const entry of pod.containers) {
      const context = { ...podContext, ...entry.container.securityContext };
      if (context.runAsNonRoot !== true) {
        messages.push(`${describeContainer(entry)} does not set runAsNonRoot: true`);
      }
      for (const field of ["runAsUser", "runAsGroup"]) {
        const id = context[field];
        if (typeof id !== "number" || id < minimum) {
          messages.push(
            `${describeContainer(entry)} ${field} is ${id ?? "unset"}; it must be at least ${minimum}`,
          );
        }
      }
    }
    return messages;
  },
});

export const securityPolicies: Policies = [noPrivileged, runAsNonRoot];
