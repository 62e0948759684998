// The flow table (components/model/flows.ts): who may connect to each port, as the zone table and
// the port's purpose say, and where a workload may connect beyond its zones. The e2e compares it
// with what a real cluster lets through; here, its rules one by one.
import { flowTable, networkFlows, outsideEgress, portAudience } from "../components/model/flows";
import { httpProbes, type WorkloadSpec } from "../components/model/workload";

const resources = {
  requests: { cpu: "100m", memory: "64Mi" },
  limits: { cpu: "200m", memory: "128Mi" },
};

function spec(overrides: Partial<WorkloadSpec> = {}): WorkloadSpec {
  return {
    name: "api",
    component: "api",
    zones: ["backend"],
    replicas: 1,
    containers: [
      {
        name: "api",
        image: { repository: "example/api", tag: "1.0.0" },
        ports: [
          { name: "http", port: 8000 },
          { name: "metrics", port: 9000, purpose: "metrics" },
          { name: "otlp", port: 4317, openTo: ["backend"] },
        ],
        probes: httpProbes("http", "/health"),
        resources,
      },
    ],
    ...overrides,
  };
}
const portOf = (name: string) => spec().containers[0].ports!.find((port) => port.name === name)!;

describe("who may connect to a port", () => {
  test("a serving port: the zones that accept the workload's clients, no ingress controller", () => {
    expect(portAudience(spec(), portOf("http"))).toEqual({
      zones: ["frontend", "backend", "roblox"],
      ingressController: false,
    });
  });

  test("a scraped port adds the monitoring zone; a metrics port is the monitoring zone's alone", () => {
    const scraped = spec({ metrics: [{ port: "http" }, { port: "metrics" }] });
    expect(portAudience(scraped, portOf("http")).zones).toEqual([
      "frontend",
      "backend",
      "roblox",
      "monitoring",
    ]);
    expect(portAudience(scraped, portOf("metrics")).zones).toEqual(["monitoring"]);
    // Not scraped, a metrics port is open to nobody.
    expect(portAudience(spec(), portOf("metrics")).zones).toEqual([]);
  });

  test("a port with its own audience is open to it alone, whatever the workload's clients", () => {
    const jaeger = spec({ zones: ["monitoring"] });
    expect(portAudience(jaeger, portOf("otlp"))).toEqual({
      zones: ["backend"],
      ingressController: false,
    });
  });

  test("the ingress controller reaches the public entry's port only", () => {
    const gateway = spec({ publicEntry: { port: "http", host: "toolboxai.example" } });
    expect(portAudience(gateway, portOf("http")).ingressController).toBe(true);
    expect(portAudience(gateway, portOf("metrics")).ingressController).toBe(false);
    expect(portAudience(gateway, portOf("otlp")).ingressController).toBe(false);
  });
});

describe("egress beyond the zones", () => {
  test("none unless declared", () => {
    expect(outsideEgress(spec())).toEqual([]);
  });

  test("the internet on 443; the nodes' agents to a scraper; the API server to API clients", () => {
    const everything = spec({ internetEgress: true, scrapes: true, apiAccess: { cluster: [] } });
    expect(outsideEgress(everything).map(({ to, ports }) => ({ to, ports }))).toEqual([
      { to: "private", ports: [9100, 10250] },
      { to: "any-but-link-local", ports: [443, 6443] },
      { to: "public", ports: [443] },
    ]);
  });
});

describe("the flow table of rendered workloads", () => {
  test("every port of every container, by namespace; host-network ports marked", () => {
    const exporter = spec({
      name: "node-exporter",
      zones: ["monitoring"],
      kind: "daemon",
      host: { network: true },
      metrics: [{ port: "metrics" }],
      containers: [{ ...spec().containers[0], ports: [portOf("metrics")] }],
    });
    const flows = networkFlows([
      { workloads: [{ spec: spec(), namespace: "apps", host: "api" }], volumes: [] },
      { workloads: [{ spec: exporter, namespace: "nodes", host: "node-exporter" }], volumes: [] },
    ]);
    expect(
      flows.ingress.map(({ namespace, workload, port, number }) => [
        namespace,
        workload,
        port,
        number,
      ]),
    ).toEqual([
      ["apps", "api", "http", 8000],
      ["apps", "api", "metrics", 9000],
      ["apps", "api", "otlp", 4317],
      ["nodes", "node-exporter", "metrics", 9000],
    ]);
    expect(flows.ingress.filter((flow) => flow.hostNetwork).map((flow) => flow.workload)).toEqual([
      "node-exporter",
    ]);
    expect(flows.egress).toEqual([
      { namespace: "apps", workload: "api", outside: [] },
      { namespace: "nodes", workload: "node-exporter", outside: [] },
    ]);
  });
});

describe("the flow table as a stack output", () => {
  test("one line per port, one per workload that reaches beyond its zones", () => {
    const gateway = spec({
      name: "gateway",
      zones: ["frontend"],
      publicEntry: { port: "http", host: "toolboxai.example" },
      internetEgress: true,
      apiAccess: { cluster: [] },
    });
    const exporter = spec({ name: "node-exporter", host: { network: true } });
    const table = flowTable(
      networkFlows([
        {
          workloads: [
            { spec: gateway, namespace: "apps", host: "gateway" },
            { spec: spec(), namespace: "apps", host: "api" },
            { spec: exporter, namespace: "nodes", host: "node-exporter" },
          ],
          volumes: [],
        },
      ]),
    );
    expect(table.ingress).toMatchObject({
      "apps/gateway:http": "8000 ← frontend, the ingress controller",
      "apps/api:http": "8000 ← frontend, backend, roblox",
      "apps/api:metrics": "9000 ← nobody",
      "apps/api:otlp": "4317 ← backend",
      "nodes/node-exporter:http": "8000 ← every pod (host network)",
    });
    expect(table.egress).toEqual({
      "apps/gateway":
        "443, 6443 to any address but link-local (the Kubernetes API); " +
        "443 to public addresses (HTTPS to the internet)",
    });
  });
});
