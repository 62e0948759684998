// The Docker renderer (components/docker) on the real data-tier, application and backup
// components with the dev stack's settings (tests/fixtures/docker-data-tier.ts): networks per
// zone with the design's internal flags, secrets only as files in a volume, start order, and the
// pack's Docker rules on what was rendered. The hardening of every container is checked on the
// whole dev stack (stack-dev-docker.test.ts).
import * as path from "node:path";
import type { Finding } from "../policies/runner";
import { runProgram, type ProgramRun } from "../tools/engine/mock-engine";
import { toRunnerResources } from "../tools/policy-resources";
import { packFindings } from "./support/pack";

/* eslint-disable @typescript-eslint/no-explicit-any -- resource inputs are untyped JSON here */

let run: ProgramRun;
let findings: Finding[];
const containerType = "docker:index/container:Container";

beforeAll(async () => {
  run = await runProgram("dev", { entry: path.join(__dirname, "fixtures", "docker-data-tier") });
  findings = await packFindings(toRunnerResources(run), "dev");
});

const ofType = (type: string) =>
  run.resources.filter((resource) => resource.type === type).map((r) => r.inputs as any);
const container = (name: string) =>
  ofType(containerType).find((candidate) => candidate.name === `toolboxai-dev-${name}`);

test("a network per zone used, each internal; the published port's network is not", () => {
  const networks = Object.fromEntries(
    ofType("docker:index/network:Network").map((network) => [network.name, network.internal]),
  );
  expect(networks).toMatchObject({
    "toolboxai-dev-database": true,
    "toolboxai-dev-cache": true,
    "toolboxai-dev-mcp": true,
    "toolboxai-dev-backend": true,
    "toolboxai-dev-backup": true,
    "toolboxai-dev-published": false,
  });
});

test("each container joins its zones and the zones it reaches, by its service name", () => {
  // A replica with sidecars has them on its sandbox, whose namespace its containers share.
  const networksOf = (name: string) =>
    (container(`${name}-sandbox`) ?? container(name)).networksAdvanced
      .map((network: any) => network.name.replace("toolboxai-dev-", ""))
      .sort();
  expect(networksOf("postgres")).toEqual(["database"]);
  expect(networksOf("redis")).toEqual(["cache"]);
  // The MCP server (backend and mcp) reaches the backend, database, cache and mcp zones, and
  // exports traces to Jaeger in the monitoring zone.
  expect(networksOf("mcp-server")).toEqual(["backend", "cache", "database", "mcp", "monitoring"]);
  expect(networksOf("postgres-backup")).toEqual(["backup", "cache", "database"]);
  // Its one name on each zone's network; none on the networks out (stack-dev-docker.test.ts).
  for (const candidate of ofType(containerType).filter((c) => c.networksAdvanced)) {
    for (const network of candidate.networksAdvanced) {
      const outside = /-(internet|published)$/.test(network.name);
      expect(network.aliases?.length ?? 0).toBe(outside ? 0 : 1);
    }
  }
});

test("secrets are root's read-only files in a volume, with *_FILE variables, never in envs", () => {
  const postgres = container("postgres");
  expect(postgres.envs).toContain("POSTGRES_PASSWORD_FILE=/run/secrets/postgres-password");
  expect(postgres.mounts).toContainEqual({
    type: "volume",
    source: "toolboxai-dev-postgres-run-secrets",
    target: "/run/secrets",
    readOnly: true,
  });
  // Docker refuses uploads into a read-only root filesystem: one helper for the stack, created
  // and never started (no network), receives every workload's files into their volumes.
  const helpers = ofType(containerType).filter((candidate) => candidate.start === false);
  expect(helpers.map((helper) => helper.name)).toEqual(["toolboxai-dev-files"]);
  const helper = helpers[0];
  expect(helper).toMatchObject({ mustRun: false, networkMode: "none" });
  expect(helper.mounts).toContainEqual({
    type: "volume",
    source: "toolboxai-dev-postgres-run-secrets",
    target: "/files/toolboxai-dev-postgres-run-secrets",
  });
  expect(helper.uploads).toContainEqual({
    file: "/files/toolboxai-dev-postgres-run-secrets/postgres-password",
    content: "docker-fixture-postgres-password",
    permissions: "0444",
  });
  // A change of its files replaces (restarts) the workload: their digest labels it.
  expect(postgres.labels.map((label: any) => label.label)).toContain("files.toolboxai.io/digest");
  // The exporter sidecar reads a volume of its own, read-only, holding only the file it names:
  // not the reader's password, and no config folder.
  expect(container("postgres-exporter").mounts).toEqual([
    {
      type: "volume",
      source: "toolboxai-dev-postgres-run-secrets-exporter",
      target: "/run/secrets",
      readOnly: true,
    },
  ]);
  const exporterFiles = helper.uploads
    .map((upload: any) => upload.file)
    .filter((file: string) => file.includes("postgres-run-secrets-exporter/"));
  expect(exporterFiles).toEqual([
    "/files/toolboxai-dev-postgres-run-secrets-exporter/postgres-password",
  ]);
  // Config files: a volume per folder.
  expect(helper.uploads.map((upload: any) => upload.file)).toContain(
    "/files/toolboxai-dev-postgres-docker-entrypoint-initdb-d/20-reader-role.sh",
  );
  for (const candidate of ofType(containerType)) {
    expect(JSON.stringify(candidate.envs ?? [])).not.toMatch(/docker-fixture-/);
    expect(JSON.stringify(candidate.command ?? [])).not.toMatch(/docker-fixture-/);
  }
});

test("data stores keep their data on named volumes; the backups on theirs", () => {
  const volumes = ofType("docker:index/volume:Volume").map((volume) => volume.name);
  expect(volumes).toEqual(
    expect.arrayContaining([
      "toolboxai-dev-postgres-data",
      "toolboxai-dev-redis-data",
      "toolboxai-dev-backups",
    ]),
  );
  expect(container("postgres").mounts).toContainEqual({
    type: "volume",
    source: "toolboxai-dev-postgres-data",
    target: "/var/lib/postgresql/data",
  });
});

test("only the public entry's port is published, on the engine's port, bound to 127.0.0.1", () => {
  const published = ofType(containerType).filter((candidate) => candidate.ports?.length);
  expect(published.map((candidate) => candidate.name)).toEqual(["toolboxai-dev-gateway"]);
  expect(published[0].ports).toEqual([{ internal: 8080, external: 18080, ip: "127.0.0.1" }]);
});

test("a backup job runs in a loop every RPO and is healthy while its last run is recent", () => {
  const backup = container("postgres-backup");
  expect(backup.entrypoints).toEqual([]);
  expect(backup.command.slice(0, 2)).toEqual(["sh", "-c"]);
  expect(backup.command[2]).toContain("sleep 14400");
  expect(backup.command.slice(3)).toEqual(["scheduled", "sh", "/opt/backup/pg-backup.sh"]);
  expect(backup.healthcheck.tests[1]).toContain("-mmin -480");
});

test("a workload starts after the containers of the zones it reaches", () => {
  const byName = new Map(run.resources.map((resource) => [resource.urn, resource.inputs as any]));
  const mcp = run.resources.find(
    (resource) =>
      resource.type === containerType &&
      (resource.inputs as any).name === "toolboxai-dev-mcp-server",
  )!;
  const after = mcp.dependencies.map((urn) => byName.get(urn)?.name).filter(Boolean);
  expect(after).toEqual(expect.arrayContaining(["toolboxai-dev-postgres", "toolboxai-dev-redis"]));
});

test("the pack's Docker rules pass on the rendered containers; the file helper is exempted by name", () => {
  const docker = findings.filter((finding) => finding.policy.startsWith("docker-"));
  expect(docker.map((finding) => `${finding.policy}: ${finding.message}`)).toEqual([]);
  const exempted = findings
    .filter((finding) => finding.policy === "policy-exemptions-in-use")
    .map((finding) => finding.message)
    .filter((message) => message.includes("toolboxai-dev-files"));
  expect(exempted.length).toBe(3);
  // The rules did run on these resources.
  expect(ofType(containerType).length).toBeGreaterThan(0);
});
