// Loki 3 as a single binary: tsdb index with schema v13 on the filesystem (what Loki 3 requires
// for structured metadata), an in-memory ring of one, and retention applied by the compactor.

export interface LokiConfigOptions {
  /** Days logs are kept; the compactor deletes older chunks. */
  readonly retentionDays: number;
  /** The data volume's mount path. */
  readonly dataPath: string;
}

export const lokiHttpPort = 3100;
export const lokiGrpcPort = 9096;

export function lokiConfig(options: LokiConfigOptions): Record<string, unknown> {
  const { dataPath } = options;
  return {
    auth_enabled: false,
    server: { http_listen_port: lokiHttpPort, grpc_listen_port: lokiGrpcPort, log_level: "info" },
    common: {
      instance_addr: "127.0.0.1",
      path_prefix: dataPath,
      replication_factor: 1,
      ring: { kvstore: { store: "inmemory" } },
      storage: {
        filesystem: {
          chunks_directory: `${dataPath}/chunks`,
          rules_directory: `${dataPath}/rules`,
        },
      },
    },
    schema_config: {
      configs: [
        {
          from: "2026-01-01",
          store: "tsdb",
          object_store: "filesystem",
          schema: "v13",
          // Retention works on whole index periods: 24h.
          index: { prefix: "index_", period: "24h" },
        },
      ],
    },
    compactor: {
      working_directory: `${dataPath}/compactor`,
      retention_enabled: true,
      delete_request_store: "filesystem",
    },
    limits_config: {
      retention_period: `${options.retentionDays * 24}h`,
      allow_structured_metadata: true,
      volume_enabled: true,
    },
    analytics: { reporting_enabled: false },
  };
}
