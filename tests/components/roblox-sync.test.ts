// roblox-sync (components/app/roblox-sync.ts): alone in the roblox zone, reaching the backend
// and the Roblox APIs; as data and rendered alone.
import { RobloxSync, robloxSyncSpec } from "../../components/app/roblox-sync";
import { httpMetricFamilies } from "../../components/app/wiring";
import { renderAlone, settingsOf, telemetry } from "./support";

const args = {
  settings: settingsOf("robloxSync"),
  environment: "unit",
  telemetry,
  logLevel: "debug",
  backend: { host: "backend.unit.svc.cluster.local", port: 8009 },
};
const spec = robloxSyncSpec(args);

test("on 8080 with /health and the HTTP metrics, finding the backend by URL", () => {
  const [main] = spec.containers;
  expect(main.ports).toEqual([{ name: "http", port: 8080 }]);
  expect(main.probes?.readiness).toEqual({ http: { path: "/health", port: "http" } });
  expect(spec.metrics).toEqual([{ port: "http", path: "/metrics", families: httpMetricFamilies }]);
  expect(main.env).toMatchObject({
    BACKEND_URL: "http://backend.unit.svc.cluster.local:8009",
    LOG_LEVEL: "DEBUG",
    ENVIRONMENT: "unit",
    OTEL_SERVICE_NAME: "roblox-sync",
  });
});

test("no data wiring: no secrets, no database or Redis address", () => {
  expect(spec.secretFiles).toBeUndefined();
  expect(Object.keys(spec.containers[0].env ?? {})).not.toContain("DATABASE_HOST");
  expect(spec.zones).toEqual(["roblox"]);
});

test("rendered alone: nothing reaches its service port; it reaches the backend zone", async () => {
  const rendered = await renderAlone((renderer) => {
    new RobloxSync("roblox-sync", { ...args, renderer });
  });
  const policy = rendered.object("NetworkPolicy", "roblox-sync");
  // The roblox zone accepts no one: only the monitoring zone, on the metrics port.
  expect(policy.spec.ingress).toHaveLength(1);
  expect(policy.spec.ingress[0].from[0].podSelector.matchLabels).toEqual({
    "zone.toolboxai.io/monitoring": "true",
  });
  const reached = policy.spec.egress
    .filter((rule: { ports?: unknown }) => !rule.ports)
    .map((rule: { to: { podSelector: { matchLabels: object } }[] }) =>
      Object.keys(rule.to[0].podSelector.matchLabels),
    );
  expect(reached).toEqual([["zone.toolboxai.io/backend"]]);
  expect(rendered.objects("Secret")).toEqual([]);
  const component = rendered.urnOf("toolboxai:app:RobloxSync", "roblox-sync");
  expect(
    rendered.resources.find((resource) => resource.type === "toolboxai:kubernetes:Workload")
      ?.parent,
  ).toBe(component);
});
