// Services: no NodePort, externalIPs or unlisted LoadBalancer, and selectors and named ports
// that reach pods.
import { celStrings } from "../lib/admission-form";
import { resourceRule, stackRule, type StackFinding } from "../lib/define";
import { braced, containersOf, listOf, selects } from "../lib/kubernetes";
import {
  inNamespace,
  isKind,
  objectsOfKind,
  podOwners,
  type KubeObject,
} from "../lib/stack-objects";

/* eslint-disable @typescript-eslint/no-explicit-any -- policy props are untyped JSON */

export const serviceExposure = resourceRule({
  name: "service-exposure",
  description:
    "Services use no NodePort and no externalIPs, and type LoadBalancer only where configured " +
    "(service-exposure; Kyverno; kube-score).",
  severity: "high",
  enforcementLevel: "mandatory",
  config: {
    allowedLoadBalancers: {
      type: "array",
      items: { type: "string", minLength: 1 },
      default: [],
      description:
        'Services allowed to be type LoadBalancer, as "name" or "namespace/name"; empty allows none.',
    },
  },
  remediationSteps:
    "Use `type: ClusterIP` and publish HTTP through the Ingress; remove `externalIPs`. A Service " +
    "that must be a LoadBalancer is listed in `allowedLoadBalancers` in policies/config/<stack>.json.",
  appliesTo: (type) => isKind(type, "Service"),
  check: (service, config) => {
    const spec = service.props?.spec ?? {};
    const allowed: readonly string[] = config.allowedLoadBalancers ?? [];
    const namespaced = `${service.ref.namespace ?? "default"}/${service.ref.name}`;
    const messages: string[] = [];
    if (spec.type === "NodePort") {
      messages.push("type is NodePort, which opens a port on every node; use ClusterIP");
    }
    if (
      spec.type === "LoadBalancer" &&
      !allowed.includes(service.ref.name) &&
      !allowed.includes(namespaced)
    ) {
      messages.push(
        `type is LoadBalancer but "${namespaced}" is not in allowedLoadBalancers; use ClusterIP ` +
          "behind the Ingress",
      );
    }
    const externalIPs: readonly string[] = spec.externalIPs ?? [];
    if (externalIPs.length > 0) {
      messages.push(`externalIPs are set (${[...externalIPs].join(", ")}); remove them`);
    }
    return messages;
  },
  admission: {
    resources: [{ apiGroups: [""], apiVersions: ["v1"], resources: ["services"] }],
    validations: (config) => {
      const allowed: readonly string[] = config.allowedLoadBalancers ?? [];
      const namespaced = "request.namespace + '/' + object.metadata.name";
      const type = "has(object.spec.type) ? object.spec.type : 'ClusterIP'";
      return [
        {
          expression: `(${type}) != 'NodePort'`,
          messageExpression: "'type is NodePort, which opens a port on every node; use ClusterIP'",
        },
        {
          expression:
            `(${type}) != 'LoadBalancer' || object.metadata.name in ${celStrings(allowed)} || ` +
            `${namespaced} in ${celStrings(allowed)}`,
          messageExpression:
            `'type is LoadBalancer but "' + ${namespaced} + '" is not in allowedLoadBalancers; ` +
            "use ClusterIP behind the Ingress'",
        },
        {
          expression: "!has(object.spec.externalIPs) || size(object.spec.externalIPs) == 0",
          messageExpression:
            "'externalIPs are set (' + object.spec.externalIPs.join(', ') + '); remove them'",
        },
      ];
    },
    failurePolicy: "Fail",
  },
});

/** A Service selector is a plain label map; an empty one selects no pods. */
function serviceSelectorOf(service: KubeObject): any {
  const selector = service.props?.spec?.selector;
  return selector && Object.keys(selector).length > 0 ? selector : undefined;
}

export const serviceTargetsPod = stackRule({
  name: "service-targets-pod",
  description:
    "Every Service (but ExternalName) has a selector that selects a pod template in its " +
    "namespace, and each named targetPort is a container port of those pods " +
    "(service-targets-pod; kube-score).",
  severity: "medium",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Set the Service selector to the workload's selector labels and each named targetPort to " +
    "a container port name of that workload. A selector-less Service with hand-made Endpoints " +
    "is exempted by name with a reason.",
  check: (resources) => {
    const owners = podOwners(resources);
    return objectsOfKind(resources, "Service").flatMap((service): StackFinding[] => {
      const spec = service.props?.spec ?? {};
      if (spec.type === "ExternalName") return [];
      const report = (message: string) => ({ resource: service.resource, message });
      const selector = serviceSelectorOf(service);
      if (!selector) return [report("has no selector, so it targets no pods")];
      const targeted = inNamespace(owners, service.namespace).filter((owner) =>
        selects({ matchLabels: selector }, owner.labels),
      );
      if (targeted.length === 0) {
        return [
          report(
            `selector ${braced({ matchLabels: selector })} selects no pod template in ` +
              `namespace ${service.namespace}`,
          ),
        ];
      }
      const portNames = new Set(
        targeted.flatMap((owner) =>
          containersOf(owner.podSpec).flatMap(({ container }) =>
            listOf(container.ports).map((port: any) => port?.name),
          ),
        ),
      );
      return (spec.ports ?? [])
        .filter((port: any) => typeof port?.targetPort === "string")
        .filter((port: any) => !portNames.has(port.targetPort))
        .map((port: any) =>
          report(
            `port ${port.name ?? port.port} targets container port "${port.targetPort}", which ` +
              "no selected pod declares",
          ),
        );
    });
  },
});
