// The dashboard (components/app/dashboard.ts): static files behind the gateway, as data and
// rendered alone.
import { Dashboard, dashboardSpec } from "../../components/app/dashboard";
import { admittedZones, containerOf, renderAlone, settingsOf } from "./support";

const settings = settingsOf("dashboard");
const spec = dashboardSpec({ settings });

test("nginx on 8080, ready when / answers, writable only where nginx writes", () => {
  const [main] = spec.containers;
  expect(spec.containers).toHaveLength(1);
  expect(main.ports).toEqual([{ name: "http", port: 8080 }]);
  expect(main.probes?.readiness).toEqual({ http: { path: "/", port: "http" } });
  expect(main.writablePaths).toEqual(["/tmp", "/var/cache/nginx"]);
  expect(main.image).toBe(settings.image);
});

test("no data, no secrets, no metrics, no internet: only the frontend zone", () => {
  expect(spec.zones).toEqual(["frontend"]);
  expect(spec.secretFiles).toBeUndefined();
  expect(spec.metrics).toBeUndefined();
  expect(spec.egress).toBeUndefined();
  expect(spec.internetEgress).toBe(false);
  expect(spec.containers[0].env).toBeUndefined();
});

test("replicas from the settings, at standard priority", () => {
  expect(dashboardSpec({ settings: { ...settings, replicas: 2 } }).replicas).toBe(2);
  expect(spec.priority).toBeUndefined();
});

test("rendered alone: reached only from the frontend zone, with no Secret or ConfigMap", async () => {
  let dashboard!: Dashboard;
  const rendered = await renderAlone((renderer) => {
    dashboard = new Dashboard("dashboard", { settings, renderer });
  });
  expect(
    rendered
      .objects()
      .map((object) => object.kind)
      .sort(),
  ).toEqual(["Deployment", "NetworkPolicy", "Service", "ServiceAccount"]);
  expect(admittedZones(rendered.object("NetworkPolicy", "dashboard"), "http")).toEqual([
    "frontend",
  ]);
  const container = containerOf(rendered.object("Deployment", "dashboard"), "dashboard");
  expect(container.securityContext.readOnlyRootFilesystem).toBe(true);
  expect(container.volumeMounts.map((mount: { mountPath: string }) => mount.mountPath)).toEqual([
    "/tmp",
    "/var/cache/nginx",
  ]);
  expect(dashboard.endpoint).toEqual({ host: "dashboard.unit.svc.cluster.local", port: 8080 });
});
