// Field cases, the second third of the model in its order: checks, files, replicas, volumes,
// claims, metrics.
import * as pulumi from "@pulumi/pulumi";
import {
  objects,
  kube,
  controller,
  pod,
  kubeContainer,
  dockerContainers,
  dockerContainer,
  uploads,
} from "./render";
import {
  resources,
  main,
  service,
  withMain,
  stateful,
  withVolume,
  claim,
  claimed,
  secretFile,
  withSecret,
  configFile,
  withConfig,
  metered,
  scraped,
  scraper,
} from "./specs";
import { FieldCase, scrapeTargets, dockerFiltersNoPorts } from "./case-model";

export const cases2: Record<string, FieldCase> = {
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
  "WorkloadSpec.peerPorts": {
    base: stateful,
    set: { ...stateful, peerPorts: ["http"] },
    kubernetes: (r) => [
      kube(r, "NetworkPolicy").spec.ingress,
      kube(r, "NetworkPolicy").spec.egress,
      kube(r, "Service").spec.publishNotReadyAddresses,
    ],
    only: { reason: "Docker runs one container per workload, which has no peers" },
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
  "MetricsEndpoint.job": {
    base: metered,
    set: { ...service, metrics: [{ port: "http", path: "/metrics", job: "subject-app" }] },
    view: scrapeTargets,
  },
};
