// The admission differential's cases: for each rule with an admission form, the compliant
// fixtures of every kind that runs pods (admitted), and one-defect mutations of them (refused),
// each named. The same cases are judged by the pack, by the generated policy offline, and (in the
// e2e) by the real API server.
import {
  compliantCronJob,
  compliantPod,
  compliantReplicationController,
  compliantStatefulSet,
  container,
  specOf,
  withInitContainer,
} from "../fixtures/security";
import { clone, compliantDeployment } from "../support";

/* eslint-disable @typescript-eslint/no-explicit-any -- fixtures are untyped JSON */

export interface AdmissionCase {
  readonly name: string;
  readonly object: any;
}

/** One compliant object of each kind that runs pods and that a policy matches. */
export const compliantPodOwners = (): AdmissionCase[] =>
  [
    compliantDeployment(),
    compliantStatefulSet(),
    compliantReplicationController(),
    compliantCronJob(),
    compliantPod(),
    { ...clone(compliantDeployment("agent")), kind: "DaemonSet" },
  ].map((object) => ({ name: `a compliant ${object.kind}`, object }));

/** `change` applied to a fresh compliant object of each of the kinds named. */
function mutations(
  what: string,
  change: (object: any) => void,
  kinds: readonly (() => any)[] = [compliantDeployment, compliantCronJob, compliantPod],
): AdmissionCase[] {
  return kinds.map((make) => {
    const object = make();
    change(object);
    return { name: `${object.kind}: ${what}`, object };
  });
}

/** The refused cases of each rule, by the rule's name. */
export const defectsByRule: Record<string, readonly AdmissionCase[]> = {
  "no-privileged-containers": [
    ...mutations("a privileged container", (object) => {
      container(object).securityContext.privileged = true;
    }),
    ...mutations("a privileged init container", (object) => {
      withInitContainer(object).securityContext.privileged = true;
    }),
  ],
  "host-namespaces": [
    ...mutations("hostNetwork", (object) => {
      specOf(object).hostNetwork = true;
    }),
    ...mutations("hostPID", (object) => {
      specOf(object).hostPID = true;
    }),
    ...mutations("hostIPC", (object) => {
      specOf(object).hostIPC = true;
    }),
  ],
  "no-host-path-volumes": [
    ...mutations("a hostPath volume", (object) => {
      const spec = specOf(object);
      spec.volumes = [...(spec.volumes ?? []), { name: "host", hostPath: { path: "/etc" } }];
    }),
  ],
};

/** Cases the rule admits though they touch its field: the same field set to its safe value. */
export const allowedByRule: Record<string, readonly AdmissionCase[]> = {
  "no-privileged-containers": mutations("privileged: false", (object) => {
    container(object).securityContext.privileged = false;
  }),
  "host-namespaces": mutations("hostNetwork: false", (object) => {
    specOf(object).hostNetwork = false;
  }),
  "no-host-path-volumes": mutations("an emptyDir volume", (object) => {
    const spec = specOf(object);
    spec.volumes = [...(spec.volumes ?? []), { name: "scratch", emptyDir: {} }];
  }),
};
