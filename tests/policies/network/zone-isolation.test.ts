// Zone isolation: data-tier-isolation.
import { dataTierIsolation } from "../../../policies/network/zone-isolation";
import { compliantDeployment, messagesOf } from "../support";
import { find } from "../fixtures/availability";
import { networkPolicy, stack, zone } from "../fixtures/network";

/* eslint-disable @typescript-eslint/no-explicit-any -- fixtures are untyped JSON */

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
