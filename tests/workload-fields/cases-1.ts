// Field cases, the first third of the model in its order: the workload, its schedule, its
// containers, their ports, probes and checks.
import {
  kube,
  controller,
  pod,
  kubeContainer,
  dockerContainers,
  dockerContainer,
  endpoint,
} from "./render";
import {
  main,
  service,
  withMain,
  withSidecar,
  job,
  withSchedule,
  withSecret,
  twoConfigFolders,
} from "./specs";
import { FieldCase, dockerFiltersNoPorts } from "./case-model";

export const cases1: Record<string, FieldCase> = {
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
  "JobSchedule.firstRunAfterMinutes": {
    base: job,
    set: withSchedule({ firstRunAfterMinutes: 30 }),
    docker: (r) => [dockerContainer(r).command, dockerContainer(r).healthcheck],
    only: { reason: "Docker's loop runs at start; Kubernetes runs the job on its cron" },
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
};
