// The dev stack as its stack file says: on a local Docker engine (platform: docker). The real
// program with the real Pulumi.dev.yaml under the mocks: every service a container, networks per
// zone with the design's internal flags, hardening, secrets only as files, volumes for the data,
// the gateway the only published port, and every rule of the pack's Docker domain run on these
// rendered resources, passing as rendered and failing when a resource is broken.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { recoveryStartPeriodSeconds } from "../components/model/start-up-budget";
import type { RunnerResource } from "../policies/runner";
import { dockerPolicies } from "../policies/docker";
import { parseDuration } from "../policies/docker/lifecycle";
import { mockPasswordPrefix, type ProgramRun } from "../tools/engine/mock-engine";
import { toRunnerResources } from "../tools/policy-resources";
import { runPreviewCommand } from "../tools/preview";
import { packFindings } from "./support/pack";
import { sharedProgramRun } from "./support/program-runs";
import { tempDir } from "./support/temp";

/* eslint-disable @typescript-eslint/no-explicit-any -- resource inputs are untyped JSON here */

const containerType = "docker:index/container:Container";
const networkType = "docker:index/network:Network";
const prefix = "toolboxai-dev-";
let run: ProgramRun;

beforeAll(async () => {
  run = await sharedProgramRun("dev");
});

const inputsOf = (type: string) =>
  run.resources.filter((resource) => resource.type === type).map((r) => r.inputs as any);
const containers = () => inputsOf(containerType);
/** The services' containers: not the file helper (never started) nor the volume owner (once). */
const running = () =>
  containers().filter((candidate) => candidate.start !== false && candidate.attach !== true);
const container = (name: string) => containers().find((c) => c.name === `${prefix}${name}`);

test("Pulumi.dev.yaml runs on Docker: the docker provider, no Kubernetes resource", () => {
  expect(run.outputs.runsOn).toMatchObject({ platform: "docker" });
  expect(run.resources.filter((resource) => resource.type.startsWith("kubernetes:"))).toEqual([]);
  expect(run.resources.map((resource) => resource.type)).toContain("pulumi:providers:docker");
});

test("every service is a container, but those that read the cluster or the node", () => {
  // As in stack-dev.test.ts (the Kubernetes form), without Alloy (pod logs through the API),
  // kube-state-metrics (the API) and node-exporter (one pod per node).
  expect(
    running()
      .map((candidate) => candidate.name.slice(prefix.length))
      .sort(),
  ).toEqual(
    [
      ...["gateway", "dashboard", "backend", "mcp-server", "agent-coordinator", "roblox-sync"],
      ...["celery-worker", "celery-beat", "flower"],
      ...["postgres", "postgres-exporter", "postgres-sandbox"],
      ...["redis", "redis-exporter", "redis-sandbox"],
      ...["postgres-backup", "redis-backup"],
      // The alert sink: dev's stack file turns it on.
      ...["prometheus", "alertmanager", "alert-sink", "grafana", "loki", "jaeger"],
    ].sort(),
  );
  // The data stores' exporters run beside them, in one network namespace, as in their pods: their
  // sandbox's, which outlives a restart of either (Kubernetes' pause container). By the ID Docker
  // reports back (a name would show as a change on every preview); the mocks give a resource the
  // ID "<its Pulumi name>-id".
  for (const store of ["postgres", "redis"]) {
    expect([
      container(store).networkMode,
      container(`${store}-exporter`).networkMode,
      container(`${store}-sandbox`).networkMode,
    ]).toEqual([`container:${store}-sandbox-id`, `container:${store}-sandbox-id`, undefined]);
    expect(container(store).networksAdvanced).toBeUndefined();
    // It runs nothing but a wait, and checks that it holds the replica's interfaces.
    expect(container(`${store}-sandbox`)).toMatchObject({
      entrypoints: ["sh", "-c"],
      command: ['trap "exit 0" TERM INT; while :; do sleep 3600 & wait $!; done'],
      healthcheck: { tests: ["CMD-SHELL", "tail -n +3 /proc/net/dev | grep -qv '^ *lo:'"] },
      memory: 16,
    });
  }
});

test("a network per zone, each internal; the internet and the published port on their own", () => {
  const networks = Object.fromEntries(
    inputsOf(networkType).map((network) => [
      network.name.slice(prefix.length),
      { internal: network.internal, options: network.options },
    ]),
  );
  const zone = { internal: true, options: undefined };
  expect(networks).toEqual({
    frontend: zone,
    backend: zone,
    database: zone,
    cache: zone,
    mcp: zone,
    roblox: zone,
    monitoring: zone,
    observability: zone,
    backup: zone,
    // Out through NAT, its members unable to reach each other.
    internet: { internal: false, options: { "com.docker.network.bridge.enable_icc": "false" } },
    // In through the published port only: no NAT out, no traffic between members.
    published: {
      internal: false,
      options: {
        "com.docker.network.bridge.enable_icc": "false",
        "com.docker.network.bridge.enable_ip_masquerade": "false",
      },
    },
  });
});

test("each container is on the networks of its zones and of what it reaches, nothing more", () => {
  // A replica with sidecars has them on its sandbox, whose namespace its containers share.
  const networksOf = (name: string) =>
    (container(`${name}-sandbox`) ?? container(name)).networksAdvanced
      .map((network: any) => network.name.slice(prefix.length))
      .sort();
  // The gateway reaches the dashboard (frontend), the backend and Grafana (observability), and
  // users reach it through its published port.
  expect(networksOf("gateway")).toEqual(["backend", "frontend", "observability", "published"]);
  expect(networksOf("postgres")).toEqual(["database"]);
  expect(networksOf("redis")).toEqual(["cache"]);
  // The backend reaches the data tier and MCP, exports traces to Jaeger, and declares internet
  // egress (the AI providers): it alone of these joins the internet's network.
  expect(networksOf("backend")).toEqual([
    "backend",
    "cache",
    "database",
    "internet",
    "mcp",
    "monitoring",
  ]);
  // Grafana queries the monitoring tier and PostgreSQL (its read-only role).
  expect(networksOf("grafana")).toEqual(["database", "monitoring", "observability"]);
  // Prometheus scrapes every workload that declared metrics: it joins each of their zones (the
  // gateway and the dashboard declare none).
  expect(networksOf("prometheus")).toEqual([
    "backend",
    "cache",
    "database",
    "mcp",
    "monitoring",
    "observability",
    "roblox",
  ]);
  // (Its name on each: the test of aliases below.)
});

test("every running container is hardened, limited, health-checked, restarted and logged", () => {
  expect(running().length).toBe(23);
  for (const candidate of running()) {
    const [user, group] = String(candidate.user).split(":").map(Number);
    expect({ name: candidate.name, uid: user >= 1001, gid: group >= 1001 }).toEqual({
      name: candidate.name,
      uid: true,
      gid: true,
    });
    expect(candidate).toMatchObject({
      readOnly: true,
      privileged: false,
      capabilities: { drops: ["ALL"] },
      securityOpts: ["no-new-privileges:true"],
      restart: "unless-stopped",
      healthcheck: { interval: "30s", retries: 3, timeout: "10s" },
      logDriver: "json-file",
      logOpts: { "max-size": "10m", "max-file": "3" },
    });
    expect([candidate.name, candidate.ulimits]).toEqual([
      candidate.name,
      [{ name: "nproc", soft: 512, hard: 512 }],
    ]);
    expect(candidate.memory).toBeGreaterThan(0);
    expect(candidate.memorySwap).toBe(candidate.memory);
    expect(Number(candidate.cpus)).toBeGreaterThan(0);
    // The stores that replay their data at start (and their exporters, in the same workload)
    // have their recovery budget; `pulumi up` waits that long, and three failed checks more.
    const store = Object.entries(recoveryStartPeriodSeconds).find(([name]) =>
      [`${prefix}${name}`, `${prefix}${name}-exporter`].includes(candidate.name),
    );
    const startPeriod = store?.[1] ?? 40;
    expect([candidate.name, parseDuration(candidate.healthcheck.startPeriod)]).toEqual([
      candidate.name,
      startPeriod * 1000,
    ]);
    if (candidate.wait) expect(candidate.waitTimeout).toBe(Math.max(180, startPeriod + 90));
    // As the provider stores it: "1.0", not "1" (a perpetual diff otherwise).
    expect(candidate.cpus).toMatch(/^\d+\.\d+$/);
    expect(candidate.labels).toContainEqual({
      label: "app.kubernetes.io/instance",
      value: "toolboxai-dev",
    });
  }
});

test("secrets are files under /run/secrets with *_FILE variables, never in envs or commands", () => {
  // Every generated password's mock value (tools/engine/mock-engine.ts).
  const generated = new RegExp(mockPasswordPrefix("[a-z-]+?"));
  let fileVariables = 0;
  for (const candidate of containers()) {
    expect(JSON.stringify(candidate.envs ?? [])).not.toMatch(generated);
    expect(JSON.stringify(candidate.command ?? [])).not.toMatch(generated);
    for (const entry of candidate.envs ?? []) {
      const [name, value] = String(entry).split("=");
      if (!name.endsWith("_FILE")) continue;
      fileVariables++;
      expect(value).toMatch(/^\/run\/secrets\/[a-z0-9.-]+$/);
    }
  }
  expect(fileVariables).toBeGreaterThan(10);
  expect(container("backend").envs).toContain(
    "DATABASE_PASSWORD_FILE=/run/secrets/database-password",
  );
  // The values reach the engine only as the file helper's uploads: secret Outputs, 0444 in a
  // volume each workload mounts read-only.
  const helper = containers().find((candidate) => candidate.start === false);
  expect(helper.name).toBe(`${prefix}files`);
  const upload = helper.uploads.find(
    (each: any) => each.file.endsWith("/database-password") && each.file.includes("backend"),
  );
  expect(upload).toMatchObject({ permissions: "0444" });
  expect(upload.content).toMatch(generated);
  const backendFiles = container("backend").mounts.find(
    (mount: any) => mount.target === "/run/secrets",
  );
  expect(backendFiles).toMatchObject({ type: "volume", readOnly: true });
});

test("a named volume for every stateful service's data", () => {
  const volumes = inputsOf("docker:index/volume:Volume").map((volume) => volume.name);
  for (const [workload, target] of [
    ["postgres", "/var/lib/postgresql/data"],
    ["redis", "/data"],
    ["prometheus", "/prometheus"],
    ["alertmanager", "/alertmanager"],
    ["loki", "/loki"],
    ["postgres-backup", "/backups"],
  ]) {
    const data = container(workload).mounts.filter(
      (mount: any) => mount.type === "volume" && mount.readOnly !== true,
    );
    expect({ workload, data }).toEqual({
      workload,
      data: [expect.objectContaining({ target, source: expect.stringMatching(/^toolboxai-dev-/) })],
    });
    expect(volumes).toContain(data[0].source);
  }
});

test("only the gateway is published, on 127.0.0.1:8080; the public URL says so", () => {
  const published = containers().filter((candidate) => candidate.ports?.length);
  expect(published.map((candidate) => candidate.name)).toEqual([`${prefix}gateway`]);
  expect(published[0].ports).toEqual([{ internal: 8080, external: 8080, ip: "127.0.0.1" }]);
  expect(run.outputs.publicUrl).toBe("http://toolboxai.localtest.me:8080");
});

test("the backend starts after the healthy data stores", () => {
  const byUrn = new Map(run.resources.map((resource) => [resource.urn, resource.inputs as any]));
  const backend = run.resources.find(
    (resource) =>
      resource.type === containerType && (resource.inputs as any).name === `${prefix}backend`,
  )!;
  const after = backend.dependencies.map((urn) => byUrn.get(urn)?.name).filter(Boolean);
  expect(after).toEqual(expect.arrayContaining([`${prefix}postgres`, `${prefix}redis`]));
  expect(container("postgres").wait).toBe(true);
});

test("npm run preview -- --stack dev --out DIR lists the Docker resources in resources.json", async () => {
  const out = path.join(tempDir("preview-dev-"), "render");
  const stdout: string[] = [];
  const code = await runPreviewCommand(
    ["--stack", "dev", "--out", out],
    {
      stdout: { write: (text: string) => stdout.push(text) },
      stderr: { write: (text: string) => stdout.push(text) },
      env: {},
      cwd: process.cwd(),
    },
    { runProgram: async () => run },
  );
  expect(code).toBe(0);
  const listed = JSON.parse(readFileSync(path.join(out, "resources.json"), "utf8")) as {
    type: string;
    inputs: any;
  }[];
  const dockerResources = listed.filter((resource) => resource.type.startsWith("docker:"));
  expect(dockerResources.length).toBe(
    run.resources.filter((resource) => resource.type.startsWith("docker:")).length,
  );
  expect(
    dockerResources
      .filter((resource) => resource.type === containerType)
      .map((resource) => resource.inputs.name),
  ).toContain(`${prefix}backend`);
  expect(stdout.join("")).toContain(
    `Wrote resources.json: ${dockerResources.length} Docker resources (no Kubernetes manifests)`,
  );
  // Secret inputs are redacted there too.
  expect(readFileSync(path.join(out, "resources.json"), "utf8")).not.toMatch(/mock-[a-z-]+-/);
});

describe("the pack's Docker rules on the rendered dev stack", () => {
  const check = (resources: RunnerResource[]) => packFindings(resources, "dev");

  test("no mandatory violation as rendered", async () => {
    const findings = await check(toRunnerResources(run));
    expect(
      findings
        .filter((finding) => finding.enforcement === "mandatory")
        .map((finding) => `${finding.policy}: ${finding.message}`),
    ).toEqual([]);
  });

  /** One break per rule, made to a rendered container (or network): the rule must name it. */
  const breaks: Record<string, { type?: string; target: string; change: (props: any) => void }> = {
    "docker-non-root": { target: "backend", change: (p) => (p.user = "0:0") },
    "docker-read-only": { target: "backend", change: (p) => (p.readOnly = false) },
    "docker-no-privileged": { target: "backend", change: (p) => (p.privileged = true) },
    "docker-caps-drop-all": { target: "backend", change: (p) => (p.capabilities = {}) },
    "docker-no-new-privileges": { target: "backend", change: (p) => (p.securityOpts = []) },
    "docker-resource-limits": { target: "backend", change: (p) => delete p.memory },
    "docker-pids-limit": { target: "backend", change: (p) => (p.ulimits = []) },
    "docker-restart-policy": { target: "backend", change: (p) => (p.restart = "no") },
    "docker-healthcheck": { target: "backend", change: (p) => delete p.healthcheck },
    "docker-host-namespaces": { target: "backend", change: (p) => (p.networkMode = "host") },
    "docker-no-runtime-socket": {
      target: "backend",
      change: (p) =>
        p.mounts.push({ type: "bind", source: "/var/run/docker.sock", target: "/docker.sock" }),
    },
    "docker-privileged-ports": {
      target: "gateway",
      change: (p) => (p.ports = [{ internal: 8080, external: 8080, ip: "0.0.0.0" }]),
    },
    "docker-image-pinned": {
      target: "backend",
      change: (p) => (p.image = "ghcr.io/toolboxai/backend:latest"),
    },
    "docker-internal-networks": {
      type: networkType,
      target: "database",
      change: (p) => (p.internal = false),
    },
    "docker-no-secret-env": {
      target: "backend",
      change: (p) => p.envs.push("DATABASE_PASSWORD=correct-horse-battery-staple-42"),
    },
  };

  test("the table breaks every rule of the Docker domain", () => {
    expect(Object.keys(breaks).sort()).toEqual(dockerPolicies.map((policy) => policy.name).sort());
  });

  test.each(Object.entries(breaks))(
    "%s fails when a rendered resource breaks it",
    async (rule, broken) => {
      const named = (resource: RunnerResource) =>
        resource.type === (broken.type ?? containerType) &&
        resource.props.name === `${prefix}${broken.target}`;
      const resources = toRunnerResources(run).map((resource) =>
        named(resource) ? { ...resource, props: structuredClone(resource.props) } : resource,
      );
      const target = resources.filter(named);
      expect(target.length).toBe(1);
      broken.change(target[0].props);
      const findings = await check(resources);
      const urns = findings
        .filter((finding) => finding.policy === rule && finding.enforcement === "mandatory")
        .map((finding) => finding.resource?.urn);
      // At least one finding, all of them on the broken resource.
      expect([...new Set(urns)]).toEqual([target[0].urn]);
    },
  );
});

test("the applications ship their logs to Loki over OTLP: nothing reads the engine's socket", () => {
  const logged = ["backend", "mcp-server", "agent-coordinator", "roblox-sync", "celery-worker"];
  for (const name of logged) {
    const env: string[] = container(name).envs;
    expect({
      name,
      env: env.filter(
        (entry) =>
          entry.startsWith("OTEL_LOGS_EXPORTER=") ||
          entry.startsWith("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT="),
      ),
    }).toEqual({
      name,
      env: [
        "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT=http://loki:3100/otlp/v1/logs",
        "OTEL_LOGS_EXPORTER=otlp",
      ],
    });
    // Loki's network is one of theirs.
    const networks = container(name).networksAdvanced.map((network: any) => network.name);
    expect(networks).toEqual(
      expect.arrayContaining(
        container("loki").networksAdvanced.map((network: any) => network.name),
      ),
    );
  }
  expect(JSON.stringify(containers().map((candidate) => candidate.mounts ?? []))).not.toContain(
    "docker.sock",
  );
});

test("a config folder inside another has its mount point in the outer, read-only volume", () => {
  // Prometheus' rules/ lives in /etc/prometheus: Docker cannot make the mount point in the
  // outer volume once it is mounted read-only, and the container would not start.
  const targets = container("prometheus").mounts.map((mount: any) => mount.target);
  expect(targets).toEqual(expect.arrayContaining(["/etc/prometheus", "/etc/prometheus/rules"]));
  const helper = containers().find((candidate) => candidate.start === false);
  expect(helper.uploads.map((upload: any) => upload.file)).toContain(
    "/files/toolboxai-dev-prometheus-etc-prometheus/rules/.mount-point",
  );
});

test("each data volume is its workload's own before it starts: Docker's stand-in for fsGroup", () => {
  const owner = container("volume-owner");
  // Once, to its end (Pulumi waits), as root with CHOWN alone, offline, on a read-only root.
  expect(owner).toMatchObject({
    attach: true,
    mustRun: false,
    restart: "no",
    user: "0:0",
    capabilities: { drops: ["ALL"], adds: ["CHOWN"] },
    readOnly: true,
    networkMode: "none",
  });
  const owned = Object.fromEntries(
    [...owner.command[0].matchAll(/chown (\S+) \/files\/(\S+) /g)].map(([, id, volume]) => [
      volume,
      id,
    ]),
  );
  // Every volume a service writes (its data, the backups' shared one), to UID:GID 10001, with
  // the file that keeps Docker from copying the image's folder and its owner over it.
  expect(owner.command[0]).toContain("touch /files/toolboxai-dev-postgres-data/.volume-owner");
  const data = running()
    .flatMap((candidate) => candidate.mounts ?? [])
    .filter((mount: any) => mount.type === "volume" && !mount.readOnly)
    .map((mount: any) => mount.source);
  expect(data.length).toBeGreaterThan(5);
  expect(Object.keys(owned).sort()).toEqual([...new Set(data)].sort());
  expect(new Set(Object.values(owned))).toEqual(new Set(["10001:10001"]));
  expect(owner.mounts.map((mount: any) => mount.source).sort()).toEqual(Object.keys(owned).sort());
  // The workloads wait for it.
  const postgres = run.resources.find(
    (resource) =>
      resource.type === containerType && (resource.inputs as any).name === `${prefix}postgres`,
  );
  const ownerUrn = run.resources.find(
    (resource) =>
      resource.type === containerType && (resource.inputs as any).name === `${prefix}volume-owner`,
  )?.urn;
  expect(postgres?.dependencies).toContain(ownerUrn);
});

test("a service's name resolves only on its zones' networks, never on the internet's or the published one", () => {
  // Their members cannot reach each other (no inter-container traffic): the backend reaching the
  // agent coordinator by name over the internet network timed out.
  for (const candidate of running()) {
    for (const network of candidate.networksAdvanced ?? []) {
      const outside = /-(internet|published)$/.test(network.name);
      expect({
        container: candidate.name,
        network: network.name,
        aliases: network.aliases ?? [],
      }).toEqual({
        container: candidate.name,
        network: network.name,
        // A sandbox holds its replica's networks under the workload's name.
        aliases: outside ? [] : [candidate.name.slice(prefix.length).replace(/-sandbox$/, "")],
      });
    }
  }
});
