// Generated workloads: the pack's compliant fixtures, and the same with one insecure field, each
// written in a generated spelling (./spellings). tests/policies/properties.test.ts judges them; the
// differential (tests/cluster/decode-differential.test.ts) compares a sample with kubectl.
import fc from "fast-check";
import {
  compliantCronJob,
  compliantPod,
  compliantReplicationController,
  compliantRollout,
  compliantStatefulSet,
} from "../fixtures/security";
import { clone, compliantDeployment } from "../support";
import { encode, encodings, mergeKey, printable, wrapped } from "./spellings";

/* eslint-disable @typescript-eslint/no-explicit-any -- manifests are untyped JSON */

const workloads: Record<string, () => any> = {
  Deployment: compliantDeployment,
  Pod: compliantPod,
  CronJob: compliantCronJob,
  StatefulSet: compliantStatefulSet,
  // Kinds judged by their shape, not by a list of known kinds.
  ReplicationController: compliantReplicationController,
  Rollout: compliantRollout,
};

function podSpecOf(workload: any): any {
  if (workload.kind === "Pod") return workload.spec;
  if (workload.kind === "CronJob") return workload.spec.jobTemplate.spec.template.spec;
  return workload.spec.template.spec;
}

/** One insecure field: the mapping it goes into, the key, the value, and the rule that catches it. */
export interface Mutation {
  readonly policy: string;
  readonly key: string;
  readonly value: unknown;
  readonly target: (podSpec: any) => any;
}

const podLevel = (spec: any) => spec;
const container = (spec: any) => spec.containers[0].securityContext;
/** A new volume whose `hostPath` is the mutation. */
const newVolume = (spec: any) => {
  const volume = { name: "host" };
  spec.volumes.push(volume);
  return volume;
};

export const mutations: Record<string, Mutation> = {
  hostPID: { policy: "host-namespaces", key: "hostPID", value: true, target: podLevel },
  hostNetwork: { policy: "host-namespaces", key: "hostNetwork", value: true, target: podLevel },
  hostIPC: { policy: "host-namespaces", key: "hostIPC", value: true, target: podLevel },
  privileged: {
    policy: "no-privileged-containers",
    key: "privileged",
    value: true,
    target: container,
  },
  allowPrivilegeEscalation: {
    policy: "no-privilege-escalation",
    key: "allowPrivilegeEscalation",
    value: true,
    target: container,
  },
  runAsUser: { policy: "run-as-non-root", key: "runAsUser", value: 0, target: container },
  hostPath: {
    policy: "no-host-path-volumes",
    key: "hostPath",
    value: { path: "/" },
    target: newVolume,
  },
};

/** A generated workload written in a generated spelling. */
export interface SpelledWorkload {
  readonly kind: string;
  /** The insecure field it carries (a key of `mutations`), if any. */
  readonly mutation?: string;
  readonly file: string;
  readonly text: string;
}

/** Compliant workloads (the fixtures of ./support and ./fixtures/security), in every spelling. */
export const compliantWorkloads: fc.Arbitrary<SpelledWorkload> = fc
  .tuple(fc.constantFrom(...Object.keys(workloads)), encodings)
  .map(([kind, encoding]) =>
    printable(`a compliant ${kind}, ${JSON.stringify(encoding)}`, {
      kind,
      ...encode(wrapped(workloads[kind](), encoding.wrapper), encoding),
    }),
  );

/** The same workloads with one insecure field, in every spelling (the field too). */
export const insecureWorkloads: fc.Arbitrary<SpelledWorkload> = fc
  .tuple(
    fc.constantFrom(...Object.keys(workloads)),
    fc.constantFrom(...Object.keys(mutations)),
    encodings,
  )
  .map(([kind, name, encoding]) => {
    const workload = clone(workloads[kind]());
    const mutation = mutations[name];
    const target = mutation.target(podSpecOf(workload));
    if (encoding.viaMerge && encoding.style !== "json") {
      // The safe value (if any) stays before the merge, which overrides it as go-yaml does.
      target[mergeKey] = { [mutation.key]: mutation.value };
    } else {
      target[mutation.key] = mutation.value;
    }
    return printable(`a ${kind} with ${name}, ${JSON.stringify(encoding)}`, {
      kind,
      mutation: name,
      ...encode(wrapped(workload, encoding.wrapper), encoding),
    });
  });
