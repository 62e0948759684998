// The e2e's flow matrix (tools/e2e/flow-matrix.ts): the verdicts the flow table predicts, and the
// connection script a probe runs, run here by the host's `sh` with a stand-in `nc` (busybox's
// runs it on the node).
import { spawnSync } from "node:child_process";
import { chmodSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { flowTable, type IngressFlow, type NetworkFlows } from "../components/model/flows";
import {
  connectResults,
  connectScript,
  expectedMatrix,
  ingressControllerProbe,
  outsideAllowed,
  parseFlowTable,
  strangerProbe,
  zoneProbe,
} from "../tools/e2e/flow-matrix";
import { tempDir } from "./support/temp";

const flow = (workload: string, port: string, from: IngressFlow["from"]): IngressFlow => ({
  namespace: "toolboxai",
  workload,
  port,
  number: 1,
  from,
});

describe("the matrix the flow table predicts", () => {
  test("each probe against each port: allowed where the audience admits the probe", () => {
    const targets = [
      {
        flow: flow("postgres", "postgres", { zones: ["backend"], ingressController: false }),
        address: "10.96.0.10",
        port: 5432,
      },
      {
        flow: flow("gateway", "http", { zones: ["frontend"], ingressController: true }),
        address: "10.96.0.11",
        port: 8080,
      },
    ];
    expect(
      expectedMatrix([zoneProbe("backend"), ingressControllerProbe, strangerProbe], targets),
    ).toEqual([
      "every zone, another installation → toolboxai/gateway:http refused",
      "every zone, another installation → toolboxai/postgres:postgres refused",
      "ingress controller → toolboxai/gateway:http allowed",
      "ingress controller → toolboxai/postgres:postgres refused",
      "zone backend → toolboxai/gateway:http refused",
      "zone backend → toolboxai/postgres:postgres allowed",
    ]);
  });

  test("outside the cluster: HTTPS where the workload declares the internet or the API server", () => {
    const egress = (to: "public" | "private" | "any-but-link-local") => ({
      namespace: "toolboxai",
      workload: "w",
      outside: [{ to, ports: [443], why: "test" }],
    });
    expect(outsideAllowed(egress("public"), 443)).toBe(true);
    expect(outsideAllowed(egress("any-but-link-local"), 443)).toBe(true);
    expect(outsideAllowed(egress("private"), 443)).toBe(false);
    expect(outsideAllowed(egress("public"), 80)).toBe(false);
    expect(outsideAllowed({ namespace: "toolboxai", workload: "w", outside: [] }, 443)).toBe(false);
  });
});

describe("the connection script", () => {
  test("tries every address at once and says which connected", () => {
    const dir = tempDir("toolboxai-flow-script-");
    // A stand-in for busybox's nc: port 5432 connects, every other is refused.
    const nc = path.join(dir, "nc");
    writeFileSync(nc, '#!/bin/sh\n[ "$4" = 5432 ]\n');
    chmodSync(nc, 0o755);
    const addresses = [
      { address: "10.96.0.10", port: 5432 },
      { address: "10.96.0.11", port: 6379 },
    ];
    const run = spawnSync("sh", [], {
      input: connectScript(addresses),
      encoding: "utf8",
      env: { PATH: `${dir}:/usr/bin:/bin` },
    });
    expect(run.status).toBe(0);
    expect(connectResults(run.stdout, addresses.length)).toEqual([true, false]);
  });

  test("a try without an answer is no verdict; an address that is not one is refused", () => {
    expect(() => connectResults("ok 0\n", 2)).toThrow("no answer for tries 1");
    expect(() => connectScript([{ address: "10.0.0.1; reboot", port: 1 }])).toThrow(
      "not an address and port to try",
    );
  });
});

describe("the networkFlows output read back", () => {
  test("what flowTable wrote, parsed, is the flow table it wrote", () => {
    const flows: NetworkFlows = {
      ingress: [
        flow("postgres", "postgres", { zones: ["backend", "backup"], ingressController: false }),
        flow("gateway", "http", { zones: ["frontend"], ingressController: true }),
        flow("exporter", "metrics", { zones: [], ingressController: false }),
        // An operated workload's instances, their operator, and an operator's webhook.
        flow("postgres", "postgresql", {
          zones: ["backend"],
          ingressController: false,
          peers: true,
        }),
        flow("postgres", "status", {
          zones: [],
          ingressController: false,
          peers: true,
          operatorNamespace: "cnpg-system",
        }),
        flow("cloudnative-pg", "webhook", {
          zones: [],
          ingressController: false,
          anyAddress: true,
        }),
        {
          ...flow("node-exporter", "metrics", { zones: [], ingressController: false }),
          hostNetwork: true,
        },
      ],
      egress: [
        {
          namespace: "toolboxai",
          workload: "prometheus",
          outside: [
            { to: "private", ports: [9100, 10250], why: "node-exporter and the kubelets" },
            { to: "any-but-link-local", ports: [443, 6443], why: "the Kubernetes API" },
          ],
        },
      ],
    };
    expect(parseFlowTable(flowTable(flows))).toEqual(flows);
  });

  test("an address every pod may reach (a webhook the API server calls) admits every probe", () => {
    const target = {
      flow: flow("cloudnative-pg", "webhook", {
        zones: [],
        ingressController: false,
        anyAddress: true,
      }),
      address: "10.244.0.9",
      port: 9443,
    };
    const peersOnly = {
      flow: flow("postgres", "status", { zones: [], ingressController: false, peers: true }),
      address: "10.244.0.10",
      port: 8000,
    };
    expect(
      expectedMatrix(
        [zoneProbe("backend"), ingressControllerProbe, strangerProbe],
        [target, peersOnly],
      ),
    ).toEqual([
      "every zone, another installation → toolboxai/cloudnative-pg:webhook allowed",
      "every zone, another installation → toolboxai/postgres:status refused",
      "ingress controller → toolboxai/cloudnative-pg:webhook allowed",
      "ingress controller → toolboxai/postgres:status refused",
      "zone backend → toolboxai/cloudnative-pg:webhook allowed",
      "zone backend → toolboxai/postgres:status refused",
    ]);
  });

  test("a line it cannot read is named, with its value", () => {
    expect(() =>
      parseFlowTable({ ingress: { "toolboxai/postgres:postgres": "5432 ← everyone" }, egress: {} }),
    ).toThrow('networkFlows: cannot read toolboxai/postgres:postgres: "5432 ← everyone"');
    expect(() =>
      parseFlowTable({ ingress: {}, egress: { "toolboxai/backend": "443 to the moon (why)" } }),
    ).toThrow("networkFlows: cannot read toolboxai/backend");
  });
});
