// Stack policies read Kubernetes objects by kind and namespace, and the pod templates inside
// workloads; these helpers give them one view of both.
import type { PolicyResource } from "@pulumi/policy";
import { describeRef, kindOf, objectRef, podTemplatesOf } from "./kubernetes";

/* eslint-disable @typescript-eslint/no-explicit-any -- policy props are untyped JSON */

/** A Kubernetes object of the stack with its identity resolved (a missing namespace is "default"). */
export interface KubeObject {
  readonly resource: PolicyResource;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly props: any;
}

/** An object with a pod template, and that template's labels and spec. */
export interface PodOwner extends KubeObject {
  readonly labels: any;
  readonly podSpec: any;
}

export function kubeObject(resource: PolicyResource): KubeObject {
  const ref = objectRef(resource.type, resource.props, resource.name);
  return {
    resource,
    kind: ref.kind,
    namespace: ref.namespace ?? "default",
    name: ref.name,
    props: resource.props,
  };
}

/** Is `type` a Kubernetes type of this kind, whatever its API version? */
export function isKind(type: string, kind: string): boolean {
  return type.startsWith("kubernetes:") && kindOf(type) === kind;
}

/** Every Kubernetes object of the given kind, whatever its API version (not Patch types). */
export function objectsOfKind(resources: readonly PolicyResource[], kind: string): KubeObject[] {
  return resources.filter((resource) => isKind(resource.type, kind)).map(kubeObject);
}

export function describeObject(object: KubeObject): string {
  return describeRef(objectRef(object.resource.type, object.props, object.resource.name));
}

/**
 * Every object that runs pods, whatever its kind, once per pod template (`podTemplatesOf`), with
 * that template's labels and spec.
 */
export function podOwners(resources: readonly PolicyResource[]): PodOwner[] {
  return resources.flatMap((resource) =>
    podTemplatesOf(resource.type, resource.props).map((template) => ({
      ...kubeObject(resource),
      labels: template.metadata?.labels ?? {},
      podSpec: template.spec,
    })),
  );
}

export function inNamespace<T extends KubeObject>(objects: readonly T[], namespace: string): T[] {
  return objects.filter((object) => object.namespace === namespace);
}
