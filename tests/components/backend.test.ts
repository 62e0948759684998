// The backend (components/app/backend.ts): its spec as data, and the component rendered alone.
import { Backend, backendMetricFamilies, backendSpec } from "../../components/app/backend";
import { httpMetricFamilies } from "../../components/app/wiring";
import {
  admittedZones,
  containerOf,
  expectSecretsAsFiles,
  plainText,
  renderAlone,
  secretValues,
  settingsOf,
  wiring,
} from "./support";

const args = {
  settings: settingsOf("backend"),
  wiring,
  publicUrl: "https://app.unit.example",
  mcpServer: { host: "mcp-server.unit.svc.cluster.local", port: 9877 },
  agentCoordinator: { host: "agent-coordinator.unit.svc.cluster.local", port: 8888 },
};
const spec = backendSpec(args);

test("the API on 8009: ready on /health, alive while its port accepts, critical", () => {
  const [main] = spec.containers;
  expect(main.ports).toEqual([{ name: "http", port: 8009 }]);
  expect(main.probes).toEqual({
    readiness: { http: { path: "/health", port: "http" } },
    liveness: { tcp: { port: "http" } },
  });
  expect(spec.priority).toBe("critical");
  expect(spec.zones).toEqual(["backend"]);
  expect(main.writablePaths).toEqual(["/tmp"]);
});

test("it finds the MCP server and the agent coordinator by URL, and knows its public URL", () => {
  expect(spec.containers[0].env).toMatchObject({
    PUBLIC_URL: "https://app.unit.example",
    MCP_SERVER_URL: "http://mcp-server.unit.svc.cluster.local:9877",
    AGENT_COORDINATOR_URL: "http://agent-coordinator.unit.svc.cluster.local:8888",
    PORT: "8009",
    DATABASE_HOST: "postgres.unit.svc.cluster.local",
    OTEL_SERVICE_NAME: "backend",
  });
});

test("metrics on /metrics: the HTTP families and the security dashboard's", () => {
  expect(spec.metrics).toEqual([
    { port: "http", path: "/metrics", families: [...httpMetricFamilies, ...backendMetricFamilies] },
  ]);
});

test("scaling and internet egress come from the settings", () => {
  const autoscaling = { minReplicas: 3, maxReplicas: 10, targetCpuUtilizationPercent: 70 };
  const scaled = backendSpec({
    ...args,
    settings: { ...args.settings, replicas: 3, autoscaling, internetEgress: false },
  });
  expect(scaled).toMatchObject({ replicas: 3, autoscaling, internetEgress: false });
  // LLM providers are called over HTTPS: the default allows it.
  expect(spec).toMatchObject({ replicas: 1, internetEgress: true });
  expect(spec.autoscaling).toBeUndefined();
});

test("no credential in plain text: each is a file", () => {
  const text = plainText(spec);
  for (const value of Object.values(secretValues)) expect(text).not.toContain(value);
  expect(spec.secretFiles?.map((file) => file.name)).toEqual([
    "database-password",
    "redis-password",
    "jwt-secret",
    "app-secret-key",
    "celery-broker-url",
    "celery-result-backend",
  ]);
});

describe("rendered alone on Kubernetes", () => {
  let backend: Backend;
  let rendered: Awaited<ReturnType<typeof renderAlone>>;
  beforeAll(async () => {
    rendered = await renderAlone((renderer) => {
      backend = new Backend("backend", { ...args, renderer });
    });
  });

  test("a Deployment, Service, NetworkPolicy, ServiceAccount and Secret in its namespace", () => {
    const objects = rendered.objects();
    expect(objects.map((object) => `${object.kind} ${object.metadata.name}`).sort()).toEqual([
      "Deployment backend",
      "NetworkPolicy backend",
      "Secret backend-secrets",
      "Service backend",
      "ServiceAccount backend",
    ]);
    for (const object of objects) expect(object.metadata.namespace).toBe("unit");
    const pod = rendered.object("Deployment", "backend").spec.template.spec;
    expect(pod.priorityClassName).toBe("unit-critical");
  });

  test("its objects are the component's children, through the workload", () => {
    const component = rendered.urnOf("toolboxai:app:Backend", "backend");
    const workload = rendered.resources.find(
      (resource) => resource.type === "toolboxai:kubernetes:Workload",
    )!;
    expect(workload.parent).toBe(component);
    for (const resource of rendered.resources.filter((r) => r.type.startsWith("kubernetes:"))) {
      expect(resource.parent).toBe(workload.urn);
    }
  });

  test("its endpoint is the Service's DNS name and port", () => {
    expect(backend.endpoint).toEqual({ host: "backend.unit.svc.cluster.local", port: 8009 });
    expect(rendered.object("Service", "backend").spec.ports).toEqual([
      { name: "http", port: 8009, targetPort: "http", protocol: "TCP" },
    ]);
  });

  test("reached by the frontend, backend and roblox zones; scraped by monitoring", () => {
    const policy = rendered.object("NetworkPolicy", "backend");
    expect(admittedZones(policy, "http")).toEqual(["backend", "frontend", "monitoring", "roblox"]);
    const probes = containerOf(rendered.object("Deployment", "backend"), "backend");
    expect(probes.readinessProbe.httpGet).toEqual({ path: "/health", port: "http" });
  });

  test("the credentials are files from its Secret, never in the pod spec", () => {
    expectSecretsAsFiles(rendered, "Deployment", "backend", {
      "database-password": secretValues.databasePassword,
      "jwt-secret": secretValues.jwtSecret,
      "celery-broker-url": `redis://:${secretValues.redisPassword}@redis.unit.svc.cluster.local:6379/0`,
    });
  });
});
