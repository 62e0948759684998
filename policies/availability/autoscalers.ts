// Autoscalers: HorizontalPodAutoscalers that target a workload, scale it sanely and own its
// replica count.
import { stackRule } from "../lib/define";
import { minReplicasConfig, scalableWorkloads, show, targets } from "../lib/scale";
import { describeObject, objectsOfKind } from "../lib/stack-objects";

/* eslint-disable @typescript-eslint/no-explicit-any -- policy props are untyped JSON */

export const hpaSane = stackRule({
  name: "hpa-sane",
  description:
    "HorizontalPodAutoscalers target an existing workload of the named kind in their namespace, " +
    "keep minReplicas at or above the configured minimum and maxReplicas at or above " +
    "minReplicas, are the only autoscaler of their target, and the target does not also pin " +
    "spec.replicas (hpa-sane; Kyverno; Polaris; kube-score).",
  severity: "medium",
  enforcementLevel: "mandatory",
  config: minReplicasConfig,
  remediationSteps:
    "Point scaleTargetRef at the workload's kind and name, set minReplicas to at least " +
    "`minReplicas` and maxReplicas to at least minReplicas, keep one autoscaler per workload, " +
    "and omit `spec.replicas` from an autoscaled workload so each deployment does not reset " +
    "the count the autoscaler chose.",
  check: (resources, config) => {
    const minimum = Number(config.minReplicas);
    const hpas = objectsOfKind(resources, "HorizontalPodAutoscaler");
    const workloads = scalableWorkloads(resources);
    return hpas.flatMap((hpa, index) => {
      const spec = hpa.props?.spec ?? {};
      const ref = spec.scaleTargetRef;
      const messages: string[] = [];
      const target = workloads.find((workload) => targets(hpa, workload));
      if (!target) {
        messages.push(
          `scaleTargetRef names ${ref?.kind ?? "no kind"} ${show(ref?.name ?? "")}, which ` +
            `does not exist in namespace ${hpa.namespace}`,
        );
      }
      const minReplicas = typeof spec.minReplicas === "number" ? spec.minReplicas : 1;
      if (minReplicas < minimum) {
        messages.push(
          `minReplicas is ${spec.minReplicas ?? "unset (1)"}; at least ${minimum} are required`,
        );
      }
      if (typeof spec.maxReplicas === "number" && spec.maxReplicas < minReplicas) {
        messages.push(`maxReplicas ${spec.maxReplicas} is below minReplicas ${minReplicas}`);
      }
      if (target) {
        const earlier = hpas.slice(0, index).find((other) => targets(other, target));
        if (earlier) {
          messages.push(`${describeObject(target)} is also scaled by ${describeObject(earlier)}`);
        }
        const pinned = declaredReplicas(target.props);
        if (pinned !== undefined) {
          messages.push(
            `its target ${describeObject(target)} also pins spec.replicas ${pinned}; omit it so only ` +
              "the autoscaler sets the replica count",
          );
        }
      }
      return messages.map((message) => ({ resource: hpa.resource, message }));
    });
  },
});

/**
 * The replicas a workload declares. Before it exists its props are the program's inputs. Once it
 * exists, stack policies see the live object, whose `spec.replicas` the API server defaulted or an
 * autoscaler set; who declared it is in `managedFields`: an `Apply` entry (server-side apply, as
 * Pulumi deploys) that owns `f:spec.f:replicas`.
 */
export function declaredReplicas(props: any): number | undefined {
  const entries: any[] = Array.isArray(props?.metadata?.managedFields)
    ? props.metadata.managedFields
    : [];
  const applied = entries.filter((entry) => entry?.operation === "Apply");
  if (applied.length === 0) return props?.spec?.replicas;
  const owned = applied.some((entry) => entry.fieldsV1?.["f:spec"]?.["f:replicas"] !== undefined);
  return owned ? props?.spec?.replicas : undefined;
}
