// The docker phase of `npm run e2e`, for real: dev's own stack file (Pulumi.dev.yaml), every
// service on the offline image set (scripts/images.sh, docs/IMAGES.md: ToolboxAI's own images are
// the reference service, the platform's contract test), `pulumi up` on a private dockerd in a
// network namespace of its own with iptables on, then checks against the live containers.
// Grafana has no offline route: this stack turns it off (grafanaEnabled), and says so.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import type { Stack } from "@pulumi/pulumi/automation";
import { parseDocument } from "yaml";
import { ageKeyPairFromBytes } from "../../components/backup/age-keys";
import { recoveryStartPeriodSeconds } from "../../components/model/start-up-budget";
import { leftBehind, startDockerEngine, type DockerEngine } from "../../tools/e2e/docker";
import { engine, quiet } from "../../tools/e2e/engine-output";
import { curlIn, waitFor, type Answer } from "../../tools/e2e/http";
import {
  lokiLines,
  routedAlertName,
  sendRoutedAlert,
  traceAcross,
} from "../../tools/e2e/monitoring-probes";
import { imageCatalog, loadImages, localImagesOf, withLocalImages } from "../../tools/e2e/images";
import { scratchProject, type ScratchProject } from "../../tools/e2e/project";
import { extractRunbook, renderRunbook, runbookFile } from "../../tools/e2e/restore";
import {
  healthCommandOf,
  recordContainerEvents,
  watchStartUp,
  writeE2eFigures,
  type ContainerEvent,
  type StartUp,
} from "../../tools/e2e/start-up";
import { validatedStackConfig } from "../../tools/engine/stack-config";

const stackName = "devlive";
const prefix = "toolboxai-dev";
/** What Docker does not run (stack-dev-docker.test.ts): they read the cluster or the node. */
const kubernetesOnly = ["alloy", "kubeStateMetrics", "nodeExporter"];
/** The source design's start-up target, per service. */
const startUpTargetSeconds = 30;

let project: ScratchProject;
let dockerd: DockerEngine | undefined;
let stack: Stack | undefined;
let startUp: StartUp | undefined;
/** The engine's creations and first healthy checks during `pulumi up`. */
let events: ContainerEvent[] = [];
/**
 * The recovery key an operator holds: this run's own, generated here. The stack's backups are
 * encrypted to it (and to the restore check's key); its private half stays in the test.
 */
const recoveryKey = ageKeyPairFromBytes(randomBytes(32));
/** What `npm run bench` prints of the last run (tools/e2e/start-up.ts, writeE2eFigures). */
const figures: Record<string, unknown> = {};

beforeAll(() => {
  project = scratchProject("docker-dev");
});
afterAll(async () => {
  if (figures.upSeconds !== undefined) writeE2eFigures("docker-dev", figures);
  try {
    if (stack) await stack.destroy(quiet).catch(() => undefined);
  } finally {
    dockerd?.stop();
    project?.remove();
  }
});

const engineUp = (): DockerEngine => {
  if (!dockerd) throw new Error("not checked: no Docker engine");
  return dockerd;
};
const deployed = (): Stack => {
  if (!stack) throw new Error("not checked: dev was not deployed");
  return stack;
};
const docker = (...args: string[]) => engineUp().docker(...args);

/** A client in the engine's network namespace, where the gateway listens on 127.0.0.1:8080. */
function inNamespace(...command: string[]): { code: number; output: string } {
  const result = spawnSync(
    "bash",
    [
      path.join(project.dir, "scripts", "docker-engine.sh"),
      "exec",
      path.join(project.work, "docker"),
      ...command,
    ],
    { encoding: "utf8", timeout: 60_000 },
  );
  return { code: result.status ?? -1, output: `${result.stdout}${result.stderr}` };
}

test("dev's images: every service but Grafana has a local one, loaded into a private dockerd", () => {
  const config = validatedStackConfig("dev");
  const services = Object.keys(config.services).filter((name) => !kubernetesOnly.includes(name));
  const local = localImagesOf(config, services, imageCatalog());
  // Grafana: no offline route (docs/IMAGES.md); turned off below.
  expect(local.unmapped).toEqual(["grafana"]);
  dockerd = startDockerEngine(path.join(project.work, "docker"));
  loadImages(dockerd.host, [...new Set(Object.values(local.images).map((image) => image.name))]);
  const stackFile = readFileSync(path.join(project.dir, "Pulumi.dev.yaml"), "utf8");
  writeFileSync(
    path.join(project.dir, `Pulumi.${stackName}.yaml`),
    withRecoveryRehearsal(withLocalImages(stackFile, local)),
  );
});

/**
 * `stackFile` with its backups encrypted to this run's recovery key instead of the example one
 * (whose private key nobody has), and the daily restore check on, as a rehearsal would set them.
 */
function withRecoveryRehearsal(stackFile: string): string {
  const document = parseDocument(stackFile);
  document.setIn(
    ["config", "toolboxai:backup", "recipients"],
    document.createNode([recoveryKey.recipient]),
  );
  document.setIn(["config", "toolboxai:backup", "verify"], true);
  return document.toString();
}

test("pulumi up: every container healthy; each one's start-up time recorded", async () => {
  const created = await project.createStack(stackName);
  await created.setConfig("toolboxai:docker.host", { value: engineUp().host }, true);
  await created.setConfig("toolboxai:grafanaEnabled", { value: "false" });
  const label = `app.kubernetes.io/instance=${prefix}`;
  const watcher = watchStartUp(engineUp().host, label);
  const recorder = recordContainerEvents(engineUp().host, label);
  const started = Date.now();
  try {
    await engine(created.up(quiet));
  } finally {
    startUp = await watcher.stop();
    events = await recorder.stop();
  }
  figures.upSeconds = Math.round((Date.now() - started) / 1000);
  stack = created;
  const running = docker("ps", "--format", "{{.Names}} {{.Status}}").output.split("\n");
  const unhealthy = running.filter((line) => !line.includes("(healthy)"));
  expect(unhealthy).toEqual([]);
  expect(startUp.neverHealthy).toEqual([]);
  const seconds = Object.fromEntries([...startUp.seconds].sort(([, a], [, b]) => b - a));
  console.log(
    `start-up, from creation to the first passing health check (s): ${JSON.stringify(seconds)}`,
  );
  expect(Object.keys(seconds).length).toBe(running.length);
  figures.startUpSeconds = seconds;
  const slow = Object.entries(seconds).filter(([, value]) => value > startUpTargetSeconds);
  expect(slow).toEqual([]);
});

/** An HTTP answer, as curl gave it. */
/** `curl -i` from the engine's namespace. */
const fetchIn = (url: string, ...options: string[]): Answer => curlIn(inNamespace, url, ...options);

/** A container's address on one of its networks, reachable from the engine's namespace. */
function addressOf(container: string): string {
  const address = docker(
    "inspect",
    "-f",
    "{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}",
    `${prefix}-${container}`,
  ).output.split(" ")[0];
  if (!address) throw new Error(`${container} has no address`);
  return address;
}

describe("live", () => {
  test("the gateway on 127.0.0.1:8080: the dashboard, /api to the backend, its headers, 429 past the rate", () => {
    deployed();
    const dashboard = fetchIn("http://127.0.0.1:8080/");
    expect(dashboard.status).toBe(200);
    expect(dashboard.body).toContain("contract test standing in for the dashboard");
    const api = fetchIn("http://127.0.0.1:8080/api/status");
    expect(api.status).toBe(200);
    expect(JSON.parse(api.body)).toMatchObject({
      service: "backend",
      database_reachable: true,
      redis_reachable: true,
    });
    for (const header of [
      "Strict-Transport-Security",
      "X-Content-Type-Options: nosniff",
      "X-Frame-Options: DENY",
      "Content-Security-Policy",
    ]) {
      expect(api.headers).toContain(header);
    }
    // 10 per second with a burst of 20 (components/app/gateway.ts): 40 at once overflow it.
    const burst = inNamespace(
      "sh",
      "-c",
      "for i in $(seq 40); do echo url=http://127.0.0.1:8080/api/status; echo output=/dev/null; done | " +
        "curl -s --no-progress-meter --parallel --parallel-max 40 -w '%{http_code}\\n' -K -",
    );
    const codes = burst.output.split("\n").filter((line) => /^\d{3}$/.test(line));
    expect(codes).toHaveLength(40);
    expect(codes.filter((code) => code === "429").length).toBeGreaterThan(5);
    expect(codes.filter((code) => code === "200").length).toBeGreaterThan(10);
  });

  test("Prometheus scrapes every declared target: each one up", async () => {
    deployed();
    const prometheus = `http://${addressOf("prometheus")}:9090`;
    const targets = await waitFor(120, "every target scraped and up", () => {
      const answer = fetchIn(`${prometheus}/api/v1/targets?state=active`);
      if (answer.status !== 200) return undefined;
      const active: { labels: { job: string }; health: string; lastError: string }[] = JSON.parse(
        answer.body,
      ).data.activeTargets;
      if (active.length === 0 || active.some((target) => target.health !== "up")) return undefined;
      return active;
    }).catch((error) => {
      const answer = fetchIn(`${prometheus}/api/v1/targets?state=active`);
      throw new Error(`${error.message}:\n${answer.body.slice(0, 3000)}`);
    });
    const jobs = new Set(targets.map((target) => target.labels.job));
    for (const job of [
      "backend",
      "mcp-server",
      "agent-coordinator",
      "flower",
      "postgres",
      "redis",
    ]) {
      expect([...jobs].some((name) => name.includes(job))).toBe(true);
    }
  });

  test("alerts: Watchdog reaches Alertmanager; a routed alert reaches the local sink", async () => {
    deployed();
    const posted = await sendRoutedAlert(fetchIn, `http://${addressOf("alertmanager")}:9093`);
    expect(posted.status).toBe(200);
    const line = await waitFor(120, "the alert in the sink's log", () =>
      docker("logs", `${prefix}-alert-sink`)
        .output.split("\n")
        .find((entry) => entry.includes(routedAlertName)),
    );
    expect(JSON.parse(line)).toMatchObject({ receiver: "/chat" });
  });

  test("Loki holds the services' logs (OTLP from the services); Jaeger a trace through the gateway", async () => {
    deployed();
    const chain = fetchIn("http://127.0.0.1:8080/api/chain");
    expect(chain.status).toBe(200);
    const traceId: string = JSON.parse(chain.body).trace_id;
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    const jaeger = `http://${addressOf("jaeger")}:16686`;
    await traceAcross(fetchIn, jaeger, traceId, ["backend", "agent-coordinator"], 60);
    const loki = `http://${addressOf("loki")}:3100`;
    const lines = await lokiLines(fetchIn, loki, '{service_name="backend"}', 60);
    expect(lines.join("\n")).toMatch(/reference service|listening/);
  });
});

/** The running containers' names. */
const runningNames = () => docker("ps", "--format", "{{.Names}}").output.split("\n");

/** `docker inspect` of the running containers, as JSON. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the engine's JSON
const inspectRunning = (): any[] => JSON.parse(docker("inspect", ...runningNames()).output);

/** The rows the reference backend keeps in PostgreSQL (images/reference-service, POST /api/rows). */
function rowCount(): number {
  const answer = fetchIn("http://127.0.0.1:8080/api/rows/count");
  if (answer.status !== 200)
    throw new Error(`GET /api/rows/count: ${answer.status} ${answer.body}`);
  return JSON.parse(answer.body).count;
}

/**
 * Kills a container's main process, as a crash would (`docker kill` counts as a manual stop);
 * returns how often it had been restarted before.
 */
function crash(container: string): number {
  const [pid, restarts] = docker(
    "inspect",
    "-f",
    "{{.State.Pid}} {{.RestartCount}}",
    `${prefix}-${container}`,
  ).output.split(" ");
  expect(Number(pid)).toBeGreaterThan(1);
  process.kill(Number(pid), "SIGKILL");
  return Number(restarts);
}

/**
 * Seconds from a crash until the container's own health check passes again, run by the test
 * every 2 s (Docker runs it every 30 s); then Docker's status is healthy again too.
 */
async function healthyAgain(
  container: string,
  restartsBefore: number,
  seconds: number,
): Promise<number> {
  const started = Date.now();
  const name = `${prefix}-${container}`;
  // The restarted process, not the crashed one.
  await waitFor(30, `${container} restarted`, () => {
    const [restarts, running] = docker(
      "inspect",
      "-f",
      "{{.RestartCount}} {{.State.Running}}",
      name,
    ).output.split(" ");
    return Number(restarts) > restartsBefore && running === "true" ? true : undefined;
  });
  const check = healthCommandOf(
    JSON.parse(docker("inspect", "-f", "{{json .Config.Healthcheck.Test}}", name).output),
  );
  if (!check) throw new Error(`${name} has no health check to run`);
  await waitFor(seconds, `${container} passing its health check`, () =>
    docker("exec", name, ...check).code === 0 ? true : undefined,
  );
  const recovered = Math.round((Date.now() - started) / 1000);
  await waitFor(60, `${container} healthy for Docker`, () =>
    docker("inspect", "-f", "{{.State.Health.Status}}", name).output === "healthy"
      ? true
      : undefined,
  );
  return recovered;
}

describe("the source design's ten Phase 3 checks, against the running containers", () => {
  test("1. security hardening: UID 10001, read-only root, no capabilities, no new privileges", () => {
    deployed();
    for (const container of inspectRunning()) {
      expect({
        name: container.Name,
        user: container.Config.User,
        readOnly: container.HostConfig.ReadonlyRootfs,
        capDrop: container.HostConfig.CapDrop,
        capAdd: container.HostConfig.CapAdd,
        securityOpt: container.HostConfig.SecurityOpt,
        privileged: container.HostConfig.Privileged,
      }).toEqual({
        name: container.Name,
        user: "10001:10001",
        readOnly: true,
        capDrop: ["ALL"],
        capAdd: null,
        securityOpt: ["no-new-privileges:true"],
        privileged: false,
      });
    }
  });

  test("2. image sizes, reported (upstream's shape, built here: docs/IMAGES.md)", () => {
    deployed();
    const images = docker(
      "image",
      "ls",
      "--no-trunc",
      "--format",
      "{{.ID}} {{.Repository}}:{{.Tag}} {{.Size}}",
      "toolboxai.local/*",
    )
      .output.split("\n")
      .map((line) => line.split(" "));
    const sizes = images.map(([, name, size]) => `${name} ${size}`);
    console.log(`image sizes:\n${sizes.join("\n")}`);
    figures.imageSizes = sizes;
    // Every running container's image is one of them, and reported.
    const listed = new Set(images.map(([id]) => id));
    const unlisted = inspectRunning()
      .filter((container) => !listed.has(container.Image))
      .map((container) => container.Name);
    expect(unlisted).toEqual([]);
  });

  test("3. production readiness: health checks, restart policies, limits, rotated logs, labels", () => {
    deployed();
    for (const container of inspectRunning()) {
      const labels = container.Config.Labels;
      expect({
        name: container.Name,
        healthcheck: Array.isArray(container.Config.Healthcheck?.Test),
        restart: container.HostConfig.RestartPolicy.Name,
        memoryLimited: container.HostConfig.Memory > 0,
        cpusLimited: container.HostConfig.NanoCpus > 0,
        logs: container.HostConfig.LogConfig,
        instance: labels["app.kubernetes.io/instance"],
        named: typeof labels["app.kubernetes.io/name"],
        component: typeof labels["app.kubernetes.io/component"],
      }).toEqual({
        name: container.Name,
        healthcheck: true,
        restart: "unless-stopped",
        memoryLimited: true,
        cpusLimited: true,
        logs: { Type: "json-file", Config: { "max-file": "3", "max-size": "10m" } },
        instance: prefix,
        named: "string",
        component: "string",
      });
    }
  });

  test("4. orchestration: each container started after the healthy ones it depends on; names resolve", async () => {
    const state = await deployed().exportStack();
    const containers = (
      state.deployment.resources as {
        urn: string;
        type: string;
        inputs?: { name?: string; wait?: boolean };
        dependencies?: string[];
      }[]
    ).filter((resource) => resource.type === "docker:index/container:Container");
    const byUrn = new Map(containers.map((resource) => [resource.urn, resource]));
    const first = (name: string, action: ContainerEvent["action"]) =>
      events.find((event) => event.name === name && event.action === action)?.timeNano;
    const pairs: string[] = [];
    const outOfOrder: string[] = [];
    for (const container of containers) {
      const created = first(container.inputs!.name!, "create");
      if (created === undefined) continue;
      for (const urn of container.dependencies ?? []) {
        const dependency = byUrn.get(urn);
        // Only what `pulumi up` waits for to be healthy (not the scheduled loops, nor helpers).
        if (!dependency?.inputs?.wait) continue;
        const pair = `${container.inputs!.name} after ${dependency.inputs.name}`;
        pairs.push(pair);
        const healthy = first(dependency.inputs.name!, "healthy");
        if (healthy === undefined || healthy > created) outOfOrder.push(pair);
      }
    }
    expect(outOfOrder).toEqual([]);
    // The design's own order: the data stores before the API, the API before the gateway.
    expect(pairs).toEqual(
      expect.arrayContaining([
        `${prefix}-backend after ${prefix}-postgres`,
        `${prefix}-backend after ${prefix}-redis`,
        `${prefix}-gateway after ${prefix}-backend`,
      ]),
    );
    // Discovery and communication: the backend calls the agent coordinator by name.
    const chain = fetchIn("http://127.0.0.1:8080/api/chain");
    expect(chain.status).toBe(200);
  });

  test("5. resource limits: memory (no swap beyond it), CPU and processes; the stack's memory", () => {
    deployed();
    for (const container of inspectRunning()) {
      const { Memory, MemorySwap, NanoCpus, Ulimits } = container.HostConfig;
      expect({
        name: container.Name,
        memory: Memory > 0,
        noSwap: MemorySwap === Memory,
        cpus: NanoCpus > 0,
        processes: Ulimits,
      }).toEqual({
        name: container.Name,
        memory: true,
        noSwap: true,
        cpus: true,
        processes: [{ Name: "nproc", Soft: 512, Hard: 512 }],
      });
    }
    // The whole stack's memory, as the engine counts it.
    const names = runningNames();
    const mebibytes = docker("stats", "--no-stream", "--format", "{{.MemUsage}}", ...names)
      .output.split("\n")
      .map((usage) => {
        const [, amount, unit] = /^([\d.]+)([KMG]i?B)/.exec(usage) ?? [];
        return Number(amount) * ({ KiB: 1 / 1024, MiB: 1, GiB: 1024 }[unit] ?? 0);
      });
    const total = mebibytes.reduce((sum, value) => sum + value, 0);
    console.log(`memory of the dev stack: ${total.toFixed(0)} MiB in ${names.length} containers`);
    figures.memoryMiB = Math.round(total);
    expect(total).toBeGreaterThan(0);
  });

  test("6. network isolation: each service is reachable from exactly the networks it joined", () => {
    deployed();
    // What the renderer made of the zone table (stack-dev-docker.test.ts checks it against the
    // table): the networks each service has its name on.
    const services = docker("ps", "--format", "{{.Names}}")
      .output.split("\n")
      .map((name) => name.slice(prefix.length + 1));
    const ports: Record<string, number> = {
      postgres: 5432,
      redis: 6379,
      "mcp-server": 9877,
      backend: 8009,
      "agent-coordinator": 8888,
      dashboard: 8080,
      gateway: 8080,
      flower: 5555,
      prometheus: 9090,
      alertmanager: 9093,
      loki: 3100,
      jaeger: 16686,
      "alert-sink": 8080,
      "roblox-sync": 8080,
    };
    const targets = services.filter((name) => ports[name] !== undefined);
    const declared = new Map<string, Set<string>>();
    for (const target of targets) {
      // A replica with sidecars has its networks on its sandbox, whose namespace they share.
      const holder = services.includes(`${target}-sandbox`) ? `${target}-sandbox` : target;
      const networks = JSON.parse(
        docker("inspect", "-f", "{{json .NetworkSettings.Networks}}", `${prefix}-${holder}`).output,
      ) as Record<string, { Aliases: string[] | null }>;
      for (const [network, settings] of Object.entries(networks)) {
        if (!(settings.Aliases ?? []).includes(target)) continue;
        declared.set(network, new Set([...(declared.get(network) ?? []), target]));
      }
    }
    const zoneNetworks = docker(
      "network",
      "ls",
      "--format",
      "{{.Name}}",
      "--filter",
      `label=app.kubernetes.io/instance=${prefix}`,
    )
      .output.split("\n")
      .filter((name) => !/-(internet|published)$/.test(name));
    expect(zoneNetworks.length).toBeGreaterThan(5);
    const expected: string[] = [];
    const observed: string[] = [];
    // Every target at once: an open connection lasts nc's 2 s idle time.
    const probe =
      targets
        .map(
          (target) =>
            `(nc -w 2 ${target} ${ports[target]} </dev/null >/dev/null 2>&1 && echo ${target}) &`,
        )
        .join(" ") + " wait";
    for (const network of zoneNetworks) {
      for (const target of targets) {
        if (declared.get(network)?.has(target)) expected.push(`${network} -> ${target}`);
      }
      // A probe on that network alone (busybox's nc: connected or not).
      const reached = docker(
        "run",
        "--rm",
        "--network",
        network,
        "local/base:1",
        "sh",
        "-c",
        probe,
      );
      for (const target of reached.output.split("\n").filter(Boolean)) {
        observed.push(`${network} -> ${target}`);
      }
    }
    expect(observed.sort()).toEqual(expected.sort());
    // The source design's own statement: the frontend reaches neither data store nor MCP.
    for (const target of ["postgres", "redis", "mcp-server"]) {
      expect(observed).not.toContain(`${prefix}-frontend -> ${target}`);
    }
  });

  test("7. secrets: in no variable, label or inspect output; each workload's files are its own", () => {
    deployed();
    const values = ["database-password", "redis-password", "jwt-secret", "app-secret-key"].map(
      (name) => docker("exec", `${prefix}-backend`, "cat", `/run/secrets/${name}`).output,
    );
    for (const value of values) expect(value.length).toBeGreaterThanOrEqual(16);
    const names = docker("ps", "-a", "--format", "{{.Names}}").output.split("\n");
    const inspected = docker("inspect", ...names).output;
    for (const value of values) expect(inspected).not.toContain(value);
    // Each workload's secrets volume is mounted by that workload's containers alone.
    const secretVolumes = names
      .filter((name) => !/-(files|volume-owner)$/.test(name))
      .flatMap(
        (name) =>
          JSON.parse(docker("inspect", "-f", "{{json .Mounts}}", name).output) as {
            Name?: string;
            Destination: string;
          }[],
      )
      .filter((mount) => mount.Destination === "/run/secrets")
      .map((mount) => mount.Name);
    expect(secretVolumes.length).toBeGreaterThan(5);
    expect(new Set(secretVolumes).size).toBe(secretVolumes.length);
    // Read-only, and not writable by the workload.
    expect(
      docker("exec", `${prefix}-backend`, "sh", "-c", "echo x > /run/secrets/jwt-secret").code,
    ).not.toBe(0);
  });

  test("8. health checks: every 30 s, 3 retries, a start period of 40 s or the store's recovery budget; all healthy", () => {
    deployed();
    const seconds = (nanoseconds: number) => nanoseconds / 1e9;
    for (const container of inspectRunning()) {
      const name = container.Name.replace(`/${prefix}-`, "");
      const budget =
        recoveryStartPeriodSeconds[
          name.replace(/-exporter$/, "") as keyof typeof recoveryStartPeriodSeconds
        ];
      const check = container.Config.Healthcheck;
      expect({
        name,
        interval: seconds(check.Interval),
        retries: check.Retries,
        startPeriod: seconds(check.StartPeriod),
        status: container.State.Health.Status,
      }).toEqual({
        name,
        interval: 30,
        retries: 3,
        startPeriod: budget ?? 40,
        status: "healthy",
      });
    }
  });

  test("9. backup and recovery: the loops wrote encrypted sets (age) with their checksums", () => {
    deployed();
    const listing = docker("exec", `${prefix}-postgres-backup`, "ls", "/backups").output.split(
      "\n",
    );
    const postgres = listing.find((file) => /^postgres-.*\.dump\.age$/.test(file));
    const redis = listing.find((file) => /^redis-.*\.rdb\.age$/.test(file));
    expect({ postgres: !!postgres, redis: !!redis }).toEqual({ postgres: true, redis: true });
    for (const file of [postgres!, redis!]) {
      expect(listing).toContain(`${file}.sha256`);
      const header = docker(
        "exec",
        `${prefix}-postgres-backup`,
        "head",
        "-c",
        "21",
        `/backups/${file}`,
      ).output;
      expect(header).toBe("age-encryption.org/v1");
    }
  });

  test("9. backup and recovery: a round trip loses no row (the restore check's key and the recovery key)", () => {
    deployed();
    for (let row = 0; row < 5; row++) {
      const inserted = fetchIn(
        "http://127.0.0.1:8080/api/rows",
        "-X",
        "POST",
        "-H",
        "Content-Type: application/json",
        "-d",
        `{"note":"round trip ${row}"}`,
      );
      expect(inserted.status).toBe(201);
    }
    const backedUp = rowCount();
    expect(backedUp).toBeGreaterThanOrEqual(5);
    // A backup now, by the loop's own script and settings.
    const backup = docker("exec", `${prefix}-postgres-backup`, "sh", "/opt/backup/pg-backup.sh");
    expect(backup).toMatchObject({ code: 0 });
    // A row after it: the restored count must be the backup's, not the live database's.
    expect(fetchIn("http://127.0.0.1:8080/api/rows", "-X", "POST").status).toBe(201);
    const restoredRows = (output: string) =>
      Number(/public\.toolboxai_reference_rows: (\d+) rows/.exec(output)?.[1] ?? -1);

    // The restore check, as its loop runs it: the newest set into a throwaway server.
    const check = docker(
      "exec",
      `${prefix}-postgres-restore-check`,
      "sh",
      "/opt/backup/pg-verify.sh",
      "--identity",
      "/run/secrets/restore-check-identity",
    );
    expect(check.code).toBe(0);
    expect(restoredRows(check.output)).toBe(backedUp);

    // An operator with the recovery key, by the rehearsal of docs/DISASTER_RECOVERY.md as written:
    // its variables set to this run's key file and local image.
    const image = docker(
      "inspect",
      "-f",
      "{{.Config.Image}}",
      `${prefix}-postgres-restore-check`,
    ).output;
    const keyFile = path.join(project.work, "recovery-key.txt");
    writeFileSync(keyFile, `${recoveryKey.identity}\n`, { mode: 0o600 });
    const block = extractRunbook(
      readFileSync(path.join(project.dir, runbookFile), "utf8"),
      runbookFile,
      "docker-postgres-verify",
    );
    const operator = spawnSync(
      "bash",
      ["-c", renderRunbook(block, { KEY: keyFile, PREFIX: prefix, IMAGE: image })],
      {
        cwd: project.dir,
        encoding: "utf8",
        env: { ...process.env, DOCKER_HOST: engineUp().host },
        timeout: 120_000,
      },
    );
    const output = `${operator.stdout}${operator.stderr}`;
    expect({ code: operator.status, rows: restoredRows(output) }).toEqual({
      code: 0,
      rows: backedUp,
    });
    expect(output).not.toContain(recoveryKey.identity);
  });

  test("10. availability: a killed container comes back by its restart policy while the others keep answering", async () => {
    deployed();
    // A crash, not `docker kill`: Docker counts that as a manual stop and restarts nothing.
    const pid = Number(docker("inspect", "-f", "{{.State.Pid}}", `${prefix}-mcp-server`).output);
    expect(pid).toBeGreaterThan(1);
    process.kill(pid, "SIGKILL");
    expect(fetchIn("http://127.0.0.1:8080/healthz").status).toBe(200);
    expect(fetchIn("http://127.0.0.1:8080/").status).toBe(200);
    await waitFor(120, "mcp-server healthy again", () =>
      docker("inspect", "-f", "{{.State.Health.Status}}", `${prefix}-mcp-server`).output ===
      "healthy"
        ? true
        : undefined,
    );
    expect(
      Number(docker("inspect", "-f", "{{.RestartCount}}", `${prefix}-mcp-server`).output),
    ).toBeGreaterThanOrEqual(1);
  });

  test("10. availability: PostgreSQL and Prometheus crashed on real data recover their data (crash recovery, WAL replay)", async () => {
    deployed();
    const rows = rowCount();
    const prometheus = () => `http://${addressOf("prometheus")}:9090`;
    /** The samples of `up` Prometheus holds for the last hour: what its WAL must give back. */
    const samples = (): number | undefined => {
      const query = encodeURIComponent("sum(count_over_time(up[1h]))");
      const answer = fetchIn(`${prometheus()}/api/v1/query?query=${query}`);
      if (answer.status !== 200) return undefined;
      const value = JSON.parse(answer.body).data.result[0]?.value?.[1];
      return value === undefined ? undefined : Number(value);
    };
    const before = samples();
    // Some minutes of scrapes of some twenty targets.
    expect(before).toBeGreaterThan(20);

    const restarts = { postgres: crash("postgres"), prometheus: crash("prometheus") };
    const [postgres, prometheusSeconds] = await Promise.all([
      healthyAgain("postgres", restarts.postgres, recoveryStartPeriodSeconds.postgres),
      healthyAgain("prometheus", restarts.prometheus, recoveryStartPeriodSeconds.prometheus),
    ]);
    const recovery = { postgres, prometheus: prometheusSeconds };
    console.log(`recovery after a crash, to healthy (s): ${JSON.stringify(recovery)}`);
    figures.recoverySeconds = recovery;
    // Each went through its recovery, not a clean start.
    expect(docker("logs", "--since", "5m", `${prefix}-postgres`).output).toMatch(
      /not properly shut down; automatic recovery in progress/,
    );
    expect(docker("logs", "--since", "5m", `${prefix}-prometheus`).output).toMatch(
      /WAL replay completed/i,
    );
    // Nothing lost: every row, every sample taken before the crash.
    await waitFor(60, "the backend reconnected", () =>
      fetchIn("http://127.0.0.1:8080/api/rows/count").status === 200 ? true : undefined,
    );
    expect(rowCount()).toBe(rows);
    expect(await waitFor(60, "Prometheus answering", samples)).toBeGreaterThanOrEqual(before!);
    // The exporters beside them follow: their targets are up again.
    await waitFor(180, "the postgres and redis exporters scraped and up", () => {
      const query = encodeURIComponent('up{job=~".*postgres.*"}');
      const answer = fetchIn(`${prometheus()}/api/v1/query?query=${query}`);
      if (answer.status !== 200) return undefined;
      const result = JSON.parse(answer.body).data.result as { value: [number, string] }[];
      return result.length > 0 && result.every((sample) => sample.value[1] === "1")
        ? true
        : undefined;
    });
  });
});

describe("after: a second up, then destroy", () => {
  test("a second pulumi up changes nothing", async () => {
    const preview = await engine(deployed().preview({ diff: true, ...quiet }));
    // The lines of what would change, if anything: the failure shows them.
    const changes = preview.stdout.split("\n").filter((line) => /^\s*[-+~]{1,2}\s+\S+:/.test(line));
    expect({ changes, summary: Object.keys(preview.changeSummary) }).toEqual({
      changes: [],
      summary: ["same"],
    });
  });

  test("pulumi destroy leaves no container, network or volume of dev (protectData is off)", async () => {
    await engine(deployed().destroy(quiet));
    expect(leftBehind(engineUp(), prefix)).toEqual([]);
    stack = undefined;
  });
});
