// The monitoring tier's workloads as WorkloadSpecs, on the same model and secure defaults as the
// applications: pure functions from settings and generated configuration to specs, which the
// Monitoring component (./monitoring.ts) hands to a renderer.
import { stringify } from "yaml";
import type { ServiceSettings } from "../config";
import type * as pulumi from "@pulumi/pulumi";
import { recoveryProbeTiming } from "../model/start-up-budget";
import { httpProbes, secretPath, type ReadRule, type WorkloadSpec } from "../model/workload";
import { alloyHttpPort } from "./alloy-config";
import { jaegerPorts, type TraceStore } from "./jaeger-config";
import { lokiGrpcPort, lokiHttpPort } from "./loki-config";

export const monitoringPorts = {
  prometheus: 9090,
  alertmanager: 9093,
  grafana: 3000,
  kubeStateMetrics: 8080,
  nodeExporter: 9100,
} as const;

/** Where generated configuration files are mounted. */
export const prometheusPaths = {
  config: "/etc/prometheus/prometheus.yml",
  rules: "/etc/prometheus/rules/alerts.yml",
  data: "/prometheus",
} as const;

const read = (apiGroups: string[], resources: string[]): ReadRule => ({
  apiGroups,
  resources,
  verbs: ["get", "list", "watch"],
});

function storageOf(settings: ServiceSettings, mountPath: string) {
  const storage = settings.storage!;
  return { mountPath, size: storage.size, storageClass: storage.storageClass };
}

export interface PrometheusSpecArgs {
  readonly settings: ServiceSettings;
  readonly config: object;
  readonly rules: object;
  readonly retentionDays: number;
  /**
   * Namespaces whose pods it discovers through the Kubernetes API (the platform's,
   * node-exporter's); absent on Docker, where it finds targets by name and reads no API.
   */
  readonly discoveryNamespaces?: readonly string[];
}

export function prometheusSpec(args: PrometheusSpecArgs): WorkloadSpec {
  return {
    name: "prometheus",
    component: "monitoring",
    kind: "stateful",
    zones: ["monitoring"],
    replicas: 1,
    configFiles: [
      {
        name: "prometheus.yml",
        mountPath: prometheusPaths.config,
        content: stringify(args.config),
      },
      { name: "alerts.yml", mountPath: prometheusPaths.rules, content: stringify(args.rules) },
    ],
    persistentVolume: storageOf(args.settings, prometheusPaths.data),
    probeTiming: recoveryProbeTiming("prometheus"),
    metrics: [{ port: "http" }],
    scrapes: true,
    ...(args.discoveryNamespaces
      ? {
          apiAccess: {
            namespaced: [
              {
                namespaces: args.discoveryNamespaces,
                rules: [read([""], ["pods", "services", "endpoints"])],
              },
            ],
            // Node discovery, and the kubelets' cAdvisor endpoints (`get nodes/metrics`).
            cluster: [
              read([""], ["nodes"]),
              { apiGroups: [""], resources: ["nodes/metrics"], verbs: ["get"] },
            ],
          },
        }
      : {}),
    containers: [
      {
        name: "prometheus",
        image: args.settings.image,
        args: [
          `--config.file=${prometheusPaths.config}`,
          `--storage.tsdb.path=${prometheusPaths.data}`,
          `--storage.tsdb.retention.time=${args.retentionDays}d`,
          "--web.listen-address=:9090",
        ],
        ports: [{ name: "http", port: monitoringPorts.prometheus }],
        probes: {
          readiness: { http: { path: "/-/ready", port: "http" } },
          liveness: { http: { path: "/-/healthy", port: "http" } },
        },
        resources: args.settings.resources,
        writablePaths: ["/tmp"],
      },
    ],
  };
}

export interface AlertmanagerSpecArgs {
  readonly settings: ServiceSettings;
  readonly config: object;
  /** Receiver credentials, mounted as /run/secrets/<name> files the config names. */
  readonly receiverSecrets: readonly { name: string; value: pulumi.Output<string> }[];
}

export function alertmanagerSpec(args: AlertmanagerSpecArgs): WorkloadSpec {
  return {
    name: "alertmanager",
    component: "monitoring",
    kind: "stateful",
    zones: ["monitoring"],
    replicas: 1,
    internetEgress: args.settings.internetEgress,
    configFiles: [
      {
        name: "alertmanager.yml",
        mountPath: "/etc/alertmanager/alertmanager.yml",
        content: stringify(args.config),
      },
    ],
    secretFiles: args.receiverSecrets,
    persistentVolume: storageOf(args.settings, "/alertmanager"),
    metrics: [{ port: "http" }],
    containers: [
      {
        name: "alertmanager",
        image: args.settings.image,
        args: [
          "--config.file=/etc/alertmanager/alertmanager.yml",
          "--storage.path=/alertmanager",
          // A single instance: no gossip peers to find.
          "--cluster.listen-address=",
        ],
        ports: [{ name: "http", port: monitoringPorts.alertmanager }],
        probes: {
          readiness: { http: { path: "/-/ready", port: "http" } },
          liveness: { http: { path: "/-/healthy", port: "http" } },
        },
        resources: args.settings.resources,
        writablePaths: ["/tmp"],
      },
    ],
  };
}

export function lokiSpec(settings: ServiceSettings, config: object): WorkloadSpec {
  return {
    name: "loki",
    component: "monitoring",
    kind: "stateful",
    zones: ["monitoring"],
    replicas: 1,
    configFiles: [
      { name: "loki.yaml", mountPath: "/etc/loki/loki.yaml", content: stringify(config) },
    ],
    persistentVolume: storageOf(settings, "/loki"),
    probeTiming: recoveryProbeTiming("loki"),
    metrics: [{ port: "http" }],
    containers: [
      {
        name: "loki",
        image: settings.image,
        args: ["-config.file=/etc/loki/loki.yaml", "-target=all"],
        ports: [
          { name: "http", port: lokiHttpPort },
          { name: "grpc", port: lokiGrpcPort },
        ],
        // Distroless: HTTP probes only.
        probes: httpProbes("http", "/ready"),
        resources: settings.resources,
        writablePaths: ["/tmp"],
      },
    ],
  };
}

export interface AlloySpecArgs {
  readonly settings: ServiceSettings;
  /** The Alloy configuration (its own language, not YAML). */
  readonly config: string;
  /** Namespaces whose pods' logs it reads. */
  readonly namespaces: readonly string[];
}

export function alloySpec(args: AlloySpecArgs): WorkloadSpec {
  return {
    name: "alloy",
    component: "monitoring",
    zones: ["monitoring"],
    replicas: 1,
    configFiles: [
      { name: "config.alloy", mountPath: "/etc/alloy/config.alloy", content: args.config },
    ],
    metrics: [{ port: "http" }],
    apiAccess: {
      namespaced: [{ namespaces: args.namespaces, rules: [read([""], ["pods", "pods/log"])] }],
    },
    containers: [
      {
        name: "alloy",
        image: args.settings.image,
        args: [
          "run",
          "/etc/alloy/config.alloy",
          "--storage.path=/tmp/alloy",
          `--server.http.listen-addr=0.0.0.0:${alloyHttpPort}`,
          "--disable-reporting",
        ],
        ports: [{ name: "http", port: alloyHttpPort }],
        probes: httpProbes("http", "/-/ready"),
        resources: args.settings.resources,
        writablePaths: ["/tmp"],
      },
    ],
  };
}

/** The zones whose members export traces (the Python services and roblox-sync). */
const traceSenders = ["backend", "mcp", "roblox"] as const;

export function jaegerSpec(
  settings: ServiceSettings,
  store: TraceStore,
  config: object,
): WorkloadSpec {
  const persistent = store.kind === "badger";
  return {
    name: "jaeger",
    component: "monitoring",
    ...(persistent
      ? { kind: "stateful", persistentVolume: storageOf(settings, store.dataPath) }
      : {}),
    zones: ["monitoring"],
    replicas: 1,
    // A single instance: the store is in memory or on its one volume.
    updateStrategy: "recreate",
    configFiles: [
      { name: "jaeger.yaml", mountPath: "/etc/jaeger/config.yaml", content: stringify(config) },
    ],
    metrics: [{ port: "metrics" }],
    containers: [
      {
        name: "jaeger",
        image: settings.image,
        args: ["--config=/etc/jaeger/config.yaml"],
        ports: [
          // Traces come from the applications' zones; the rest stays the monitoring tier's.
          { name: "otlp-grpc", port: jaegerPorts.otlpGrpc, openTo: traceSenders },
          { name: "otlp-http", port: jaegerPorts.otlpHttp, openTo: traceSenders },
          { name: "query", port: jaegerPorts.query },
          { name: "health", port: jaegerPorts.health },
          { name: "metrics", port: jaegerPorts.metrics, purpose: "metrics" },
        ],
        probes: httpProbes("health", "/status"),
        resources: settings.resources,
        writablePaths: ["/tmp"],
      },
    ],
  };
}

/** The resources kube-state-metrics reports on, in the namespaces it watches. */
const kubeStateResources = [
  "cronjobs",
  "deployments",
  "horizontalpodautoscalers",
  "jobs",
  "persistentvolumeclaims",
  "pods",
  "statefulsets",
];

export function kubeStateMetricsSpec(
  settings: ServiceSettings,
  namespaces: readonly string[],
): WorkloadSpec {
  return {
    name: "kube-state-metrics",
    component: "monitoring",
    zones: ["monitoring"],
    replicas: 1,
    metrics: [{ port: "http" }],
    apiAccess: {
      namespaced: [
        {
          namespaces,
          rules: [
            read([""], ["pods", "persistentvolumeclaims"]),
            read(["apps"], ["deployments", "statefulsets"]),
            read(["batch"], ["cronjobs", "jobs"]),
            read(["autoscaling"], ["horizontalpodautoscalers"]),
          ],
        },
      ],
    },
    containers: [
      {
        name: "kube-state-metrics",
        image: settings.image,
        // Namespaced: no cluster-wide list of anything, nodes included.
        args: [
          `--namespaces=${namespaces.join(",")}`,
          `--resources=${kubeStateResources.join(",")}`,
          `--port=${monitoringPorts.kubeStateMetrics}`,
          "--telemetry-port=8081",
        ],
        ports: [
          { name: "http", port: monitoringPorts.kubeStateMetrics },
          { name: "telemetry", port: 8081, purpose: "metrics" },
        ],
        probes: {
          readiness: { http: { path: "/readyz", port: "telemetry" } },
          liveness: { http: { path: "/livez", port: "http" } },
        },
        resources: settings.resources,
      },
    ],
  };
}

/**
 * node-exporter: the node's PID and network namespaces and read-only host folders, which the
 * "restricted" profile forbids: it runs in its own namespace, under a declared exemption.
 */
export function nodeExporterSpec(settings: ServiceSettings): WorkloadSpec {
  return {
    name: "node-exporter",
    component: "monitoring",
    kind: "daemon",
    zones: ["monitoring"],
    replicas: settings.replicas,
    metrics: [{ port: "metrics" }],
    host: {
      pid: true,
      network: true,
      readOnlyPaths: [
        { name: "proc", hostPath: "/proc", mountPath: "/host/proc" },
        { name: "sys", hostPath: "/sys", mountPath: "/host/sys" },
        { name: "root", hostPath: "/", mountPath: "/host/root" },
      ],
    },
    containers: [
      {
        name: "node-exporter",
        image: settings.image,
        args: [
          "--path.procfs=/host/proc",
          "--path.sysfs=/host/sys",
          "--path.rootfs=/host/root",
          // The host's udev database, for the disks' labels: the default is the container's own.
          "--path.udev.data=/host/root/run/udev/data",
          `--web.listen-address=:${monitoringPorts.nodeExporter}`,
          "--collector.filesystem.mount-points-exclude=^/(dev|proc|sys|run|var/lib/kubelet)($|/)",
        ],
        ports: [{ name: "metrics", port: monitoringPorts.nodeExporter, purpose: "metrics" }],
        probes: httpProbes("metrics", "/"),
        resources: settings.resources,
      },
    ],
  };
}

export interface GrafanaSpecArgs {
  readonly settings: ServiceSettings;
  /** The public URL of the platform; Grafana is served under its /grafana/ path. */
  readonly publicUrl: string;
  readonly datasources: object;
  readonly dashboardProvider: object;
  /** Dashboard JSON files by file name (`<uid>.json`). */
  readonly dashboards: Readonly<Record<string, string>>;
  readonly adminPassword: pulumi.Output<string>;
  /** The read-only PostgreSQL role's password, for the PostgreSQL datasource. */
  readonly postgresReaderPassword: pulumi.Output<string>;
}

export const grafanaPaths = {
  provisioning: "/etc/grafana/provisioning",
  dashboards: "/var/lib/grafana-dashboards",
} as const;
export const grafanaReaderPasswordFile = "grafana-postgres-password";

export function grafanaSpec(args: GrafanaSpecArgs): WorkloadSpec {
  return {
    name: "grafana",
    component: "monitoring-ui",
    zones: ["observability"],
    replicas: 1,
    secretFiles: [
      { name: "admin-password", value: args.adminPassword },
      { name: grafanaReaderPasswordFile, value: args.postgresReaderPassword },
    ],
    configFiles: [
      {
        name: "datasources.yaml",
        mountPath: `${grafanaPaths.provisioning}/datasources/datasources.yaml`,
        content: stringify(args.datasources),
      },
      {
        name: "dashboards.yaml",
        mountPath: `${grafanaPaths.provisioning}/dashboards/dashboards.yaml`,
        content: stringify(args.dashboardProvider),
      },
      ...Object.entries(args.dashboards).map(([file, content]) => ({
        name: file,
        mountPath: `${grafanaPaths.dashboards}/${file}`,
        content,
      })),
    ],
    metrics: [{ port: "http" }],
    containers: [
      {
        name: "grafana",
        image: args.settings.image,
        ports: [{ name: "http", port: monitoringPorts.grafana }],
        env: {
          GF_SERVER_ROOT_URL: `${args.publicUrl}/grafana/`,
          GF_SERVER_SERVE_FROM_SUB_PATH: "true",
          GF_PATHS_PROVISIONING: grafanaPaths.provisioning,
          GF_PATHS_DATA: "/var/lib/grafana",
          GF_SECURITY_ADMIN_USER: "admin",
          // Grafana's entrypoint reads any GF_<SECTION>_<KEY>__FILE into that setting.
          GF_SECURITY_ADMIN_PASSWORD__FILE: secretPath("admin-password"),
          GF_SECURITY_COOKIE_SECURE: String(args.publicUrl.startsWith("https://")),
          GF_AUTH_ANONYMOUS_ENABLED: "false",
          GF_USERS_ALLOW_SIGN_UP: "false",
          GF_ANALYTICS_REPORTING_ENABLED: "false",
          GF_ANALYTICS_CHECK_FOR_UPDATES: "false",
          GF_PLUGINS_PREINSTALL_DISABLED: "true",
          // The image's default also logs to a file under /var/log/grafana, on the read-only
          // root: the runtime's log collection reads the console.
          GF_LOG_MODE: "console",
        },
        probes: httpProbes("http", "/api/health"),
        resources: args.settings.resources,
        writablePaths: ["/var/lib/grafana", "/tmp"],
      },
    ],
  };
}
