// Jaeger v2 (an OpenTelemetry Collector distribution): receives OTLP over gRPC and HTTP, stores
// traces in memory (dev) or in Badger on a volume (staging, production), serves the query UI and
// API for Grafana, and reports its health for the probes.

export type TraceStore =
  | { readonly kind: "memory"; readonly maxTraces: number }
  | { readonly kind: "badger"; readonly dataPath: string; readonly retentionDays: number };

export const jaegerPorts = {
  otlpGrpc: 4317,
  otlpHttp: 4318,
  query: 16686,
  health: 13133,
  metrics: 8888,
} as const;

export function jaegerConfig(store: TraceStore): Record<string, unknown> {
  const backend =
    store.kind === "memory"
      ? { memory: { max_traces: store.maxTraces } }
      : {
          badger: {
            directories: { keys: `${store.dataPath}/keys`, values: `${store.dataPath}/values` },
            ephemeral: false,
            ttl: { spans: `${store.retentionDays * 24}h` },
          },
        };
  return {
    service: {
      extensions: ["jaeger_storage", "jaeger_query", "healthcheckv2"],
      pipelines: {
        traces: {
          receivers: ["otlp"],
          processors: ["batch"],
          exporters: ["jaeger_storage_exporter"],
        },
      },
      telemetry: {
        resource: { "service.name": "jaeger" },
        metrics: {
          level: "detailed",
          readers: [
            {
              pull: {
                exporter: {
                  prometheus: { host: "0.0.0.0", port: jaegerPorts.metrics },
                },
              },
            },
          ],
        },
        logs: { level: "info" },
      },
    },
    extensions: {
      healthcheckv2: {
        use_v2: true,
        http: { endpoint: `0.0.0.0:${jaegerPorts.health}` },
      },
      jaeger_query: {
        storage: { traces: "traces" },
        base_path: "/",
        ui: {},
      },
      jaeger_storage: { backends: { traces: backend } },
    },
    receivers: {
      otlp: {
        protocols: {
          grpc: { endpoint: `0.0.0.0:${jaegerPorts.otlpGrpc}` },
          http: { endpoint: `0.0.0.0:${jaegerPorts.otlpHttp}` },
        },
      },
    },
    processors: { batch: {} },
    exporters: { jaeger_storage_exporter: { trace_storage: "traces" } },
  };
}
