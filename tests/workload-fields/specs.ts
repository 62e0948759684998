// The specs the field cases start from: a minimal service and its variations.
import * as pulumi from "@pulumi/pulumi";
import type { ContainerSpec, WorkloadSpec } from "../../components/model/workload";

export const resources = {
  requests: { cpu: "100m", memory: "64Mi" },
  limits: { cpu: "200m", memory: "128Mi" },
};
export const main: ContainerSpec = {
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
export const sidecar: ContainerSpec = {
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
export const service: WorkloadSpec = {
  name: "subject",
  component: "api",
  zones: ["roblox"],
  replicas: 1,
  containers: [main],
};
export const withMain = (spec: WorkloadSpec, change: Partial<ContainerSpec>): WorkloadSpec => ({
  ...spec,
  containers: [{ ...spec.containers[0], ...change }, ...spec.containers.slice(1)],
});
export const withSidecar = (
  spec: WorkloadSpec,
  change: Partial<ContainerSpec> = {},
): WorkloadSpec => ({
  ...spec,
  containers: [spec.containers[0], { ...sidecar, ...change }],
});
export const job: WorkloadSpec = {
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
export const withSchedule = (
  change: Partial<NonNullable<WorkloadSpec["schedule"]>>,
): WorkloadSpec => ({
  ...job,
  schedule: { ...job.schedule!, ...change },
});
export const dataVolume = { mountPath: "/data", size: "1Gi", storageClass: "" };
export const stateful: WorkloadSpec = {
  ...service,
  kind: "stateful",
  persistentVolume: dataVolume,
};
export const withVolume = (change: Partial<typeof dataVolume>): WorkloadSpec => ({
  ...stateful,
  persistentVolume: { ...dataVolume, ...change },
});
export const claim = { claimName: "shared", mountPath: "/shared" };
export const claimed: WorkloadSpec = { ...service, claims: [claim] };
export const secretFile = { name: "api-key", value: pulumi.secret("first-value") };
export const withSecret: WorkloadSpec = { ...service, secretFiles: [secretFile] };
export const configFile = { name: "app.conf", mountPath: "/etc/app/app.conf", content: "a = 1\n" };
export const withConfig: WorkloadSpec = { ...service, configFiles: [configFile] };
export const twoConfigFolders: WorkloadSpec = {
  ...service,
  configFiles: [
    configFile,
    { name: "extra.conf", mountPath: "/etc/extra/extra.conf", content: "b" },
  ],
};
export const metered: WorkloadSpec = { ...service, metrics: [{ port: "http", path: "/metrics" }] };
export const exporting: WorkloadSpec = {
  ...service,
  egress: [{ zone: "monitoring", ports: ["otlp"] }],
};
export const entered: WorkloadSpec = {
  ...service,
  publicEntry: { port: "http", host: "app.unit.example" },
};
export const daemon: WorkloadSpec = {
  ...service,
  kind: "daemon",
  zones: ["monitoring"],
  host: {
    pid: true,
    readOnlyPaths: [{ name: "proc", hostPath: "/proc", mountPath: "/host/proc" }],
  },
};
export const withHostPath = (change: object): WorkloadSpec => ({
  ...daemon,
  host: { ...daemon.host, readOnlyPaths: [{ ...daemon.host!.readOnlyPaths![0], ...change }] },
});
export const read = { apiGroups: [""], resources: ["pods"], verbs: ["get" as const] };
export const readNodes = { apiGroups: [""], resources: ["nodes"], verbs: ["get" as const] };
export const reader: WorkloadSpec = {
  ...service,
  apiAccess: { namespaced: [{ namespaces: ["unit"], rules: [read] }], cluster: [readNodes] },
};
export const withRule = (change: object): WorkloadSpec => ({
  ...reader,
  apiAccess: {
    ...reader.apiAccess,
    namespaced: [{ namespaces: ["unit"], rules: [{ ...read, ...change }] }],
  },
});
/**
 * A workload with metrics in the database zone, and one that scrapes: Docker's scraper joins
 * it.
 */
export const scraped: WorkloadSpec = {
  ...service,
  name: "scraped",
  zones: ["database"],
  metrics: [{ port: "http" }],
};
export const scraper: WorkloadSpec = {
  ...service,
  name: "scraper",
  zones: ["monitoring"],
  scrapes: true,
};
/** An operator's resource (kind "operated"): two instances that reach each other on "admin". */
export const operated: WorkloadSpec = {
  ...service,
  kind: "operated",
  replicas: 2,
  persistentVolume: { mountPath: "/data", size: "1Gi", storageClass: "" },
  peerPorts: ["admin"],
  operated: {
    apiVersion: "unit.example/v1",
    kind: "Instances",
    spec: (pods) => ({ instances: 2, labels: pods.labels, priority: pods.priorityClassName }),
    secrets: [
      {
        name: "subject-credentials",
        type: "kubernetes.io/basic-auth",
        data: { username: "unit", password: pulumi.secret("unit-password") },
      },
    ],
    service: "subject-rw",
    operator: { namespace: "unit-operator", ports: ["admin"] },
    surge: 1,
    readyCondition: "Ready",
  },
};
export const withOperated = (change: Partial<NonNullable<WorkloadSpec["operated"]>>) => ({
  ...operated,
  operated: { ...operated.operated!, ...change },
});
