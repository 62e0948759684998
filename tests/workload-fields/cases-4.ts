// Field cases of an operator's resource (kind "operated"): Kubernetes only, since Docker has no
// operators and refuses the kind.
import { footprintOf } from "../../components/kubernetes/budget";
import { endpoint, kube, objects } from "./render";
import { operated, service, withOperated } from "./specs";
import type { FieldCase } from "./case-model";

const noOperator = {
  reason: "an operator's custom resource, which only Kubernetes runs; Docker refuses the kind",
  refused: true,
};
const resource = (r: Parameters<typeof kube>[0]) => kube(r, "Instances");
/** The operated spec with one companion resource, changed by `change`. */
type Companion = NonNullable<NonNullable<typeof operated.operated>["companions"]>[number];
const nightly: Companion = {
  apiVersion: "unit.example/v1",
  kind: "Schedule",
  name: "nightly",
  spec: {},
};
const withCompanion = (change: Partial<Companion>) =>
  withOperated({ companions: [{ ...nightly, ...change }] });
const policyNamed = (r: Parameters<typeof kube>[0], name: string) =>
  objects(r, "NetworkPolicy").find((policy) => policy.metadata.name === name).spec;
const operatorPolicy = (r: Parameters<typeof kube>[0]) => policyNamed(r, "subject-operator");

export const cases4: Record<string, FieldCase> = {
  "WorkloadSpec.operated": {
    base: { ...service, kind: "stateful", persistentVolume: operated.persistentVolume },
    set: operated,
    kubernetes: (r) => [resource(r)?.kind, objects(r, "StatefulSet").length],
    only: noOperator,
  },
  "OperatedBy.apiVersion": {
    base: operated,
    set: withOperated({ apiVersion: "unit.example/v2" }),
    kubernetes: (r) => resource(r).apiVersion,
    only: noOperator,
  },
  "OperatedBy.kind": {
    base: operated,
    set: withOperated({ kind: "Replicas" }),
    kubernetes: (r) => objects(r, "Replicas").length,
    only: noOperator,
  },
  "OperatedBy.spec": {
    base: operated,
    set: withOperated({ spec: () => ({ instances: 3 }) }),
    kubernetes: (r) => resource(r).spec,
    only: noOperator,
  },
  "OperatedBy.secrets": {
    base: withOperated({ secrets: [] }),
    set: operated,
    kubernetes: (r) => objects(r, "Secret").length,
    only: noOperator,
  },
  "OperatedBy.secrets.name": {
    base: operated,
    set: withOperated({ secrets: [{ ...operated.operated!.secrets![0], name: "renamed" }] }),
    kubernetes: (r) => kube(r, "Secret").metadata.name,
    only: noOperator,
  },
  "OperatedBy.secrets.type": {
    base: operated,
    set: withOperated({ secrets: [{ ...operated.operated!.secrets![0], type: "Opaque" }] }),
    kubernetes: (r) => kube(r, "Secret").type,
    only: noOperator,
  },
  "OperatedBy.secrets.data": {
    base: operated,
    set: withOperated({
      secrets: [{ ...operated.operated!.secrets![0], data: { username: "other" } }],
    }),
    kubernetes: (r) => kube(r, "Secret").stringData,
    only: noOperator,
  },
  "OperatedBy.service": {
    base: operated,
    set: withOperated({ service: "subject-primary" }),
    kubernetes: (r) => endpoint(r, "http"),
    only: noOperator,
  },
  "OperatedBy.operator": {
    base: operated,
    set: withOperated({ operator: { namespace: "elsewhere", ports: ["http"] } }),
    kubernetes: (r) => operatorPolicy(r).ingress,
    only: noOperator,
  },
  "OperatedBy.operator.namespace": {
    base: operated,
    set: withOperated({ operator: { namespace: "elsewhere", ports: ["admin"] } }),
    kubernetes: (r) => operatorPolicy(r).ingress,
    only: noOperator,
  },
  "OperatedBy.operator.ports": {
    base: operated,
    set: withOperated({ operator: { namespace: "unit-operator", ports: ["http"] } }),
    kubernetes: (r) => operatorPolicy(r).ingress,
    only: noOperator,
  },
  "OperatedBy.readyCondition": {
    base: operated,
    set: withOperated({ readyCondition: "Healthy" }),
    kubernetes: (r) => resource(r).metadata.annotations,
    only: noOperator,
  },
  "OperatedBy.companions": {
    base: operated,
    set: withCompanion({}),
    kubernetes: (r) => objects(r, "Schedule").length,
    only: noOperator,
  },
  "OperatedBy.companions.apiVersion": {
    base: withCompanion({}),
    set: withCompanion({ apiVersion: "unit.example/v2" }),
    kubernetes: (r) => kube(r, "Schedule").apiVersion,
    only: noOperator,
  },
  "OperatedBy.companions.kind": {
    base: withCompanion({}),
    set: withCompanion({ kind: "Snapshot" }),
    kubernetes: (r) => objects(r, "Snapshot").length,
    only: noOperator,
  },
  "OperatedBy.companions.name": {
    base: withCompanion({}),
    set: withCompanion({ name: "weekly" }),
    kubernetes: (r) => kube(r, "Schedule").metadata.name,
    only: noOperator,
  },
  "OperatedBy.companions.spec": {
    base: withCompanion({}),
    set: withCompanion({ spec: { at: "2:30" } }),
    kubernetes: (r) => kube(r, "Schedule").spec,
    only: noOperator,
  },
  "OperatedBy.surge": {
    base: operated,
    set: withOperated({ surge: 2 }),
    // Read by the namespace's quota, from the recorded spec (../../components/kubernetes/budget).
    view: (spec) => footprintOf(spec).pods,
  },
};
