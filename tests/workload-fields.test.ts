// Every field of the workload model (components/model/workload.ts), read from its TypeScript
// source, against both renderers: rendering a minimal spec with and without the field (or with
// another value) under the mocks must change the rendered resources where the field says, on
// Kubernetes and on Docker. A field only one platform can express names why; the other platform's
// render is then checked to be unchanged (or to refuse the spec), so the reason stays true. A new
// field without a case fails here.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as ts from "typescript";
import { DockerRenderer } from "../components/docker/renderer";
import { KubernetesRenderer } from "../components/kubernetes/renderer";
import type { RenderedWorkload } from "../components/model/renderer";
import { scrapeTargetsOf } from "../components/model/scrape";
import type { ContainerSpec, WorkloadSpec } from "../components/model/workload";
import {
  captureResources,
  projectRoot,
  type RegisteredResource,
} from "../tools/engine/mock-engine";
import { unitContext } from "./components/support";

/* eslint-disable @typescript-eslint/no-explicit-any -- rendered inputs are untyped JSON here */

// ── The fields, from the model's source ─────────────────────────────────────────────────────

/**
 * Every property of `WorkloadSpec` and of the types it reaches that are declared in the same
 * file, as `Type.property` (inline object types as `Type.property.inner`). Imported types
 * (Resources, ImageSpec, Autoscaling, SecurityProfile, Zone) are leaves: the field that holds
 * them is the case.
 */
function modelFields(): string[] {
  const file = path.join(projectRoot, "components", "model", "workload.ts");
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest);
  const declared = new Map<string, ts.InterfaceDeclaration | ts.TypeAliasDeclaration>();
  source.forEachChild((node) => {
    if (ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node)) {
      declared.set(node.name.text, node);
    }
  });
  const fields: string[] = [];
  const visited = new Set<string>();
  const visitMembers = (members: ts.NodeArray<ts.TypeElement>, owner: string) => {
    for (const member of members) {
      if (!ts.isPropertySignature(member) || !member.type) continue;
      const field = `${owner}.${member.name.getText(source)}`;
      fields.push(field);
      visitType(member.type, field);
    }
  };
  const visitType = (type: ts.TypeNode, owner: string): void => {
    if (ts.isTypeLiteralNode(type)) visitMembers(type.members, owner);
    else if (ts.isUnionTypeNode(type) || ts.isIntersectionTypeNode(type)) {
      for (const member of type.types) visitType(member, owner);
    } else if (ts.isArrayTypeNode(type)) visitType(type.elementType, owner);
    else if (ts.isTypeOperatorNode(type) || ts.isParenthesizedTypeNode(type)) {
      visitType(type.type, owner);
    } else if (ts.isRestTypeNode(type)) visitType(type.type, owner);
    else if (ts.isTupleTypeNode(type)) {
      for (const element of type.elements) {
        visitType(ts.isNamedTupleMember(element) ? element.type : element, owner);
      }
    } else if (ts.isTypeReferenceNode(type)) {
      const name = type.typeName.getText(source);
      if (declared.has(name)) visitDeclaration(name);
      for (const argument of type.typeArguments ?? []) visitType(argument, owner);
    }
  };
  const visitDeclaration = (name: string) => {
    if (visited.has(name)) return;
    visited.add(name);
    const declaration = declared.get(name)!;
    if (ts.isInterfaceDeclaration(declaration)) visitMembers(declaration.members, name);
    else visitType(declaration.type, name);
  };
  visitDeclaration("WorkloadSpec");
  return fields;
}

// ── Rendering one spec on each platform, alone under the mocks ──────────────────────────────

interface Render {
  readonly resources: readonly RegisteredResource[];
  /** What the renderer returned for the subject (its endpoints). */
  readonly workload: RenderedWorkload;
}

class Root extends pulumi.ComponentResource {
  constructor() {
    super("unit:test:Root", "root");
  }
}

type Platform = "kubernetes" | "docker";

/** Workloads rendered with the subject (what a field relates it to). */
interface Companions {
  readonly before?: readonly WorkloadSpec[];
  readonly after?: readonly WorkloadSpec[];
}
const noCompanions: Companions = {};

/** Renders of one spec object, by platform and companions: the cases share their bases. */
const renders = new Map<Platform, WeakMap<object, Map<Companions, Promise<Render>>>>();

/** Renders `companions.before`, the subject, then `companions.after`, as a program would. */
function render(platform: Platform, spec: WorkloadSpec, companions: Companions = noCompanions) {
  if (!renders.has(platform)) renders.set(platform, new WeakMap());
  const bySpec = renders.get(platform)!;
  if (!bySpec.has(spec)) bySpec.set(spec, new Map());
  const byCompanions = bySpec.get(spec)!;
  if (!byCompanions.has(companions)) {
    byCompanions.set(companions, renderAlone(platform, spec, companions));
  }
  return byCompanions.get(companions)!;
}

async function renderAlone(
  platform: Platform,
  spec: WorkloadSpec,
  companions: Companions,
): Promise<Render> {
  let workload: RenderedWorkload | undefined;
  const resources = await captureResources(() => {
    const root = new Root();
    if (platform === "kubernetes") {
      const renderer = new KubernetesRenderer(unitContext);
      for (const other of companions.before ?? []) renderer.render(other, root);
      workload = renderer.render(spec, root);
      for (const other of companions.after ?? []) renderer.render(other, root);
    } else {
      const renderer = new DockerRenderer({
        prefix: "unit",
        labels: {},
        publicPort: 8080,
        checksumKey: "unit-checksum-key",
        protectData: false,
        parent: root,
      });
      // Its helper is created last, even when a spec is refused: the renderer waits for it.
      try {
        for (const other of companions.before ?? []) renderer.render(other, root);
        workload = renderer.render(spec, root);
        for (const other of companions.after ?? []) renderer.render(other, root);
      } finally {
        renderer.createFileHelper();
      }
    }
  });
  return { resources, workload: workload! };
}

/** Every rendered input of a platform's resources, by URN: what "unchanged" compares. */
function everything({ resources }: Render): string {
  return JSON.stringify(
    [...resources]
      .filter((resource) => resource.custom)
      .map((resource) => [resource.urn, resource.inputs])
      .sort(([a], [b]) => String(a).localeCompare(String(b))),
  );
}

// Kubernetes places.
const objects = (render: Render, kind: string): any[] =>
  render.resources
    .filter((resource) => resource.type.startsWith("kubernetes:"))
    .map((resource) => resource.inputs as any)
    .filter((manifest) => manifest.kind === kind);
const kube = (render: Render, kind: string): any => objects(render, kind)[0];
const controllerKinds = ["Deployment", "StatefulSet", "DaemonSet", "CronJob"];
const controller = (render: Render): any =>
  controllerKinds.map((kind) => kube(render, kind)).find(Boolean);
const pod = (render: Render): any => {
  const found = controller(render);
  return (found.spec.jobTemplate?.spec ?? found.spec).template.spec;
};
const kubeContainer = (render: Render, index = 0): any => pod(render).containers[index];

// Docker places.
const dockerContainers = (render: Render): any[] =>
  render.resources
    .filter((resource) => resource.type === "docker:index/container:Container")
    .map((resource) => resource.inputs as any);
const dockerContainer = (render: Render, name = "unit-subject"): any =>
  dockerContainers(render).find((container) => container.name === name);
const uploads = (render: Render): any => dockerContainer(render, "unit-files")?.uploads;
/** An endpoint of the rendered subject, or the error that there is none. */
const endpoint = (render: Render, port: string): unknown => {
  try {
    return render.workload.endpoint(port);
  } catch (error) {
    return String(error);
  }
};

// ── The specs the cases start from ───────────────────────────────────────────────────────────

const resources = {
  requests: { cpu: "100m", memory: "64Mi" },
  limits: { cpu: "200m", memory: "128Mi" },
};
const main: ContainerSpec = {
  name: "main",
  image: { repository: "example/api", tag: "1.0.0" },
  ports: [
    { name: "http", port: 8000 },
    { name: "admin", port: 8001 },
  ],
  probes: {
    readiness: { http: { path: "/ready", port: "http" } },
    liveness: { tcp: { port: "http" } },
  },
  resources,
};
const sidecar: ContainerSpec = {
  name: "side",
  image: { repository: "example/exporter", tag: "1.0.0" },
  ports: [{ name: "metrics", port: 9100, purpose: "metrics" }],
  probes: {
    readiness: { http: { path: "/metrics", port: "metrics" } },
    liveness: { tcp: { port: "metrics" } },
  },
  resources,
};
/** The minimal service: one container, two ports, probes; in a zone that reaches one other
 * (two Docker networks: each resource rendered costs milliseconds). */
const service: WorkloadSpec = {
  name: "subject",
  component: "api",
  zones: ["roblox"],
  replicas: 1,
  containers: [main],
};
const withMain = (spec: WorkloadSpec, change: Partial<ContainerSpec>): WorkloadSpec => ({
  ...spec,
  containers: [{ ...spec.containers[0], ...change }, ...spec.containers.slice(1)],
});
const withSidecar = (spec: WorkloadSpec, change: Partial<ContainerSpec> = {}): WorkloadSpec => ({
  ...spec,
  containers: [spec.containers[0], { ...sidecar, ...change }],
});
const job: WorkloadSpec = {
  name: "subject",
  component: "backup",
  kind: "scheduled",
  zones: ["backup"],
  replicas: 1,
  schedule: {
    cron: "0 * * * *",
    intervalMinutes: 60,
    startingDeadlineSeconds: 600,
    activeDeadlineSeconds: 3600,
  },
  containers: [{ name: "main", image: main.image, command: ["run-backup"], resources }],
};
const withSchedule = (change: Partial<NonNullable<WorkloadSpec["schedule"]>>): WorkloadSpec => ({
  ...job,
  schedule: { ...job.schedule!, ...change },
});
const dataVolume = { mountPath: "/data", size: "1Gi", storageClass: "" };
const stateful: WorkloadSpec = { ...service, kind: "stateful", persistentVolume: dataVolume };
const withVolume = (change: Partial<typeof dataVolume>): WorkloadSpec => ({
  ...stateful,
  persistentVolume: { ...dataVolume, ...change },
});
const claim = { claimName: "shared", mountPath: "/shared" };
const claimed: WorkloadSpec = { ...service, claims: [claim] };
const secretFile = { name: "api-key", value: pulumi.secret("first-value") };
const withSecret: WorkloadSpec = { ...service, secretFiles: [secretFile] };
const configFile = { name: "app.conf", mountPath: "/etc/app/app.conf", content: "a = 1\n" };
const withConfig: WorkloadSpec = { ...service, configFiles: [configFile] };
const twoConfigFolders: WorkloadSpec = {
  ...service,
  configFiles: [
    configFile,
    { name: "extra.conf", mountPath: "/etc/extra/extra.conf", content: "b" },
  ],
};
const metered: WorkloadSpec = { ...service, metrics: [{ port: "http", path: "/metrics" }] };
const exporting: WorkloadSpec = { ...service, egress: [{ zone: "monitoring", ports: ["otlp"] }] };
const entered: WorkloadSpec = {
  ...service,
  publicEntry: { port: "http", host: "app.unit.example" },
};
const daemon: WorkloadSpec = {
  ...service,
  kind: "daemon",
  zones: ["monitoring"],
  host: {
    pid: true,
    readOnlyPaths: [{ name: "proc", hostPath: "/proc", mountPath: "/host/proc" }],
  },
};
const withHostPath = (change: object): WorkloadSpec => ({
  ...daemon,
  host: { ...daemon.host, readOnlyPaths: [{ ...daemon.host!.readOnlyPaths![0], ...change }] },
});
const read = { apiGroups: [""], resources: ["pods"], verbs: ["get" as const] };
const readNodes = { apiGroups: [""], resources: ["nodes"], verbs: ["get" as const] };
const reader: WorkloadSpec = {
  ...service,
  apiAccess: { namespaced: [{ namespaces: ["unit"], rules: [read] }], cluster: [readNodes] },
};
const withRule = (change: object): WorkloadSpec => ({
  ...reader,
  apiAccess: {
    ...reader.apiAccess,
    namespaced: [{ namespaces: ["unit"], rules: [{ ...read, ...change }] }],
  },
});
/** A workload with metrics in the database zone, and one that scrapes: Docker's scraper joins it. */
const scraped: WorkloadSpec = {
  ...service,
  name: "scraped",
  zones: ["database"],
  metrics: [{ port: "http" }],
};
const scraper: WorkloadSpec = { ...service, name: "scraper", zones: ["monitoring"], scrapes: true };

// ── The cases ────────────────────────────────────────────────────────────────────────────────

type Place = (render: Render) => unknown;

interface FieldCase {
  /** The spec without the field, or with another value of it; default: the minimal service. */
  readonly base?: WorkloadSpec;
  /** The spec with the field set or changed. */
  readonly set: WorkloadSpec;
  /** Workloads rendered with the subject (what a field relates it to). */
  readonly companions?: Companions;
  /** Where the Kubernetes render shows the field. */
  readonly kubernetes?: Place;
  /** Where the Docker render shows the field. */
  readonly docker?: Place;
  /**
   * Why the platform without a place cannot express the field. Checked: that platform's render
   * is the same with and without it, or (refused) it refuses the spec.
   */
  readonly only?: { readonly reason: string; readonly refused?: boolean };
  /** Read by no renderer but by a view of the rendered specs (scrape targets): where. */
  readonly view?: (spec: WorkloadSpec) => unknown;
}

const scrapeTargets = (spec: WorkloadSpec) => scrapeTargetsOf(spec, "unit", "subject");
const dockerFiltersNoPorts =
  "Docker filters no ports: a container reaches every port of the networks it joins";
const noDaemon = {
  reason: "a node agent's access to the node; Docker has no nodes and refuses a daemon",
  refused: true,
};
const noApi = { reason: "grants on the Kubernetes API, which Docker has not", refused: true };

const cases: Record<string, FieldCase> = {
  "WorkloadSpec.name": {
    set: { ...service, name: "renamed" },
    kubernetes: (r) => controller(r).metadata.name,
    docker: (r) => dockerContainers(r).map((container) => container.name),
  },
  "WorkloadSpec.component": {
    set: { ...service, component: "worker" },
    kubernetes: (r) => controller(r).metadata.labels,
    docker: (r) => dockerContainer(r).labels,
  },
  "WorkloadSpec.kind": {
    base: job,
    set: { ...service, component: "backup", zones: ["backup"] },
    kubernetes: (r) => controller(r).kind,
    docker: (r) => dockerContainer(r).command,
  },
  "WorkloadSpec.schedule": {
    base: job,
    set: withSchedule({ cron: "*/30 * * * *", intervalMinutes: 30 }),
    kubernetes: (r) => controller(r).spec.schedule,
    docker: (r) => dockerContainer(r).command,
  },
  "JobSchedule.cron": {
    base: job,
    set: withSchedule({ cron: "5 * * * *" }),
    kubernetes: (r) => controller(r).spec.schedule,
    only: { reason: "Docker has no scheduler: the job's loop runs every intervalMinutes" },
  },
  "JobSchedule.intervalMinutes": {
    base: job,
    set: withSchedule({ intervalMinutes: 30 }),
    docker: (r) => dockerContainer(r).command,
    only: { reason: "the cron's period, for Docker's loop; Kubernetes runs the job on its cron" },
  },
  "JobSchedule.startingDeadlineSeconds": {
    base: job,
    set: withSchedule({ startingDeadlineSeconds: 60 }),
    kubernetes: (r) => controller(r).spec.startingDeadlineSeconds,
    only: { reason: "Docker's loop starts each run when the last ended: none starts late" },
  },
  "JobSchedule.activeDeadlineSeconds": {
    base: job,
    set: withSchedule({ activeDeadlineSeconds: 60 }),
    kubernetes: (r) => controller(r).spec.jobTemplate.spec.activeDeadlineSeconds,
    docker: (r) => dockerContainer(r).command,
  },
  "JobSchedule.backoffLimit": {
    base: job,
    set: withSchedule({ backoffLimit: 3 }),
    kubernetes: (r) => controller(r).spec.jobTemplate.spec.backoffLimit,
    docker: (r) => dockerContainer(r).command,
  },
  "WorkloadSpec.containers": {
    set: withSidecar(service),
    kubernetes: (r) => pod(r).containers.length,
    docker: (r) => dockerContainers(r).map((container) => container.name),
  },
  "ContainerSpec.name": {
    base: withSidecar(service),
    set: withSidecar(service, { name: "exporter" }),
    kubernetes: (r) => kubeContainer(r, 1).name,
    docker: (r) => dockerContainers(r).map((container) => container.name),
  },
  "ContainerSpec.image": {
    set: withMain(service, { image: { repository: "example/api", tag: "2.0.0" } }),
    kubernetes: (r) => kubeContainer(r).image,
    docker: (r) => dockerContainer(r).image,
  },
  "ContainerSpec.command": {
    set: withMain(service, { command: ["serve"] }),
    kubernetes: (r) => kubeContainer(r).command,
    docker: (r) => dockerContainer(r).entrypoints,
  },
  "ContainerSpec.args": {
    set: withMain(service, { args: ["--verbose"] }),
    kubernetes: (r) => kubeContainer(r).args,
    docker: (r) => dockerContainer(r).command,
  },
  "ContainerSpec.ports": {
    set: withMain(service, { ports: [main.ports![0]] }),
    kubernetes: (r) => kubeContainer(r).ports,
    docker: (r) => endpoint(r, "admin"),
  },
  "PortSpec.name": {
    set: withMain(service, {
      ports: [{ name: "web", port: 8000 }, main.ports![1]],
      probes: {
        readiness: { http: { path: "/ready", port: "web" } },
        liveness: { tcp: { port: "web" } },
      },
    }),
    kubernetes: (r) => kubeContainer(r).ports,
    only: { reason: "Docker has no named ports: the name only links probes and entries to a port" },
  },
  "PortSpec.port": {
    set: withMain(service, { ports: [{ name: "http", port: 8080 }, main.ports![1]] }),
    kubernetes: (r) => kubeContainer(r).ports,
    docker: (r) => dockerContainer(r).healthcheck,
  },
  "PortSpec.purpose": {
    // In a zone with clients: a service port is open to them, a metrics port is not.
    base: { ...service, zones: ["backend"] },
    set: withMain(
      { ...service, zones: ["backend"] },
      { ports: [main.ports![0], { ...main.ports![1], purpose: "metrics" }] },
    ),
    kubernetes: (r) => kube(r, "NetworkPolicy").spec.ingress,
    only: { reason: dockerFiltersNoPorts },
  },
  "PortSpec.openTo": {
    set: withMain(service, { ports: [main.ports![0], { ...main.ports![1], openTo: ["roblox"] }] }),
    kubernetes: (r) => kube(r, "NetworkPolicy").spec.ingress,
    only: { reason: `${dockerFiltersNoPorts}; a client joins the port's zone by its egress` },
  },
  "ContainerSpec.env": {
    set: withMain(service, { env: { MODE: "test" } }),
    kubernetes: (r) => kubeContainer(r).env,
    docker: (r) => dockerContainer(r).envs,
  },
  "ContainerSpec.secretFiles": {
    base: withSecret,
    set: { ...withSecret, containers: [{ ...main, secretFiles: [] }] },
    kubernetes: (r) => kubeContainer(r).volumeMounts,
    docker: (r) => dockerContainer(r).envs,
  },
  "ContainerSpec.configFiles": {
    base: twoConfigFolders,
    set: { ...twoConfigFolders, containers: [{ ...main, configFiles: ["app.conf"] }] },
    kubernetes: (r) => kubeContainer(r).volumeMounts,
    docker: (r) => dockerContainer(r).mounts,
  },
  "ContainerSpec.probes": {
    base: withSidecar(service),
    set: withSidecar(service, {
      probes: {
        readiness: { tcp: { port: "metrics" } },
        liveness: { exec: { command: ["true"] } },
      },
    }),
    kubernetes: (r) => kubeContainer(r, 1).readinessProbe,
    docker: (r) => dockerContainer(r, "unit-subject-side").healthcheck,
  },
  "Probes.readiness": {
    set: withMain(service, {
      probes: {
        readiness: { http: { path: "/health", port: "http" } },
        liveness: main.probes!.liveness,
      },
    }),
    kubernetes: (r) => kubeContainer(r).readinessProbe,
    docker: (r) => dockerContainer(r).healthcheck,
  },
  "Probes.liveness": {
    set: withMain(service, {
      probes: { readiness: main.probes!.readiness, liveness: { tcp: { port: "admin" } } },
    }),
    kubernetes: (r) => kubeContainer(r).livenessProbe,
    only: {
      reason:
        "Docker has one health check per container, the readiness check, and restarts no " +
        "unhealthy container",
    },
  },
  "Probes.startup": {
    set: withMain(service, { probes: { ...main.probes!, startup: { tcp: { port: "admin" } } } }),
    kubernetes: (r) => kubeContainer(r).startupProbe,
    only: { reason: "Docker has one health check; its start period is the probe timing's" },
  },
  "Check.http": {
    base: withMain(service, { probes: { ...main.probes!, readiness: { tcp: { port: "admin" } } } }),
    set: service,
    kubernetes: (r) => kubeContainer(r).readinessProbe,
    docker: (r) => dockerContainer(r).healthcheck,
  },
  "Check.http.path": {
    set: withMain(service, {
      probes: { ...main.probes!, readiness: { http: { path: "/", port: "http" } } },
    }),
    kubernetes: (r) => kubeContainer(r).readinessProbe,
    docker: (r) => dockerContainer(r).healthcheck,
  },
  "Check.http.port": {
    set: withMain(service, {
      probes: { ...main.probes!, readiness: { http: { path: "/ready", port: "admin" } } },
    }),
    kubernetes: (r) => kubeContainer(r).readinessProbe,
    docker: (r) => dockerContainer(r).healthcheck,
  },
  "Check.tcp": {
    set: withMain(service, { probes: { ...main.probes!, readiness: { tcp: { port: "admin" } } } }),
    kubernetes: (r) => kubeContainer(r).readinessProbe,
    docker: (r) => dockerContainer(r).healthcheck,
  },
  "Check.tcp.port": {
    base: withMain(service, {
      probes: { readiness: { tcp: { port: "admin" } }, liveness: { tcp: { port: "http" } } },
    }),
    set: withMain(service, {
      probes: { readiness: { tcp: { port: "http" } }, liveness: { tcp: { port: "admin" } } },
    }),
    kubernetes: (r) => kubeContainer(r).readinessProbe,
    docker: (r) => dockerContainer(r).healthcheck,
  },
  "Check.exec": {
    set: withMain(service, {
      probes: { ...main.probes!, readiness: { exec: { command: ["ok"] } } },
    }),
    kubernetes: (r) => kubeContainer(r).readinessProbe,
    docker: (r) => dockerContainer(r).healthcheck,
  },
  "Check.exec.command": {
    base: withMain(service, {
      probes: { ...main.probes!, readiness: { exec: { command: ["ok"] } } },
    }),
    set: withMain(service, {
      probes: { ...main.probes!, readiness: { exec: { command: ["fine"] } } },
    }),
    kubernetes: (r) => kubeContainer(r).readinessProbe,
    docker: (r) => dockerContainer(r).healthcheck,
  },
  "ContainerSpec.resources": {
    set: withMain(service, { resources: { ...resources, limits: { cpu: "1", memory: "1Gi" } } }),
    kubernetes: (r) => kubeContainer(r).resources,
    docker: (r) => [dockerContainer(r).memory, dockerContainer(r).cpus],
  },
  "ContainerSpec.writablePaths": {
    set: withMain(service, { writablePaths: ["/tmp"] }),
    kubernetes: (r) => kubeContainer(r).volumeMounts,
    docker: (r) => dockerContainer(r).tmpfs,
  },
  "ContainerSpec.scratch": {
    set: withMain(service, { scratch: { path: "/var/lib/work", size: "1Gi" } }),
    kubernetes: (r) => kubeContainer(r).volumeMounts,
    docker: (r) => dockerContainer(r).tmpfs,
  },
  "ContainerSpec.scratch.path": {
    base: withMain(service, { scratch: { path: "/var/lib/work", size: "1Gi" } }),
    set: withMain(service, { scratch: { path: "/var/lib/other", size: "1Gi" } }),
    kubernetes: (r) => kubeContainer(r).volumeMounts,
    docker: (r) => dockerContainer(r).tmpfs,
  },
  "ContainerSpec.scratch.size": {
    base: withMain(service, { scratch: { path: "/var/lib/work", size: "1Gi" } }),
    set: withMain(service, { scratch: { path: "/var/lib/work", size: "2Gi" } }),
    kubernetes: (r) => pod(r).volumes,
    docker: (r) => dockerContainer(r).tmpfs,
  },
  "WorkloadSpec.secretFiles": {
    set: withSecret,
    kubernetes: (r) => kube(r, "Secret")?.stringData,
    docker: (r) => uploads(r),
  },
  "SecretFile.name": {
    base: withSecret,
    set: { ...service, secretFiles: [{ ...secretFile, name: "token" }] },
    kubernetes: (r) => kubeContainer(r).env,
    docker: (r) => dockerContainer(r).envs,
  },
  "SecretFile.value": {
    base: withSecret,
    set: { ...service, secretFiles: [{ ...secretFile, value: pulumi.secret("second-value") }] },
    kubernetes: (r) => kube(r, "Secret").stringData,
    docker: (r) => uploads(r),
  },
  "WorkloadSpec.configFiles": {
    set: withConfig,
    kubernetes: (r) => kube(r, "ConfigMap")?.data,
    docker: (r) => uploads(r),
  },
  "ConfigFile.name": {
    base: withConfig,
    set: { ...service, configFiles: [{ ...configFile, name: "main.conf" }] },
    kubernetes: (r) => kube(r, "ConfigMap").data,
    only: { reason: "the file's key in the ConfigMap; Docker writes each file at its mountPath" },
  },
  "ConfigFile.mountPath": {
    base: withConfig,
    set: { ...service, configFiles: [{ ...configFile, mountPath: "/etc/app/main.conf" }] },
    kubernetes: (r) => kubeContainer(r).volumeMounts,
    docker: (r) => uploads(r),
  },
  "ConfigFile.content": {
    base: withConfig,
    set: { ...service, configFiles: [{ ...configFile, content: "a = 2\n" }] },
    kubernetes: (r) => kube(r, "ConfigMap").data,
    docker: (r) => uploads(r),
  },
  "WorkloadSpec.zones": {
    set: { ...service, zones: ["frontend"] },
    kubernetes: (r) => controller(r).spec.template.metadata.labels,
    docker: (r) => dockerContainer(r).networksAdvanced,
  },
  "WorkloadSpec.replicas": {
    set: { ...service, replicas: 2 },
    kubernetes: (r) => controller(r).spec.replicas,
    docker: (r) => dockerContainers(r).length,
  },
  "WorkloadSpec.autoscaling": {
    base: { ...service, replicas: 2 },
    set: {
      ...service,
      replicas: 2,
      autoscaling: { minReplicas: 2, maxReplicas: 4, targetCpuUtilizationPercent: 70 },
    },
    kubernetes: (r) => objects(r, "HorizontalPodAutoscaler").length,
    only: { reason: "Docker has no autoscaler", refused: true },
  },
  "WorkloadSpec.maxUnavailable": {
    base: { ...service, replicas: 3 },
    set: { ...service, replicas: 3, maxUnavailable: 2 },
    kubernetes: (r) => kube(r, "PodDisruptionBudget").spec,
    only: { reason: "Docker has no voluntary disruptions (node drains) to budget" },
  },
  "WorkloadSpec.updateStrategy": {
    set: { ...service, updateStrategy: "recreate" },
    kubernetes: (r) => controller(r).spec.strategy,
    only: {
      reason:
        "Docker has no rolling update: Pulumi replaces a container as a whole, with no " +
        "orchestrator to keep one replica ready while the next one starts",
    },
  },
  "WorkloadSpec.persistentVolume": {
    set: stateful,
    kubernetes: (r) => controller(r).spec.volumeClaimTemplates,
    docker: (r) => dockerContainer(r).mounts,
  },
  "PersistentVolume.mountPath": {
    base: stateful,
    set: withVolume({ mountPath: "/var/lib/data" }),
    kubernetes: (r) => kubeContainer(r).volumeMounts,
    docker: (r) => dockerContainer(r).mounts,
  },
  "PersistentVolume.size": {
    base: stateful,
    set: withVolume({ size: "2Gi" }),
    kubernetes: (r) => controller(r).spec.volumeClaimTemplates,
    only: { reason: "a local Docker volume has no size limit" },
  },
  "PersistentVolume.storageClass": {
    base: stateful,
    set: withVolume({ storageClass: "fast" }),
    kubernetes: (r) => controller(r).spec.volumeClaimTemplates,
    only: { reason: "a local Docker volume has no storage class: it is the engine's disk" },
  },
  "WorkloadSpec.claims": {
    set: claimed,
    kubernetes: (r) => pod(r).volumes,
    docker: (r) => dockerContainer(r).mounts,
  },
  "ClaimMount.claimName": {
    base: claimed,
    set: { ...service, claims: [{ ...claim, claimName: "other" }] },
    kubernetes: (r) => pod(r).volumes,
    docker: (r) => dockerContainer(r).mounts,
  },
  "ClaimMount.mountPath": {
    base: claimed,
    set: { ...service, claims: [{ ...claim, mountPath: "/other" }] },
    kubernetes: (r) => kubeContainer(r).volumeMounts,
    docker: (r) => dockerContainer(r).mounts,
  },
  "ClaimMount.readOnly": {
    base: claimed,
    set: { ...service, claims: [{ ...claim, readOnly: true }] },
    kubernetes: (r) => kubeContainer(r).volumeMounts,
    docker: (r) => dockerContainer(r).mounts,
  },
  "WorkloadSpec.metrics": {
    base: { ...scraped, metrics: undefined },
    set: scraped,
    companions: { after: [scraper] },
    kubernetes: (r) => objects(r, "NetworkPolicy")[0].spec.ingress,
    docker: (r) => dockerContainer(r, "unit-scraper").networksAdvanced,
  },
  "MetricsEndpoint.port": {
    base: metered,
    set: { ...service, metrics: [{ port: "admin", path: "/metrics" }] },
    kubernetes: (r) => kube(r, "NetworkPolicy").spec.ingress,
    only: { reason: dockerFiltersNoPorts },
    view: scrapeTargets,
  },
  "MetricsEndpoint.path": {
    base: metered,
    set: { ...service, metrics: [{ port: "http", path: "/stats" }] },
    view: scrapeTargets,
  },
  "MetricsEndpoint.families": {
    base: metered,
    set: { ...service, metrics: [{ port: "http", path: "/metrics", families: ["up_total"] }] },
    view: scrapeTargets,
  },
  "WorkloadSpec.egress": {
    set: exporting,
    kubernetes: (r) => kube(r, "NetworkPolicy").spec.egress,
    docker: (r) => dockerContainer(r).networksAdvanced,
  },
  "WorkloadSpec.egress.zone": {
    base: exporting,
    set: { ...service, egress: [{ zone: "roblox", ports: ["otlp"] }] },
    kubernetes: (r) => kube(r, "NetworkPolicy").spec.egress,
    docker: (r) => dockerContainer(r).networksAdvanced,
  },
  "WorkloadSpec.egress.ports": {
    base: exporting,
    set: { ...service, egress: [{ zone: "monitoring", ports: ["otlp-grpc"] }] },
    kubernetes: (r) => kube(r, "NetworkPolicy").spec.egress,
    only: { reason: dockerFiltersNoPorts },
  },
  "WorkloadSpec.scrapes": {
    base: { ...scraper, scrapes: undefined },
    set: scraper,
    companions: { before: [scraped] },
    kubernetes: (r) => objects(r, "NetworkPolicy")[1].spec.egress,
    docker: (r) => dockerContainer(r, "unit-scraper").networksAdvanced,
  },
  "WorkloadSpec.internetEgress": {
    set: { ...service, internetEgress: true },
    kubernetes: (r) => kube(r, "NetworkPolicy").spec.egress,
    only: {
      reason:
        "Docker filters no egress by address: a container on a network that is not internal " +
        "reaches the internet (internal networks keep the data tier offline)",
    },
  },
  "WorkloadSpec.publicEntry": {
    set: entered,
    kubernetes: (r) => objects(r, "Ingress").length,
    docker: (r) => dockerContainer(r).ports,
  },
  "PublicEntry.port": {
    base: entered,
    set: { ...service, publicEntry: { port: "admin", host: "app.unit.example" } },
    kubernetes: (r) => kube(r, "Ingress").spec.rules,
    docker: (r) => dockerContainer(r).ports,
  },
  "PublicEntry.host": {
    base: entered,
    set: { ...service, publicEntry: { port: "http", host: "www.unit.example" } },
    kubernetes: (r) => kube(r, "Ingress").spec.rules,
    only: {
      reason:
        "Docker publishes the port on the engine's address: the host name is the DNS's, not " +
        "the container's",
    },
  },
  "WorkloadSpec.priority": {
    set: { ...service, priority: "critical" },
    kubernetes: (r) => pod(r).priorityClassName,
    only: { reason: "Docker has no scheduler: no priority, no preemption" },
  },
  "WorkloadSpec.labels": {
    set: { ...service, labels: { "example.io/role": "unit" } },
    kubernetes: (r) => controller(r).metadata.labels,
    docker: (r) => dockerContainer(r).labels,
  },
  "WorkloadSpec.host": {
    base: { ...daemon, host: undefined },
    set: daemon,
    kubernetes: (r) => pod(r).hostPID,
    only: noDaemon,
  },
  "HostAccess.pid": {
    base: { ...daemon, host: { ...daemon.host, pid: false } },
    set: daemon,
    kubernetes: (r) => pod(r).hostPID,
    only: noDaemon,
  },
  "HostAccess.network": {
    set: { ...daemon, host: { ...daemon.host, network: true } },
    base: daemon,
    kubernetes: (r) => pod(r).hostNetwork,
    only: noDaemon,
  },
  "HostAccess.readOnlyPaths": {
    base: { ...daemon, host: { pid: true } },
    set: daemon,
    kubernetes: (r) => pod(r).volumes,
    only: noDaemon,
  },
  "HostAccess.readOnlyPaths.name": {
    base: daemon,
    set: withHostPath({ name: "process" }),
    kubernetes: (r) => pod(r).volumes,
    only: noDaemon,
  },
  "HostAccess.readOnlyPaths.hostPath": {
    base: daemon,
    set: withHostPath({ hostPath: "/sys" }),
    kubernetes: (r) => pod(r).volumes,
    only: noDaemon,
  },
  "HostAccess.readOnlyPaths.mountPath": {
    base: daemon,
    set: withHostPath({ mountPath: "/host/sys" }),
    kubernetes: (r) => kubeContainer(r).volumeMounts,
    only: noDaemon,
  },
  "WorkloadSpec.apiAccess": {
    set: reader,
    kubernetes: (r) => objects(r, "Role").length,
    only: noApi,
  },
  "ApiAccess.namespaced": {
    base: { ...reader, apiAccess: { cluster: [readNodes] } },
    set: reader,
    kubernetes: (r) => objects(r, "Role").length,
    only: noApi,
  },
  "ApiAccess.namespaced.namespaces": {
    base: reader,
    set: {
      ...reader,
      apiAccess: {
        ...reader.apiAccess,
        namespaced: [{ namespaces: ["unit", "other"], rules: [read] }],
      },
    },
    kubernetes: (r) => objects(r, "Role").map((role) => role.metadata.namespace),
    only: noApi,
  },
  "ApiAccess.namespaced.rules": {
    base: reader,
    set: withRule({ resources: ["services"] }),
    kubernetes: (r) => kube(r, "Role").rules,
    only: noApi,
  },
  "ApiAccess.cluster": {
    base: { ...reader, apiAccess: { namespaced: reader.apiAccess!.namespaced } },
    set: reader,
    kubernetes: (r) => objects(r, "ClusterRole").length,
    only: noApi,
  },
  "ReadRule.apiGroups": {
    base: reader,
    set: withRule({ apiGroups: ["apps"] }),
    kubernetes: (r) => kube(r, "Role").rules,
    only: noApi,
  },
  "ReadRule.resources": {
    base: reader,
    set: withRule({ resources: ["pods/log"] }),
    kubernetes: (r) => kube(r, "Role").rules,
    only: noApi,
  },
  "ReadRule.verbs": {
    base: reader,
    set: withRule({ verbs: ["get", "list"] }),
    kubernetes: (r) => kube(r, "Role").rules,
    only: noApi,
  },
  "WorkloadSpec.security": {
    set: { ...service, security: { readOnlyRootFilesystem: false } },
    kubernetes: (r) => kubeContainer(r).securityContext,
    docker: (r) => dockerContainer(r).readOnly,
  },
  "WorkloadSpec.probeTiming": {
    set: { ...service, probeTiming: { periodSeconds: 10 } },
    kubernetes: (r) => kubeContainer(r).readinessProbe,
    docker: (r) => dockerContainer(r).healthcheck,
  },
  "ProbeTiming.periodSeconds": {
    set: { ...service, probeTiming: { periodSeconds: 10 } },
    kubernetes: (r) => kubeContainer(r).readinessProbe.periodSeconds,
    docker: (r) => dockerContainer(r).healthcheck.interval,
  },
  "ProbeTiming.failureThreshold": {
    set: { ...service, probeTiming: { failureThreshold: 5 } },
    kubernetes: (r) => kubeContainer(r).readinessProbe.failureThreshold,
    docker: (r) => dockerContainer(r).healthcheck.retries,
  },
  "ProbeTiming.startPeriodSeconds": {
    set: { ...service, probeTiming: { startPeriodSeconds: 120 } },
    kubernetes: (r) => kubeContainer(r).startupProbe.failureThreshold,
    docker: (r) => dockerContainer(r).healthcheck.startPeriod,
  },
  "ProbeTiming.timeoutSeconds": {
    set: { ...service, probeTiming: { timeoutSeconds: 2 } },
    kubernetes: (r) => kubeContainer(r).readinessProbe.timeoutSeconds,
    docker: (r) => dockerContainer(r).healthcheck.timeout,
  },
};

// ── The walk ─────────────────────────────────────────────────────────────────────────────────

const fields = modelFields();

test("the walk reads the model's fields from its source", () => {
  expect(fields).toContain("WorkloadSpec.name");
  expect(fields).toContain("ContainerSpec.scratch.size");
  expect(fields).toContain("Check.exec.command");
  expect(fields).toContain("ReadRule.verbs");
});

test("every field of the model has a case, and every case a field", () => {
  expect(fields.filter((field) => !(field in cases))).toEqual([]);
  expect(Object.keys(cases).filter((field) => !fields.includes(field))).toEqual([]);
});

test("a case that one platform cannot render says why, and a view says where it is read", () => {
  for (const [field, { kubernetes, docker, only, view }] of Object.entries(cases)) {
    const platforms = [kubernetes, docker].filter(Boolean).length;
    if (platforms === 2) expect([field, only]).toEqual([field, undefined]);
    if (platforms === 1) {
      expect([field, only?.reason]).toEqual([field, expect.any(String)]);
    }
    if (platforms === 0) expect([field, view]).toEqual([field, expect.any(Function)]);
  }
});

const json = (value: unknown) => JSON.stringify(value) ?? "undefined";

describe.each(["kubernetes", "docker"] as const)("on %s", (platform) => {
  const honoured = Object.entries(cases).filter(([, fieldCase]) => fieldCase[platform]);
  test.each(honoured)("%s changes the render where it says", async (_, fieldCase) => {
    const place = fieldCase[platform]!;
    const base = await render(platform, fieldCase.base ?? service, fieldCase.companions);
    const set = await render(platform, fieldCase.set, fieldCase.companions);
    expect(json(place(set))).not.toBe(json(place(base)));
  });

  const other: Platform = platform === "kubernetes" ? "docker" : "kubernetes";
  const notHere = Object.entries(cases).filter(
    ([, fieldCase]) => !fieldCase[platform] && (fieldCase[other] || fieldCase.view),
  );
  test.each(notHere)("%s: renders nothing different, as its reason says", async (_, fieldCase) => {
    if (fieldCase.only?.refused) {
      await expect(render(platform, fieldCase.set, fieldCase.companions)).rejects.toThrow(
        new RegExp(platform, "i"),
      );
      return;
    }
    const base = await render(platform, fieldCase.base ?? service, fieldCase.companions);
    const set = await render(platform, fieldCase.set, fieldCase.companions);
    expect(everything(set)).toBe(everything(base));
  });
});

test.each(Object.entries(cases).filter(([, fieldCase]) => fieldCase.view))(
  "%s: read from the rendered spec by its view",
  (_, fieldCase) => {
    expect(json(fieldCase.view!(fieldCase.set))).not.toBe(
      json(fieldCase.view!(fieldCase.base ?? service)),
    );
  },
);
