// The MCP server (components/app/mcp-server.ts): in the backend and mcp zones, as data and
// rendered alone.
import { McpServer, mcpServerSpec } from "../../components/app/mcp-server";
import {
  admittedZones,
  expectSecretsAsFiles,
  renderAlone,
  secretValues,
  settingsOf,
  wiring,
} from "./support";

const settings = settingsOf("mcpServer");
const spec = mcpServerSpec({ settings, wiring });

test("on 9877 with /health and /metrics, in the backend and mcp zones", () => {
  const [main] = spec.containers;
  expect(main.ports).toEqual([{ name: "http", port: 9877 }]);
  expect(main.probes?.readiness).toEqual({ http: { path: "/health", port: "http" } });
  expect(spec.metrics?.[0]).toMatchObject({ port: "http", path: "/metrics" });
  expect(spec.zones).toEqual(["backend", "mcp"]);
  expect(main.env).toMatchObject({ PORT: "9877", OTEL_SERVICE_NAME: "mcp-server" });
});

test("no internet by default; the settings may allow it", () => {
  expect(spec.internetEgress).toBe(false);
  expect(
    mcpServerSpec({ settings: { ...settings, internetEgress: true }, wiring }).internetEgress,
  ).toBe(true);
});

test("rendered alone: only the zones both of its zones accept reach it", async () => {
  let server!: McpServer;
  const rendered = await renderAlone((renderer) => {
    server = new McpServer("mcp-server", { settings, wiring, renderer });
  });
  // In backend and mcp: a client must be accepted by both (the backend zone alone is), so the
  // frontend cannot reach it; the monitoring zone scrapes its metrics.
  const policy = rendered.object("NetworkPolicy", "mcp-server");
  expect(admittedZones(policy, "http")).toEqual(["backend", "monitoring"]);
  expect(rendered.object("Deployment", "mcp-server").spec.template.metadata.labels).toMatchObject({
    "zone.toolboxai.io/backend": "true",
    "zone.toolboxai.io/mcp": "true",
  });
  expectSecretsAsFiles(rendered, "Deployment", "mcp-server", {
    "database-password": secretValues.databasePassword,
    "app-secret-key": secretValues.appSecretKey,
  });
  expect(server.endpoint).toEqual({ host: "mcp-server.unit.svc.cluster.local", port: 9877 });
});
