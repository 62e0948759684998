// Rollouts: update strategies that keep the workload serving.
import { type StackFinding, stackRule } from "../lib/define";
import { isZero, replicaPhrase, scalableWorkloads, scaleOf, show } from "../lib/scale";
import { objectsOfKind } from "../lib/stack-objects";

export const rolloutStrategy = stackRule({
  name: "rollout-strategy",
  description:
    "Deployments roll out with RollingUpdate and maxUnavailable 0; only a singleton (1 replica, " +
    "no autoscaler) may use Recreate (rollout-strategy; kube-score).",
  severity: "medium",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Set `strategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 0, maxSurge: 1}}`. " +
    "Use `strategy.type: Recreate` only for a single-replica Deployment that must never run two " +
    "pods at once (e.g. celery-beat).",
  check: (resources) => {
    const hpas = objectsOfKind(resources, "HorizontalPodAutoscaler");
    return scalableWorkloads(resources)
      .filter((workload) => workload.kind === "Deployment")
      .flatMap((deployment): StackFinding[] => {
        const scale = scaleOf(deployment, hpas);
        const strategy = deployment.props?.spec?.strategy ?? {};
        const type = strategy.type ?? "RollingUpdate";
        const report = (message: string) => [{ resource: deployment.resource, message }];
        if (type === "Recreate") {
          if (!scale.hpa && scale.replicas === 1) return [];
          return report(
            `uses strategy Recreate but ${replicaPhrase(scale)}; replicated Deployments must use ` +
              "RollingUpdate with maxUnavailable 0",
          );
        }
        if (type !== "RollingUpdate") return report(`strategy type ${show(type)} is unknown`);
        const maxUnavailable = strategy.rollingUpdate?.maxUnavailable;
        if (maxUnavailable === undefined) {
          return report(
            "RollingUpdate maxUnavailable is unset (Kubernetes defaults to 25%); set it to 0",
          );
        }
        if (!isZero(maxUnavailable)) {
          return report(
            `RollingUpdate maxUnavailable is ${show(maxUnavailable)}; set it to 0 so a rollout ` +
              "never runs fewer ready pods than desired",
          );
        }
        if (isZero(strategy.rollingUpdate?.maxSurge)) {
          return report(
            "RollingUpdate maxSurge and maxUnavailable are both 0, so a rollout cannot progress; " +
              "set maxSurge to 1",
          );
        }
        return [];
      });
  },
});
