import {
  dataTierIsolation,
  defaultDeny,
  ingressNoWildcardHosts,
  ingressTargetsService,
  ingressTls,
  netpolNoAllowAllPeers,
  netpolNoMetadataEgress,
  netpolNotDangling,
  netpolPerPod,
  noMetadataTargets,
  serviceExposure,
  serviceTargetsPod,
} from "../../policies/network";
import { clone, compliantDeployment, messagesOf } from "./support";
import { find } from "./fixtures/availability";
import {
  defaultDenyPolicy,
  nearMetadataObjects,
  networkPolicy,
  networkStack,
  zone,
} from "./fixtures/network";
import { checkedKubernetesTypes } from "../../policies/lib/kubernetes";

/* eslint-disable @typescript-eslint/no-explicit-any -- fixtures are untyped JSON */

const stack = () => clone(networkStack());
const without = (objects: any[], kind: string, name: string) =>
  objects.filter((object) => !(object.kind === kind && object.metadata?.name === name));
const denyMessage =
  "has pods but no default-deny NetworkPolicy (podSelector {}, policyTypes Ingress and Egress, " +
  "no rules)";

/** A CronJob running the API's pod template. */
function cronJobOf(deployment: any, name = "nightly"): any {
  return {
    apiVersion: "batch/v1",
    kind: "CronJob",
    metadata: { name, namespace: deployment.metadata.namespace },
    spec: {
      schedule: "0 3 * * *",
      jobTemplate: { spec: { template: clone(deployment.spec.template) } },
    },
  };
}

describe("default-deny", () => {
  test("the compliant stack passes", async () => {
    expect(await messagesOf(defaultDeny, stack())).toEqual([]);
  });
  test("a namespace without the default deny is reported on its Namespace", async () => {
    expect(
      await messagesOf(defaultDeny, without(stack(), "NetworkPolicy", "default-deny")),
    ).toEqual([`Namespace toolboxai: ${denyMessage}`]);
  });
  test("a deny that allows something, covers one direction, or lives elsewhere does not count", async () => {
    for (const mutate of [
      (spec: any) => (spec.ingress = [{}]),
      (spec: any) => (spec.egress = [{ to: [{ podSelector: {} }] }]),
      (spec: any) => (spec.policyTypes = ["Ingress"]),
      (spec: any) => (spec.podSelector = { matchLabels: zone("backend") }),
    ]) {
      const objects = stack();
      mutate(find(objects, "NetworkPolicy", "default-deny").spec);
      expect(await messagesOf(defaultDeny, objects)).toEqual([
        `Namespace toolboxai: ${denyMessage}`,
      ]);
    }
    const objects = without(stack(), "NetworkPolicy", "default-deny");
    expect(await messagesOf(defaultDeny, [...objects, defaultDenyPolicy("other")])).toEqual([
      `Namespace toolboxai: ${denyMessage}`,
    ]);
  });
  test("policyTypes are inferred: no policyTypes and no rules denies ingress only", async () => {
    const objects = stack();
    delete find(objects, "NetworkPolicy", "default-deny").spec.policyTypes;
    expect(await messagesOf(defaultDeny, objects)).toEqual([`Namespace toolboxai: ${denyMessage}`]);
  });
  test("an undeclared namespace (default) is reported stack-wide and can be exempted", async () => {
    const plain = compliantDeployment("plain");
    delete plain.metadata.namespace;
    expect(await messagesOf(defaultDeny, [...stack(), plain])).toEqual([
      `Namespace default: ${denyMessage}`,
    ]);
    const exempt = {
      "default-deny": {
        exemptions: [{ kind: "Namespace", name: "default", reason: "a sandbox with no traffic" }],
      },
    };
    expect(await messagesOf(defaultDeny, [...stack(), plain], exempt)).toEqual([]);
  });
});

describe("netpol-per-pod", () => {
  test("the compliant stack passes", async () => {
    expect(await messagesOf(netpolPerPod, stack())).toEqual([]);
  });
  test("a workload covered only by namespace-wide policies is reported", async () => {
    const objects = without(stack(), "NetworkPolicy", "api");
    const allowDns = networkPolicy("allow-dns", {
      podSelector: {},
      policyTypes: ["Egress"],
      egress: [{ ports: [{ port: 53, protocol: "UDP" }] }],
    });
    expect(await messagesOf(netpolPerPod, [...objects, allowDns])).toEqual([
      "Deployment toolboxai/api: no NetworkPolicy with a non-empty podSelector governs its pods' " +
        "Ingress and Egress",
    ]);
  });
  test("a policy governing one direction leaves the other reported", async () => {
    const objects = stack();
    const spec = find(objects, "NetworkPolicy", "api").spec;
    spec.policyTypes = ["Ingress"];
    expect(await messagesOf(netpolPerPod, objects)).toEqual([
      "Deployment toolboxai/api: no NetworkPolicy with a non-empty podSelector governs its pods' " +
        "Egress",
    ]);
    spec.policyTypes = ["Egress"];
    expect(await messagesOf(netpolPerPod, objects)).toEqual([
      "Deployment toolboxai/api: no NetworkPolicy with a non-empty podSelector governs its pods' " +
        "Ingress",
    ]);
  });
  test("without policyTypes, Egress is inferred from egress rules", async () => {
    const objects = stack();
    const spec = find(objects, "NetworkPolicy", "api").spec;
    delete spec.policyTypes;
    expect(await messagesOf(netpolPerPod, objects)).toEqual([]);
    spec.egress = [];
    expect(await messagesOf(netpolPerPod, objects)).toEqual([
      "Deployment toolboxai/api: no NetworkPolicy with a non-empty podSelector governs its pods' " +
        "Egress",
    ]);
  });
  test("a CronJob's pods need policies too; two policies may share the directions", async () => {
    const objects = stack();
    const cronJob = cronJobOf(find(objects, "Deployment", "api"));
    cronJob.spec.jobTemplate.spec.template.metadata.labels["app.kubernetes.io/name"] = "nightly";
    expect(await messagesOf(netpolPerPod, [...objects, cronJob])).toEqual([
      "CronJob toolboxai/nightly: no NetworkPolicy with a non-empty podSelector governs its " +
        "pods' Ingress and Egress",
    ]);
    const selector = { matchLabels: { "app.kubernetes.io/name": "nightly" } };
    const ingress = networkPolicy("nightly-in", {
      podSelector: selector,
      policyTypes: ["Ingress"],
    });
    const egress = networkPolicy("nightly-out", { podSelector: selector, policyTypes: ["Egress"] });
    expect(await messagesOf(netpolPerPod, [...objects, cronJob, ingress, egress])).toEqual([]);
  });
  test("a ReplicationController's pods, known by their shape, need policies too", async () => {
    const objects = stack();
    const template = clone(find(objects, "Deployment", "api").spec.template);
    template.metadata.labels["app.kubernetes.io/name"] = "legacy";
    const controller = {
      apiVersion: "v1",
      kind: "ReplicationController",
      metadata: { name: "legacy", namespace: "toolboxai" },
      spec: { replicas: 1, selector: { "app.kubernetes.io/name": "legacy" }, template },
    };
    expect(await messagesOf(netpolPerPod, [...objects, controller])).toEqual([
      "ReplicationController toolboxai/legacy: no NetworkPolicy with a non-empty podSelector " +
        "governs its pods' Ingress and Egress",
    ]);
  });
});

describe("netpol-not-dangling", () => {
  test("the compliant stack passes", async () => {
    expect(await messagesOf(netpolNotDangling, stack())).toEqual([]);
  });
  test("a policy that selects no pod template is reported", async () => {
    const objects = stack();
    find(objects, "NetworkPolicy", "api").spec.podSelector.matchLabels["app.kubernetes.io/name"] =
      "gone";
    const expressions = networkPolicy("expressions", {
      podSelector: {
        matchExpressions: [
          { key: "tier", operator: "In", values: ["a", "b"] },
          { key: "zone.toolboxai.io/backend", operator: "Exists" },
        ],
      },
    });
    expect(await messagesOf(netpolNotDangling, [...objects, expressions])).toEqual([
      "NetworkPolicy toolboxai/api: podSelector {app.kubernetes.io/name=gone, " +
        "app.kubernetes.io/instance=toolboxai-production} selects no pod template in namespace " +
        "toolboxai",
      "NetworkPolicy toolboxai/expressions: podSelector {tier In (a, b), " +
        "zone.toolboxai.io/backend Exists} selects no pod template in namespace toolboxai",
    ]);
  });
  test("a policy in another namespace than its pods is dangling", async () => {
    const objects = stack();
    find(objects, "NetworkPolicy", "api").metadata.namespace = "other";
    expect(await messagesOf(netpolNotDangling, objects)).toEqual([
      "NetworkPolicy other/api: podSelector {app.kubernetes.io/name=api, " +
        "app.kubernetes.io/instance=toolboxai-production} selects no pod template in namespace " +
        "other",
    ]);
  });
});

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

describe("ingress-targets-service", () => {
  const backendOf = (objects: any[]) =>
    find(objects, "Ingress", "api").spec.rules[0].http.paths[0].backend;

  test("the compliant stack passes, and a port given by name is accepted", async () => {
    expect(await messagesOf(ingressTargetsService, stack())).toEqual([]);
    const objects = stack();
    backendOf(objects).service.port = { name: "http" };
    expect(await messagesOf(ingressTargetsService, objects)).toEqual([]);
  });
  test("a Service that does not exist in the namespace is reported", async () => {
    const objects = stack();
    backendOf(objects).service.name = "gateway";
    find(objects, "Ingress", "api").spec.defaultBackend = {
      service: { name: "fallback", port: { number: 80 } },
    };
    expect(await messagesOf(ingressTargetsService, objects)).toEqual([
      'Ingress toolboxai/api: defaultBackend names Service "fallback", which does not exist in ' +
        "namespace toolboxai",
      'Ingress toolboxai/api: backend of host "app.toolboxai.example" path "/" names Service ' +
        '"gateway", which does not exist in namespace toolboxai',
    ]);
  });
  test("a port the Service does not expose is reported, by number or by name", async () => {
    const objects = stack();
    backendOf(objects).service.port = { number: 8080 };
    expect(await messagesOf(ingressTargetsService, objects)).toEqual([
      'Ingress toolboxai/api: backend of host "app.toolboxai.example" path "/" names port 8080 ' +
        "of Service toolboxai/api, which exposes 8009 (http)",
    ]);
    backendOf(objects).service.port = { name: "https" };
    expect(await messagesOf(ingressTargetsService, objects)).toEqual([
      'Ingress toolboxai/api: backend of host "app.toolboxai.example" path "/" names port ' +
        '"https" of Service toolboxai/api, which exposes 8009 (http)',
    ]);
  });
});

describe("ingress-tls", () => {
  test("the compliant stack passes, and a wildcard certificate covers one label", async () => {
    expect(await messagesOf(ingressTls, stack())).toEqual([]);
    const objects = stack();
    find(objects, "Ingress", "api").spec.tls[0].hosts = ["*.toolboxai.example"];
    expect(await messagesOf(ingressTls, objects)).toEqual([]);
  });
  test("a host missing from spec.tls, or no TLS at all, is reported", async () => {
    const objects = stack();
    const spec = find(objects, "Ingress", "api").spec;
    spec.rules.push({ ...clone(spec.rules[0]), host: "a.b.toolboxai.example" });
    spec.tls[0].hosts = ["*.toolboxai.example"];
    expect(await messagesOf(ingressTls, objects)).toEqual([
      'Ingress toolboxai/api: host "a.b.toolboxai.example" is not covered by spec.tls hosts ' +
        "(*.toolboxai.example)",
    ]);
    delete spec.tls;
    expect(await messagesOf(ingressTls, objects)).toEqual([
      'Ingress toolboxai/api: host "app.toolboxai.example" is not covered by spec.tls hosts ' +
        "(none)",
      'Ingress toolboxai/api: host "a.b.toolboxai.example" is not covered by spec.tls hosts ' +
        "(none)",
    ]);
  });
  test("a rule without host is reported", async () => {
    const objects = stack();
    delete find(objects, "Ingress", "api").spec.rules[0].host;
    expect(await messagesOf(ingressTls, objects)).toEqual([
      "Ingress toolboxai/api: a rule has no host, so it answers every host name without TLS; " +
        "set a host",
    ]);
  });
});

describe("ingress-no-wildcard-hosts", () => {
  const ingressOf = (objects: any[]) => find(objects, "Ingress", "api");
  const rule = (host?: string) => ({
    ...(host === undefined ? {} : { host }),
    http: {
      paths: [
        {
          path: "/",
          pathType: "Prefix",
          backend: { service: { name: "api", port: { number: 8009 } } },
        },
      ],
    },
  });

  test("the compliant stack passes: one exact host per rule", async () => {
    expect(await messagesOf(ingressNoWildcardHosts, stack())).toEqual([]);
  });
  test("wildcard hosts are reported by rule index", async () => {
    const objects = stack();
    ingressOf(objects).spec.rules.push(rule("*.toolboxai.example"), rule("*"));
    expect(await messagesOf(ingressNoWildcardHosts, objects)).toEqual([
      'Ingress toolboxai/api: spec.rules[1] host "*.toolboxai.example" is a wildcard, so it ' +
        "answers every name under it; set the exact host",
      'Ingress toolboxai/api: spec.rules[2] host "*" is a wildcard, so it answers every host ' +
        "name; set the exact host",
    ]);
  });
  test("a rule with a missing or empty host, and a defaultBackend, are reported", async () => {
    const objects = stack();
    const spec = ingressOf(objects).spec;
    spec.rules.push(rule(), rule(""));
    spec.defaultBackend = { service: { name: "api", port: { number: 8009 } } };
    expect(await messagesOf(ingressNoWildcardHosts, objects)).toEqual([
      "Ingress toolboxai/api: sets a defaultBackend, which answers every host name no rule " +
        "matches; remove it and route each host with a rule",
      "Ingress toolboxai/api: spec.rules[1] has no host, so it answers every host name; set the " +
        "exact host",
      "Ingress toolboxai/api: spec.rules[2] has no host, so it answers every host name; set the " +
        "exact host",
    ]);
  });
  test("allowedWildcardHosts accepts a wildcard exactly as written", async () => {
    const objects = stack();
    ingressOf(objects).spec.rules.push(rule("*.tenants.toolboxai.example"), rule("*"));
    const config = {
      "ingress-no-wildcard-hosts": { allowedWildcardHosts: ["*.tenants.toolboxai.example"] },
    };
    expect(await messagesOf(ingressNoWildcardHosts, objects, config)).toEqual([
      'Ingress toolboxai/api: spec.rules[2] host "*" is a wildcard, so it answers every host ' +
        "name; set the exact host",
    ]);
  });
});

describe("data-tier-isolation", () => {
  const postgresRules = (objects: any[]) => find(objects, "NetworkPolicy", "postgres").spec.ingress;

  test('the compliant stack passes; matchExpressions In ["true"] is a zone peer', async () => {
    expect(await messagesOf(dataTierIsolation, stack())).toEqual([]);
    const objects = stack();
    postgresRules(objects)[0].from = [
      {
        podSelector: {
          matchExpressions: [
            { key: "zone.toolboxai.io/backend", operator: "In", values: ["true"] },
          ],
        },
      },
    ];
    expect(await messagesOf(dataTierIsolation, objects)).toEqual([]);
  });
  test("peers that are not an allowed zone's pods are reported", async () => {
    const objects = stack();
    postgresRules(objects)[0].from.push(
      { podSelector: { matchLabels: zone("frontend") } },
      { ipBlock: { cidr: "10.0.0.0/8" } },
      { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "tools" } } },
      { podSelector: {} },
      {
        podSelector: {
          matchExpressions: [{ key: "zone.toolboxai.io/backend", operator: "Exists" }],
        },
      },
    );
    const suffix =
      'to the zone "database" pods of StatefulSet toolboxai/postgres; only zones backend, ' +
      "observability, backup, monitoring may connect";
    expect(await messagesOf(dataTierIsolation, objects)).toEqual([
      `NetworkPolicy toolboxai/postgres: ingress rule 1 admits podSelector {zone.toolboxai.io/frontend=true} ${suffix}`,
      `NetworkPolicy toolboxai/postgres: ingress rule 1 admits ipBlock 10.0.0.0/8 ${suffix}`,
      "NetworkPolicy toolboxai/postgres: ingress rule 1 admits namespaceSelector " +
        `{kubernetes.io/metadata.name=tools} ${suffix}`,
      `NetworkPolicy toolboxai/postgres: ingress rule 1 admits podSelector {} ${suffix}`,
      "NetworkPolicy toolboxai/postgres: ingress rule 1 admits podSelector " +
        `{zone.toolboxai.io/backend Exists} ${suffix}`,
    ]);
  });
  test("a rule without from, in any policy selecting the pods, is reported", async () => {
    const objects = stack();
    postgresRules(objects)[1] = { ports: [{ port: 9187, protocol: "TCP" }] };
    const allowAll = networkPolicy("allow-all", {
      podSelector: {},
      policyTypes: ["Ingress"],
      ingress: [{ from: [] }],
    });
    expect(await messagesOf(dataTierIsolation, [...objects, allowAll])).toEqual([
      'NetworkPolicy toolboxai/postgres: ingress rule 2 has no from, so it admits every source to the zone "database" pods of StatefulSet toolboxai/postgres',
      'NetworkPolicy toolboxai/allow-all: ingress rule 1 has no from, so it admits every source to the zone "database" pods of StatefulSet toolboxai/postgres',
    ]);
  });
  test("a policy that governs only Egress is not read for ingress", async () => {
    const objects = stack();
    const policy = find(objects, "NetworkPolicy", "postgres");
    policy.spec.policyTypes = ["Egress"];
    policy.spec.ingress.push({});
    expect(await messagesOf(dataTierIsolation, objects)).toEqual([]);
  });
  test("isolatedZones decides which zones may connect (the mcp zone)", async () => {
    const objects = stack();
    const mcp = compliantDeployment("mcp-server");
    Object.assign(mcp.spec.template.metadata.labels, zone("mcp"));
    const mcpPolicy = networkPolicy("mcp-server", {
      podSelector: { matchLabels: { ...mcp.spec.selector.matchLabels } },
      policyTypes: ["Ingress", "Egress"],
      ingress: [{ from: [{ podSelector: { matchLabels: zone("backend") } }] }],
    });
    // By default the backend zone (which calls the MCP server) may connect.
    expect(await messagesOf(dataTierIsolation, [...objects, mcp, mcpPolicy])).toEqual([]);
    const mcpOnly = {
      "data-tier-isolation": {
        isolatedZones: { database: ["backend"], cache: ["backend"], mcp: ["mcp"] },
      },
    };
    expect(await messagesOf(dataTierIsolation, [...objects, mcp, mcpPolicy], mcpOnly)).toEqual([
      "NetworkPolicy toolboxai/mcp-server: ingress rule 1 admits podSelector " +
        '{zone.toolboxai.io/backend=true} to the zone "mcp" pods of Deployment ' +
        "toolboxai/mcp-server; only zones mcp, monitoring may connect",
    ]);
  });
});

describe("no-metadata-targets", () => {
  const service = (name: string, externalName: unknown) => ({
    apiVersion: "v1",
    kind: "Service",
    metadata: { name, namespace: "toolboxai" },
    spec: { type: "ExternalName", externalName },
  });

  test("Services, Endpoints and EndpointSlices elsewhere pass", async () => {
    expect(await messagesOf(noMetadataTargets, [...stack(), ...nearMetadataObjects()])).toEqual([]);
  });

  test("an ExternalName naming the metadata server, in any spelling, is reported", async () => {
    const objects = [
      service("imds", "169.254.169.254"),
      service("gce", "METADATA.google.internal."),
      service("imds-v6", "fd00:ec2::254"),
      service("decimal", "2852039166"),
      service("hex", "0xa9.0xfe.0xa9.0xfe"),
      service("link-local", "169.254.0.1."),
      service("missing", undefined),
    ];
    const number =
      "is a number that resolvers may read as an IPv4 address; write the address in dotted " +
      "decimal or a host name; remove it";
    expect(await messagesOf(noMetadataTargets, objects)).toEqual([
      'Service toolboxai/imds: spec.externalName "169.254.169.254" is a link-local or cloud ' +
        "metadata address; remove it",
      'Service toolboxai/gce: spec.externalName "METADATA.google.internal." is the cloud ' +
        "metadata server's name; remove it",
      'Service toolboxai/imds-v6: spec.externalName "fd00:ec2::254" is a link-local or cloud ' +
        "metadata address; remove it",
      `Service toolboxai/decimal: spec.externalName "2852039166" ${number}`,
      `Service toolboxai/hex: spec.externalName "0xa9.0xfe.0xa9.0xfe" ${number}`,
      'Service toolboxai/link-local: spec.externalName "169.254.0.1." is a link-local or cloud ' +
        "metadata address; remove it",
      "Service toolboxai/missing: spec.externalName undefined is not a host name or address; " +
        "remove it",
    ]);
  });

  test("Endpoints and EndpointSlice addresses in the link-local ranges are reported", async () => {
    const [, endpoints, slice] = nearMetadataObjects();
    endpoints.subsets[0].addresses.push({ ip: "169.254.10.1" });
    endpoints.subsets[0].notReadyAddresses = [{ ip: "fe80::1" }, { ip: "metadata" }];
    slice.endpoints.push({ addresses: ["fd00:ec2::254"] });
    const fqdn = { ...clone(slice), metadata: { name: "legacy-db-2", namespace: "toolboxai" } };
    fqdn.addressType = "FQDN";
    fqdn.endpoints = [{ addresses: ["metadata.google.internal"] }];
    expect(await messagesOf(noMetadataTargets, [endpoints, slice, fqdn])).toEqual([
      'Endpoints toolboxai/legacy-db: subsets[0].addresses[1].ip "169.254.10.1" is a ' +
        "link-local or cloud metadata address; remove it",
      'Endpoints toolboxai/legacy-db: subsets[0].notReadyAddresses[0].ip "fe80::1" is a ' +
        "link-local or cloud metadata address; remove it",
      'Endpoints toolboxai/legacy-db: subsets[0].notReadyAddresses[1].ip "metadata" is not an ' +
        "IP address; write one",
      'EndpointSlice toolboxai/legacy-db-1: endpoints[1].addresses[0] "fd00:ec2::254" is a ' +
        "link-local or cloud metadata address; remove it",
      'EndpointSlice toolboxai/legacy-db-2: endpoints[0].addresses[0] "metadata.google.internal" ' +
        "is the cloud metadata server's name; remove it",
    ]);
  });

  test("a bad forbiddenRanges entry is a config error, not a pass", async () => {
    const config = { "no-metadata-targets": { forbiddenRanges: ["169.254.0.0"] } };
    await expect(
      messagesOf(noMetadataTargets, [service("imds", "169.254.169.254")], config),
    ).rejects.toThrow('no-metadata-targets forbiddenRanges: "169.254.0.0" is not a CIDR');
  });

  test("address lists set to anything but a list are reported, not read as empty", async () => {
    const [, endpoints, slice] = nearMetadataObjects();
    endpoints.subsets = { addresses: [{ ip: "169.254.169.254" }] };
    slice.endpoints[0].addresses = "fd00:ec2::254";
    expect(await messagesOf(noMetadataTargets, [endpoints, slice])).toEqual([
      "Endpoints toolboxai/legacy-db: subsets is a mapping (keys: addresses); it " +
        "must be a list",
      "EndpointSlice toolboxai/legacy-db-1: endpoints[0].addresses is a string (13 characters); it must " +
        "be a list",
    ]);
  });

  test("the runner reads Endpoints and EndpointSlices (they are not called unmodelled)", () => {
    expect(checkedKubernetesTypes).toContain("kubernetes:core/v1:Endpoints");
    expect(checkedKubernetesTypes).toContain("kubernetes:discovery.k8s.io/v1:EndpointSlice");
  });
});

describe("netpol-no-metadata-egress", () => {
  const egressTo = (...blocks: any[]) =>
    networkPolicy("egress", {
      podSelector: { matchLabels: { app: "x" } },
      policyTypes: ["Egress"],
      egress: [{ to: blocks.map((ipBlock) => ({ ipBlock })), ports: [{ port: 80 }] }],
    });

  test("ipBlocks that except the metadata server, or do not hold it, pass", async () => {
    const objects = [...stack(), ...nearMetadataObjects(), egressTo({ cidr: "10.0.0.0/8" })];
    expect(await messagesOf(netpolNoMetadataEgress, objects)).toEqual([]);
  });

  test("a cidr holding the metadata server without an except for it is reported", async () => {
    const policy = egressTo(
      { cidr: "169.254.0.0/16" },
      { cidr: "0.0.0.0/0", except: ["10.0.0.0/8", "169.254.169.253/32"] },
      { cidr: "::/0", except: ["169.254.0.0/16"] },
      { cidr: "169.254.169.254" },
    );
    const where = "NetworkPolicy toolboxai/egress: spec.egress[0]";
    expect(await messagesOf(netpolNoMetadataEgress, [policy])).toEqual([
      `${where}.to[0].ipBlock 169.254.0.0/16 admits the metadata server 169.254.169.254; add ` +
        "it to except",
      `${where}.to[1].ipBlock 0.0.0.0/0 admits the metadata server 169.254.169.254; add it to ` +
        "except",
      `${where}.to[2].ipBlock ::/0 admits the metadata server fd00:ec2::254; add it to except`,
      `${where}.to[3].ipBlock.cidr "169.254.169.254" is not a CIDR; write one`,
    ]);
  });
});

test("NetworkPolicy rule lists set to anything but a list are reported by both rules", async () => {
  const policy = networkPolicy("odd", {
    podSelector: { matchLabels: { app: "x" } },
    ingress: { from: [] },
    egress: [{ to: { ipBlock: { cidr: "0.0.0.0/0" } } }],
  });
  const ingress =
    "NetworkPolicy toolboxai/odd: spec.ingress is a mapping (keys: from); it must be a list";
  const egress =
    "NetworkPolicy toolboxai/odd: spec.egress[0].to is a mapping (keys: ipBlock); it " +
    "must be a list";
  expect(await messagesOf(netpolNoAllowAllPeers, [policy])).toEqual([ingress, egress]);
  expect(await messagesOf(netpolNoMetadataEgress, [policy])).toEqual([egress]);
});

test("a metadataAddresses entry that is no IP address is a config error, not a pass", async () => {
  const config = { "netpol-no-metadata-egress": { metadataAddresses: ["169.254.169.254/32"] } };
  const policy = networkPolicy("egress", {
    podSelector: { matchLabels: { app: "x" } },
    egress: [{ to: [{ ipBlock: { cidr: "169.254.0.0/16" } }] }],
  });
  await expect(messagesOf(netpolNoMetadataEgress, [policy], config)).rejects.toThrow(
    'netpol-no-metadata-egress metadataAddresses: "169.254.169.254/32" is not an IP address',
  );
});

describe("netpol-no-allow-all-peers", () => {
  const policyWith = (spec: any) =>
    networkPolicy("wide", { podSelector: { matchLabels: { app: "x" } }, ...spec });
  const name = "name the peers it needs";

  test("named peers pass, and empty rule lists admit nothing", async () => {
    const objects = [
      ...stack(),
      ...nearMetadataObjects(),
      policyWith({ policyTypes: ["Ingress", "Egress"], ingress: [], egress: [] }),
      policyWith({
        ingress: [
          { from: [{ podSelector: {} }] },
          { from: [{ namespaceSelector: {}, podSelector: { matchLabels: zone("monitoring") } }] },
        ],
      }),
    ];
    expect(await messagesOf(netpolNoAllowAllPeers, objects)).toEqual([]);
  });

  test("a rule without from or to admits everything and is reported", async () => {
    const policy = policyWith({
      ingress: [{ ports: [{ port: 80 }] }, { from: [] }],
      egress: [{ to: null, ports: [{ port: 443 }] }, { to: "everyone" }],
    });
    const where = "NetworkPolicy toolboxai/wide: spec";
    expect(await messagesOf(netpolNoAllowAllPeers, [policy])).toEqual([
      `${where}.ingress[0] has no from, so it admits every source; list the peers it needs`,
      `${where}.ingress[1] has no from, so it admits every source; list the peers it needs`,
      `${where}.egress[0] has no to, so it admits every destination; list the peers it needs`,
      `${where}.egress[1].to is a string (8 characters); it must be a list`,
    ]);
  });

  test("empty peers, every namespace and /0 ipBlocks are reported", async () => {
    const policy = policyWith({
      ingress: [
        {
          from: [
            {},
            { namespaceSelector: {} },
            { namespaceSelector: { matchLabels: {} }, podSelector: {} },
            "everyone",
          ],
        },
      ],
      egress: [
        {
          to: [
            { ipBlock: { cidr: "0.0.0.0/0", except: ["10.0.0.0/8"] } },
            { ipBlock: { cidr: "::/0" } },
            { ipBlock: { cidr: "everywhere" } },
          ],
        },
      ],
    });
    const where = "NetworkPolicy toolboxai/wide: spec";
    const everyPod =
      "has an empty namespaceSelector and no podSelector narrower than every pod, so it " +
      `admits every pod of every namespace; ${name}`;
    expect(await messagesOf(netpolNoAllowAllPeers, [policy])).toEqual([
      `${where}.ingress[0].from[0] is empty (no podSelector, namespaceSelector or ipBlock); ${name}`,
      `${where}.ingress[0].from[1] ${everyPod}`,
      `${where}.ingress[0].from[2] ${everyPod}`,
      `${where}.ingress[0].from[3] is not a peer (a mapping with podSelector, namespaceSelector ` +
        `or ipBlock); ${name}`,
      `${where}.egress[0].to[0] has ipBlock 0.0.0.0/0, which admits every IPv4 address but its ` +
        `except ranges; ${name}`,
      `${where}.egress[0].to[1] has ipBlock ::/0, which admits every IPv6 address; ${name}`,
      `${where}.egress[0].to[2] has ipBlock cidr "everywhere", which is not a CIDR; ${name}`,
    ]);
  });
});
