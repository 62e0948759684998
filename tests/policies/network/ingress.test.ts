// Ingress: ingress-targets-service, ingress-tls and ingress-no-wildcard-hosts.
import {
  ingressNoWildcardHosts,
  ingressTargetsService,
  ingressTls,
} from "../../../policies/network/ingress";
import { clone, messagesOf } from "../support";
import { find } from "../fixtures/availability";
import { stack } from "../fixtures/network";

/* eslint-disable @typescript-eslint/no-explicit-any -- fixtures are untyped JSON */

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
      "Ingress toolboxai/api: spec.rules[1]: a rule has no host, so it answers every host name; set the " +
        "exact host",
      "Ingress toolboxai/api: spec.rules[2]: a rule has no host, so it answers every host name; set the " +
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
