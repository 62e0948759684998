// An operated workload (kind "operated"): the operator's custom resource, the Secrets it names, its
// companions and the policy that lets the operator reach the pods.
// The operator makes the pods, with the labels given here so that the workload's NetworkPolicy
// and Prometheus's pod discovery find them.
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "./api";
import { zoneLabels } from "./labels";
import { operatorPolicySpec } from "./network";
import type { WorkloadScope } from "./workload-scope";

export function createOperatedResource(scope: WorkloadScope): pulumi.Resource {
  const { spec, context, namespace, labels, child } = scope;
  const operated = spec.operated!;
  const secrets = (operated.secrets ?? []).map(
    (secret) =>
      new k8s.core.v1.Secret(
        secret.name,
        {
          metadata: { name: secret.name, namespace, labels },
          type: secret.type,
          stringData: pulumi.secret(pulumi.output(secret.data)),
        },
        context.secretsProvider ? { ...child, provider: context.secretsProvider } : child,
      ),
  );
  new k8s.networking.v1.NetworkPolicy(
    `${spec.name}-operator`,
    {
      metadata: { name: `${spec.name}-operator`, namespace, labels },
      spec: operatorPolicySpec(spec, context),
    },
    child,
  );
  const resource = new k8s.CustomResource(
    spec.name,
    {
      apiVersion: operated.apiVersion,
      kind: operated.kind,
      metadata: {
        name: spec.name,
        namespace,
        labels,
        // The provider knows no readiness of a custom resource: it waits for this condition.
        annotations: { "pulumi.com/waitFor": `condition=${operated.readyCondition}` },
      },
      spec: operated.spec({
        labels: { ...labels, ...zoneLabels(spec.zones) },
        priorityClassName: context.priorityClassNames[spec.priority ?? "standard"],
      }),
    },
    // The resource owns the data's volumes: destroying it must be a decision, as for a
    // StatefulSet (docs/DEPLOYMENT.md, "Protected data").
    {
      ...child,
      dependsOn: [...child.dependsOn, ...secrets],
      protect: context.protectData ?? false,
    },
  );
  for (const companion of operated.companions ?? []) {
    new k8s.CustomResource(
      companion.name,
      {
        apiVersion: companion.apiVersion,
        kind: companion.kind,
        metadata: { name: companion.name, namespace, labels },
        spec: companion.spec,
      },
      { ...child, dependsOn: [...child.dependsOn, resource] },
    );
  }
  return resource;
}
