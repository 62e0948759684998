// Field cases, the last third of the model in its order: metrics, the public entry, node and API
// access, probe timing.
import { objects, kube, controller, pod, kubeContainer, dockerContainer } from "./render";
import {
  service,
  metered,
  exporting,
  entered,
  daemon,
  withHostPath,
  read,
  readNodes,
  reader,
  withRule,
  scraped,
  scraper,
} from "./specs";
import { FieldCase, scrapeTargets, dockerFiltersNoPorts, noDaemon, noApi } from "./case-model";

export const cases3: Record<string, FieldCase> = {
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
    kubernetes: (r) =>
      objects(r, "NetworkPolicy").find((policy) => policy.metadata.name === "scraper").spec.egress,
    docker: (r) => dockerContainer(r, "unit-scraper").networksAdvanced,
  },
  "WorkloadSpec.internetEgress": {
    set: { ...service, internetEgress: true },
    kubernetes: (r) => kube(r, "NetworkPolicy").spec.egress,
    docker: (r) => dockerContainer(r).networksAdvanced,
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
