// The monitoring tier of one environment: Prometheus (scrape jobs from the endpoints every
// workload declared, the alert rules), Alertmanager, Grafana (datasources, the five dashboards),
// Loki with Alloy, Jaeger, kube-state-metrics, and node-exporter in its own namespace. All of it
// from the WorkloadSpecs of ./workloads.ts, rendered like any application. On Docker, the parts
// that read the Kubernetes API or the node (Alloy, kube-state-metrics, node-exporter, pod and
// node discovery) have nothing to read and are left out; Prometheus finds targets by name.
import * as pulumi from "@pulumi/pulumi";
import type { ServiceSettings } from "../config";
import type { MonitoringSettings } from "../config/schema";
import type { WorkloadRenderer } from "../model/renderer";
import { scrapeTargetsOf, type ScrapeTarget } from "../model/scrape";
import type { ClusterView } from "../platform/platform";
import type { Endpoint } from "../model/workload";
import { alertSinkName, alertSinkPort, alertSinkSpec } from "./alert-sink";
import { alertmanagerConfig } from "./alertmanager";
import { alertRuleGroups, type AlertSettings, type DatabaseAlertSettings } from "./alerts";
import { alloyConfig, alloyHttpPort } from "./alloy-config";
import { dashboardFiles, dashboards } from "./grafana";
import { grafanaDashboardProvider, grafanaDatasources } from "./grafana-config";
import { jaegerConfig, jaegerPorts, type TraceStore } from "./jaeger-config";
import { lokiConfig, lokiHttpPort } from "./loki-config";
import { jobNames, prometheusConfig } from "./prometheus-config";
import {
  alertmanagerSpec,
  alloySpec,
  grafanaPaths,
  grafanaReaderPasswordFile,
  grafanaSpec,
  jaegerSpec,
  kubeStateMetricsSpec,
  lokiSpec,
  monitoringPorts,
  nodeExporterSpec,
  prometheusPaths,
  prometheusSpec,
} from "./workloads";

export interface MonitoringServices {
  readonly prometheus: ServiceSettings;
  readonly alertmanager: ServiceSettings;
  /** Absent when the stack turns Grafana off (grafanaEnabled). */
  readonly grafana?: ServiceSettings;
  readonly loki: ServiceSettings;
  readonly alloy: ServiceSettings;
  readonly jaeger: ServiceSettings;
  readonly nodeExporter: ServiceSettings;
  readonly kubeStateMetrics: ServiceSettings;
  /** Its nginx image runs the alert sink (`monitoring.alertSink`). */
  readonly gateway: ServiceSettings;
}

export interface MonitoringArgs {
  readonly environment: string;
  readonly instance: string;
  readonly publicUrl: string;
  readonly services: MonitoringServices;
  readonly settings: MonitoringSettings;
  readonly recoveryPointObjectiveMinutes: number;
  /** Renders this tier (on Kubernetes, into its own namespace). */
  readonly renderer: WorkloadRenderer;
  /** The cluster the tier watches; absent on Docker. */
  readonly cluster?: ClusterView;
  /** The metrics endpoints the applications and data stores declared. */
  readonly scrapeTargets: readonly ScrapeTarget[];
  readonly postgres: Endpoint & { readonly database: string; readonly readerUser: string };
  /**
   * How PostgreSQL runs (the stack's `database`): the series its alert rules and the database
   * dashboard read, a cluster's instances, whose standbys the rules expect streaming, and
   * whether the cluster archives its WAL and base backups to the stack's bucket (`archived`).
   */
  readonly database: DatabaseAlertSettings;
  /** How Redis runs (the stack's `redis`): which alert rules watch it. */
  readonly redis: AlertSettings["redis"];
  /** Secret Outputs. */
  readonly grafanaAdminPassword: pulumi.Output<string>;
  readonly postgresReaderPassword: pulumi.Output<string>;
  readonly receivers: {
    readonly pagerRoutingKey?: pulumi.Output<string>;
    readonly chatWebhookUrl?: pulumi.Output<string>;
    /** The bearer token of `monitoring.alertWebhookUrl`. */
    readonly webhookToken?: pulumi.Output<string>;
  };
}

/** Grafana, for the gateway's /grafana/ route (known before the tier is rendered). */
export function grafanaEndpointOf(renderer: WorkloadRenderer): Endpoint {
  return { host: renderer.hostOf("grafana"), port: monitoringPorts.grafana };
}

/** The OTLP/HTTP endpoint the applications export traces to (Jaeger's collector). */
export function otlpEndpointOf(renderer: WorkloadRenderer): string {
  return `http://${renderer.hostOf("jaeger")}:${jaegerPorts.otlpHttp}`;
}

export class Monitoring extends pulumi.ComponentResource {
  /** Grafana, for the gateway's /grafana/ route; none when the stack turns it off. */
  readonly grafana?: Endpoint;

  constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super("toolboxai:monitoring:Monitoring", name, {}, opts);
    const { services, settings, cluster } = args;
    const at = (workload: string, port: number): Endpoint => ({
      host: args.renderer.hostOf(workload),
      port,
    });
    const namespaces = cluster?.namespaces;
    const watched = namespaces ? [namespaces.platform, namespaces.monitoring] : [];
    // The HTTP applications, whose health, errors and latency alert and fill the dashboards.
    const jobs = jobNames(args.scrapeTargets);
    const appJobs = args.scrapeTargets
      .filter((target) => target.families?.includes("http_requests_total"))
      .map((target) => jobs.get(target)!);

    // Each supplied credential is a secret file the receiver's `*_file` setting names.
    const receiverSecrets = [
      { name: "pager-routing-key", value: args.receivers.pagerRoutingKey },
      { name: "chat-webhook-url", value: args.receivers.chatWebhookUrl },
      { name: "webhook-token", value: args.receivers.webhookToken },
    ].filter((secret): secret is { name: string; value: pulumi.Output<string> } => !!secret.value);
    const fileOf = (name: string) =>
      receiverSecrets.some((secret) => secret.name === name) ? `/run/secrets/${name}` : undefined;
    const alertmanager = alertmanagerSpec({
      settings: services.alertmanager,
      config: alertmanagerConfig({
        pagerRoutingKeyFile: fileOf("pager-routing-key"),
        chatWebhookUrlFile: fileOf("chat-webhook-url"),
        webhook: settings.alertWebhookUrl
          ? { url: settings.alertWebhookUrl, tokenFile: fileOf("webhook-token") }
          : undefined,
        sinkUrl: settings.alertSink
          ? `http://${at(alertSinkName, alertSinkPort).host}:${alertSinkPort}`
          : undefined,
      }),
      receiverSecrets,
    });
    const alertSink = settings.alertSink ? [alertSinkSpec(services.gateway.image)] : [];
    const loki = lokiSpec(
      services.loki,
      lokiConfig({ retentionDays: settings.logRetentionDays, dataPath: "/loki" }),
    );
    // Pod logs through the Kubernetes API. (On Docker, reading the engine's socket would give
    // the shipper root on the host: logs stay with `docker logs` there.)
    const alloy = alloySpec({
      settings: services.alloy,
      config: alloyConfig({
        namespaces: watched,
        lokiPushUrl: `http://${at("loki", lokiHttpPort).host}:${lokiHttpPort}/loki/api/v1/push`,
        instance: args.instance,
        environment: args.environment,
      }),
      namespaces: watched,
    });
    const store: TraceStore =
      settings.traceStorage === "memory"
        ? { kind: "memory", maxTraces: 50000 }
        : { kind: "badger", dataPath: "/badger", retentionDays: settings.traceRetentionDays };
    const jaeger = jaegerSpec(services.jaeger, store, jaegerConfig(store));
    const kubeStateMetrics = kubeStateMetricsSpec(services.kubeStateMetrics, watched);
    const grafana =
      services.grafana &&
      grafanaSpec({
        settings: services.grafana,
        publicUrl: args.publicUrl,
        datasources: grafanaDatasources({
          prometheus: at("prometheus", monitoringPorts.prometheus),
          loki: at("loki", lokiHttpPort),
          jaeger: at("jaeger", jaegerPorts.query),
          postgres: {
            host: args.postgres.host,
            port: args.postgres.port,
            database: args.postgres.database,
            user: args.postgres.readerUser,
            passwordFile: `/run/secrets/${grafanaReaderPasswordFile}`,
          },
        }),
        dashboardProvider: grafanaDashboardProvider(grafanaPaths.dashboards),
        dashboards: dashboardFiles(
          dashboards({
            environment: args.environment,
            appJobs,
            platform: cluster ? "kubernetes" : "docker",
            databaseEngine: args.database.engine,
          }),
        ),
        adminPassword: args.grafanaAdminPassword,
        postgresReaderPassword: args.postgresReaderPassword,
      });
    const nodeExporter = nodeExporterSpec(services.nodeExporter);

    const tier = [
      ...alertSink,
      alertmanager,
      loki,
      ...(cluster ? [alloy] : []),
      jaeger,
      ...(cluster ? [kubeStateMetrics] : []),
      ...(grafana ? [grafana] : []),
    ];
    const prometheus = prometheusSpec({
      settings: services.prometheus,
      config: prometheusConfig({
        instance: args.instance,
        environment: args.environment,
        targets: [
          ...args.scrapeTargets,
          // Its own tier, but Prometheus itself, Alertmanager and kube-state-metrics, which
          // have fixed jobs.
          ...tier
            .filter((spec) => !["alertmanager", "kube-state-metrics"].includes(spec.name))
            .flatMap((spec) =>
              scrapeTargetsOf(spec, namespaces?.monitoring ?? "", args.renderer.hostOf(spec.name)),
            ),
        ],
        alertmanager: at("alertmanager", monitoringPorts.alertmanager),
        cluster: cluster && {
          kubeStateMetrics: at("kube-state-metrics", monitoringPorts.kubeStateMetrics),
          nodeExporterNamespace: cluster.namespaces.nodeExporter,
          certManagerNamespace: cluster.certManagerNamespace,
        },
        ruleFiles: [prometheusPaths.rules],
      }),
      rules: {
        groups: alertRuleGroups({
          thresholds: settings.alerts,
          recoveryPointObjectiveMinutes: args.recoveryPointObjectiveMinutes,
          appJobs,
          runbookBaseUrl: settings.runbookBaseUrl,
          platform: cluster ? "kubernetes" : "docker",
          database: args.database,
          redis: args.redis,
        }),
      },
      retentionDays: settings.metricsRetentionDays,
      discoveryNamespaces: namespaces && [...watched, namespaces.nodeExporter],
    });

    // Prometheus last: on Docker it joins the network of every workload with metrics rendered
    // before it, this tier's included.
    for (const spec of [...tier, prometheus]) args.renderer.render(spec, this);
    cluster?.nodeRenderer.render(nodeExporter, this);
    this.grafana = grafana && grafanaEndpointOf(args.renderer);
    this.registerOutputs({ grafana: this.grafana, alloyPort: alloyHttpPort });
  }
}
