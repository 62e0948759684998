// The agent coordinator (components/app/agent-coordinator.ts): it calls the MCP server and the
// AI providers; as data and rendered alone.
import { AgentCoordinator, agentCoordinatorSpec } from "../../components/app/agent-coordinator";
import { admittedZones, renderAlone, settingsOf, wiring } from "./support";

const settings = settingsOf("agentCoordinator");
const mcpServer = { host: "mcp-server.unit.svc.cluster.local", port: 9877 };
const spec = agentCoordinatorSpec({ settings, wiring, mcpServer });

test("on 8888 with /health and /metrics, finding the MCP server by URL", () => {
  const [main] = spec.containers;
  expect(main.ports).toEqual([{ name: "http", port: 8888 }]);
  expect(main.probes?.liveness).toEqual({ tcp: { port: "http" } });
  expect(main.env).toMatchObject({
    MCP_SERVER_URL: "http://mcp-server.unit.svc.cluster.local:9877",
    PORT: "8888",
  });
  expect(spec.metrics?.map((metrics) => metrics.port)).toEqual(["http"]);
});

test("it reaches the AI providers over HTTPS by default, and exports traces", () => {
  expect(spec.internetEgress).toBe(true);
  expect(spec.egress).toEqual([{ zone: "monitoring", ports: ["otlp-http"] }]);
});

test("rendered alone: HTTPS to public addresses and OTLP to the monitoring zone, nothing more", async () => {
  let coordinator!: AgentCoordinator;
  const rendered = await renderAlone((renderer) => {
    coordinator = new AgentCoordinator("agent-coordinator", {
      settings,
      wiring,
      mcpServer,
      renderer,
    });
  });
  const policy = rendered.object("NetworkPolicy", "agent-coordinator");
  expect(admittedZones(policy, "http")).toEqual(["backend", "monitoring"]);
  const egressPorts = policy.spec.egress
    .filter((rule: { ports?: unknown }) => rule.ports)
    .map((rule: { ports: { port: unknown }[] }) => rule.ports.map((port) => port.port));
  expect(egressPorts).toEqual([["otlp-http"], [443]]);
  expect(coordinator.endpoint.port).toBe(8888);
});
