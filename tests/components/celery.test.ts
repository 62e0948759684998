// Celery (components/app/celery.ts): workers, beat as a singleton, Flower behind basic auth read
// from a secret file; as data and rendered alone.
import * as pulumi from "@pulumi/pulumi";
import {
  Celery,
  celeryBeatSpec,
  celeryWorkerSpec,
  flowerMetricFamilies,
  flowerSpec,
} from "../../components/app/celery";
import {
  admittedZones,
  containerOf,
  expectSecretsAsFiles,
  plainText,
  renderAlone,
  secretFileValue,
  secretValues,
  settingsOf,
  wiring,
} from "./support";
import { defaultProbeTiming } from "../../components/model/workload";

const flowerPassword = "unit-flower-password";
const args = {
  wiring,
  worker: settingsOf("celeryWorker"),
  beat: settingsOf("celeryBeat"),
  flower: { ...settingsOf("flower"), password: pulumi.secret(flowerPassword) },
};
const worker = celeryWorkerSpec(args);
const beat = celeryBeatSpec(args);
const flower = flowerSpec(args);

test("workers and beat serve no port: their probes ask Celery itself", () => {
  for (const spec of [worker, beat]) {
    expect(spec.containers[0].ports).toBeUndefined();
    expect(spec.metrics).toBeUndefined();
    expect(spec.containers[0].probes?.readiness).toHaveProperty("exec");
    expect(spec.containers[0].probes?.liveness).toHaveProperty("exec");
  }
  expect(JSON.stringify(worker.containers[0].probes)).toContain("inspect ping");
});

test("a worker's probes give up before the probe does; liveness asks it alone", () => {
  const probes = worker.containers[0].probes!;
  const script = (probe: unknown) =>
    (probe as { exec: { command: string[] } }).exec.command.join(" ");
  // Without -d, Celery waits its whole --timeout for every worker's reply.
  expect(script(probes.liveness)).toContain('inspect ping -d "celery@$HOSTNAME"');
  expect(script(probes.readiness)).toMatch(/status --timeout \d+ \| grep -q "celery@\$HOSTNAME"/);
  for (const probe of [probes.readiness, probes.liveness]) {
    const timeout = Number(/--timeout (\d+)/.exec(script(probe))?.[1]);
    // Celery's own start-up takes a second or two of the probe's time.
    expect(timeout).toBeLessThanOrEqual(
      (worker.probeTiming?.timeoutSeconds ?? defaultProbeTiming.timeoutSeconds) - 2,
    );
  }
});

test("workers scale from their settings; beat is one scheduler, stopped before the next starts", () => {
  expect(worker.replicas).toBe(2);
  expect(worker.updateStrategy).toBeUndefined();
  expect(beat.updateStrategy).toBe("recreate");
  expect(beat.replicas).toBe(1);
  expect(beat.containers[0].command).toContain("/tmp/celerybeat-schedule");
});

test("the broker and result URLs embed the Redis password: files, never variables", async () => {
  for (const spec of [worker, beat, flower]) {
    const text = plainText(spec);
    for (const value of Object.values(secretValues)) expect(text).not.toContain(value);
  }
  expect(await secretFileValue(worker, "celery-broker-url")).toBe(
    `redis://:${secretValues.redisPassword}@redis.unit.svc.cluster.local:6379/0`,
  );
  expect(await secretFileValue(worker, "celery-result-backend")).toMatch(/:6379\/1$/);
});

test("Flower on 5555 with its metrics, its basic auth in a config file", async () => {
  const [main] = flower.containers;
  expect(main.ports).toEqual([{ name: "http", port: 5555 }]);
  expect(main.probes?.readiness).toEqual({ http: { path: "/healthcheck", port: "http" } });
  expect(flower.metrics).toEqual([
    { port: "http", path: "/metrics", families: flowerMetricFamilies },
  ]);
  expect(main.command).toContain("--conf=/run/secrets/flower-config");
  expect(JSON.stringify(main)).not.toContain(flowerPassword);
  expect(await secretFileValue(flower, "flower-config")).toBe(
    `basic_auth = ["admin:${flowerPassword}"]\n`,
  );
});

describe("rendered alone on Kubernetes", () => {
  let celery: Celery;
  let rendered: Awaited<ReturnType<typeof renderAlone>>;
  beforeAll(async () => {
    rendered = await renderAlone((renderer) => {
      celery = new Celery("celery", { ...args, renderer });
    });
  });

  test("three Deployments under one component; beat's strategy is Recreate", () => {
    expect(
      rendered
        .objects("Deployment")
        .map((deployment) => deployment.metadata.name)
        .sort(),
    ).toEqual(["celery-beat", "celery-worker", "flower"]);
    expect(rendered.object("Deployment", "celery-beat").spec.strategy).toEqual({
      type: "Recreate",
    });
    expect(rendered.object("Deployment", "celery-worker").spec.strategy.type).toBe("RollingUpdate");
    const component = rendered.urnOf("toolboxai:app:Celery", "celery");
    const workloads = rendered.resources.filter(
      (resource) => resource.type === "toolboxai:kubernetes:Workload",
    );
    expect(workloads.map((workload) => workload.name).sort()).toEqual([
      "celery-beat",
      "celery-worker",
      "flower",
    ]);
    for (const workload of workloads) expect(workload.parent).toBe(component);
  });

  test("a worker's pod probes by exec; Flower admits the backend zone's clients and monitoring", () => {
    const container = containerOf(rendered.object("Deployment", "celery-worker"), "celery-worker");
    expect(container.livenessProbe.exec.command[2]).toContain("inspect ping");
    expect(admittedZones(rendered.object("NetworkPolicy", "flower"), "http")).toEqual([
      "backend",
      "frontend",
      "monitoring",
      "roblox",
    ]);
    expect(celery.flowerEndpoint).toEqual({ host: "flower.unit.svc.cluster.local", port: 5555 });
  });

  test("Flower's config and the data credentials are files from its Secret", () => {
    expectSecretsAsFiles(rendered, "Deployment", "flower", {
      "flower-config": `basic_auth = ["admin:${flowerPassword}"]\n`,
      "redis-password": secretValues.redisPassword,
    });
    expectSecretsAsFiles(rendered, "Deployment", "celery-worker", {
      "database-password": secretValues.databasePassword,
    });
  });
});

test("without Flower: no flower workload and no endpoint", async () => {
  let celery!: Celery;
  const rendered = await renderAlone((renderer) => {
    celery = new Celery("celery", { ...args, flower: undefined, renderer });
  });
  const names = rendered.objects("Deployment").map((deployment) => deployment.metadata.name);
  expect(names.sort()).toEqual(["celery-beat", "celery-worker"]);
  expect(celery.flowerEndpoint).toBeUndefined();
});
