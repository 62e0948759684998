// Services: service-exposure and service-targets-pod.
import { serviceExposure, serviceTargetsPod } from "../../../policies/network/services";
import { messagesOf } from "../support";
import { find } from "../fixtures/availability";
import { stack } from "../fixtures/network";

describe("service-exposure", () => {
  test("the compliant stack passes", async () => {
    expect(await messagesOf(serviceExposure, stack())).toEqual([]);
  });
  test("NodePort, LoadBalancer and externalIPs are reported", async () => {
    const objects = stack();
    const api = find(objects, "Service", "api");
    api.spec.type = "NodePort";
    api.spec.externalIPs = ["203.0.113.10", "203.0.113.11"];
    find(objects, "Service", "postgres").spec.type = "LoadBalancer";
    expect(await messagesOf(serviceExposure, objects)).toEqual([
      "Service toolboxai/api: type is NodePort, which opens a port on every node; use ClusterIP",
      "Service toolboxai/api: externalIPs are set (203.0.113.10, 203.0.113.11); remove them",
      'Service toolboxai/postgres: type is LoadBalancer but "toolboxai/postgres" is not in ' +
        "allowedLoadBalancers; use ClusterIP behind the Ingress",
    ]);
  });
  test("allowedLoadBalancers accepts a name or namespace/name", async () => {
    const objects = stack();
    find(objects, "Service", "api").spec.type = "LoadBalancer";
    find(objects, "Service", "postgres").spec.type = "LoadBalancer";
    const config = { "service-exposure": { allowedLoadBalancers: ["api", "toolboxai/postgres"] } };
    expect(await messagesOf(serviceExposure, objects, config)).toEqual([]);
    const other = { "service-exposure": { allowedLoadBalancers: ["other/api"] } };
    expect(await messagesOf(serviceExposure, objects, other)).toEqual([
      'Service toolboxai/api: type is LoadBalancer but "toolboxai/api" is not in ' +
        "allowedLoadBalancers; use ClusterIP behind the Ingress",
      'Service toolboxai/postgres: type is LoadBalancer but "toolboxai/postgres" is not in ' +
        "allowedLoadBalancers; use ClusterIP behind the Ingress",
    ]);
  });
});

describe("service-targets-pod", () => {
  test("the compliant stack passes; an ExternalName Service needs no selector", async () => {
    const external = {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "mail", namespace: "toolboxai" },
      spec: { type: "ExternalName", externalName: "smtp.example.com" },
    };
    expect(await messagesOf(serviceTargetsPod, [...stack(), external])).toEqual([]);
  });
  test("a Service without selector is reported, unless exempted", async () => {
    const objects = stack();
    delete find(objects, "Service", "api").spec.selector;
    find(objects, "Service", "postgres").spec.selector = {};
    expect(await messagesOf(serviceTargetsPod, objects)).toEqual([
      "Service toolboxai/api: has no selector, so it targets no pods",
      "Service toolboxai/postgres: has no selector, so it targets no pods",
    ]);
    const exempt = {
      "service-targets-pod": {
        exemptions: [
          { kind: "Service", name: "api", reason: "hand-made Endpoints" },
          { kind: "Service", name: "postgres", reason: "hand-made Endpoints" },
        ],
      },
    };
    expect(await messagesOf(serviceTargetsPod, objects, exempt)).toEqual([]);
  });
  test("a selector that selects no pod template is reported", async () => {
    const objects = stack();
    find(objects, "Service", "api").spec.selector["app.kubernetes.io/name"] = "gone";
    expect(await messagesOf(serviceTargetsPod, objects)).toEqual([
      "Service toolboxai/api: selector {app.kubernetes.io/name=gone, " +
        "app.kubernetes.io/instance=toolboxai-production} selects no pod template in namespace " +
        "toolboxai",
    ]);
  });
  test("a named targetPort that no selected container declares is reported", async () => {
    const objects = stack();
    find(objects, "Service", "api").spec.ports[0].targetPort = "web";
    find(objects, "Service", "postgres").spec.ports[0].targetPort = 5432; // numbers are not checked
    expect(await messagesOf(serviceTargetsPod, objects)).toEqual([
      'Service toolboxai/api: port http targets container port "web", which no selected pod ' +
        "declares",
    ]);
  });
});
