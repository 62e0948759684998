// StatefulSet services: the governing Service of a StatefulSet exists and selects its pods.
import { type StackFinding, stackRule } from "../lib/define";
import { selects } from "../lib/kubernetes";
import { scalableWorkloads, show } from "../lib/scale";
import { describeObject, type KubeObject, objectsOfKind } from "../lib/stack-objects";

/* eslint-disable @typescript-eslint/no-explicit-any -- policy props are untyped JSON */

/** Does a Service's selector (a plain label map) select these labels? An empty one selects none. */
function serviceSelects(service: KubeObject, labels: any): boolean {
  const selector = service.props?.spec?.selector;
  if (!selector || Object.keys(selector).length === 0) return false;
  return selects({ matchLabels: selector }, labels);
}

export const statefulSetService = stackRule({
  name: "statefulset-service",
  description:
    "A StatefulSet's serviceName names a headless Service (clusterIP: None) in its namespace " +
    "that selects its pods (statefulset-service; kube-score).",
  severity: "medium",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Set `serviceName` on the StatefulSet to a Service in the same namespace with " +
    "`clusterIP: None` whose selector matches the StatefulSet's pod labels, so each pod gets a " +
    "stable DNS name.",
  check: (resources) => {
    const services = objectsOfKind(resources, "Service");
    return scalableWorkloads(resources)
      .filter((workload) => workload.kind === "StatefulSet")
      .flatMap((statefulSet): StackFinding[] => {
        const serviceName = statefulSet.props?.spec?.serviceName;
        const report = (message: string) => [{ resource: statefulSet.resource, message }];
        if (typeof serviceName !== "string" || serviceName === "") {
          return report("sets no serviceName; name a headless Service that selects its pods");
        }
        const service = services.find(
          (candidate) =>
            candidate.namespace === statefulSet.namespace && candidate.name === serviceName,
        );
        if (!service) {
          return report(
            `serviceName "${serviceName}" names no Service in namespace ${statefulSet.namespace}`,
          );
        }
        const messages: string[] = [];
        const clusterIP = service.props?.spec?.clusterIP;
        if (clusterIP !== "None") {
          messages.push(
            `${describeObject(service)} (its serviceName) is not headless: clusterIP is ` +
              `${clusterIP === undefined ? "unset" : show(clusterIP)}; set clusterIP: None`,
          );
        }
        if (!serviceSelects(service, statefulSet.labels)) {
          messages.push(`${describeObject(service)} (its serviceName) does not select its pods`);
        }
        return messages.map((message) => ({ resource: statefulSet.resource, message }));
      });
  },
});
