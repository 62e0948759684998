// Loki's, Jaeger's and Alloy's generated configurations: Jaeger's checked by the real `jaeger
// validate`, Alloy's by the real `alloy validate` (the Alloy image's binary, scripts/images.sh);
// Loki's against what its documentation requires (the docker phase of `npm run e2e` runs it).
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { alloyConfig } from "../../components/monitoring/alloy-config";
import { jaegerConfig, jaegerPorts } from "../../components/monitoring/jaeger-config";
import { lokiConfig } from "../../components/monitoring/loki-config";
import { imageBinary } from "../support/image-binaries";
import { itWithTool, runMonitoringTool } from "../support/monitoring-tools";
import { tempDir } from "../support/temp";

/* eslint-disable @typescript-eslint/no-explicit-any -- generated configs are untyped JSON */

describe("Loki 3", () => {
  const config = lokiConfig({ retentionDays: 30, dataPath: "/loki" }) as any;

  test("tsdb index with schema v13 on the filesystem, 24 h index periods", () => {
    expect(config.schema_config.configs).toEqual([
      expect.objectContaining({
        store: "tsdb",
        object_store: "filesystem",
        schema: "v13",
        index: { prefix: "index_", period: "24h" },
      }),
    ]);
  });

  test("retention by the compactor, with the delete request store Loki 3 requires", () => {
    expect(config.compactor).toMatchObject({
      retention_enabled: true,
      delete_request_store: "filesystem",
    });
    expect(config.limits_config.retention_period).toBe("720h");
  });

  test("a single binary: one replica, in-memory ring, everything under the data volume", () => {
    expect(config.common).toMatchObject({
      replication_factor: 1,
      ring: { kvstore: { store: "inmemory" } },
      path_prefix: "/loki",
    });
    const paths = JSON.stringify(config).match(/"\/[^"]*"/g) ?? [];
    expect(paths.every((text) => text.startsWith('"/loki'))).toBe(true);
  });
});

describe("Jaeger v2", () => {
  test("receives OTLP over gRPC and HTTP into the configured store", () => {
    const config = jaegerConfig({ kind: "memory", maxTraces: 50000 }) as any;
    expect(config.receivers.otlp.protocols).toEqual({
      grpc: { endpoint: `0.0.0.0:${jaegerPorts.otlpGrpc}` },
      http: { endpoint: `0.0.0.0:${jaegerPorts.otlpHttp}` },
    });
    expect(config.service.pipelines.traces).toEqual({
      receivers: ["otlp"],
      processors: ["batch"],
      exporters: ["jaeger_storage_exporter"],
    });
    expect(config.extensions.jaeger_storage.backends.traces).toEqual({
      memory: { max_traces: 50000 },
    });
    expect(config.exporters.jaeger_storage_exporter.trace_storage).toBe("traces");
    expect(config.extensions.jaeger_query.storage.traces).toBe("traces");
  });

  test("staging and production keep traces in Badger on the volume, for the retention", () => {
    const config = jaegerConfig({ kind: "badger", dataPath: "/badger", retentionDays: 7 }) as any;
    expect(config.extensions.jaeger_storage.backends.traces).toEqual({
      badger: {
        directories: { keys: "/badger/keys", values: "/badger/values" },
        ephemeral: false,
        ttl: { spans: "168h" },
      },
    });
  });

  itWithTool("jaeger")("jaeger validate accepts both stores, and refuses an unknown key", () => {
    const validate = (config: object) =>
      runMonitoringTool("jaeger", ["validate", "--config=jaeger.yaml"], { "jaeger.yaml": config });
    for (const store of [
      { kind: "memory", maxTraces: 50000 },
      { kind: "badger", dataPath: "/badger", retentionDays: 7 },
    ] as const) {
      const result = validate(jaegerConfig(store));
      expect({ store: store.kind, status: result.status, output: result.output }).toEqual({
        store: store.kind,
        status: 0,
        output: expect.not.stringMatching(/error/i),
      });
    }
    const broken = jaegerConfig({ kind: "memory", maxTraces: 1 }) as any;
    broken.extensions.jaeger_storage.backends.traces.memory.max_tracez = 1;
    const refused = validate(broken);
    expect(refused.status).not.toBe(0);
    expect(refused.output).toContain("max_tracez");
  });

  test("every extension it declares is enabled, and the other way round", () => {
    const config = jaegerConfig({ kind: "memory", maxTraces: 1 }) as any;
    expect([...config.service.extensions].sort()).toEqual(Object.keys(config.extensions).sort());
  });
});

describe("Alloy", () => {
  const text = alloyConfig({
    namespaces: ["toolboxai", "toolboxai-monitoring"],
    lokiPushUrl: "http://loki.toolboxai-monitoring.svc.cluster.local:3100/loki/api/v1/push",
    instance: "toolboxai-production",
    environment: "production",
  });

  test("pods of the platform's namespaces, through the Kubernetes API, into Loki", () => {
    expect(text).toContain('names = ["toolboxai", "toolboxai-monitoring"]');
    expect(text).toContain("loki.source.kubernetes");
    expect(text).toContain("forward_to = [loki.write.default.receiver]");
    expect(text).toContain(
      'url = "http://loki.toolboxai-monitoring.svc.cluster.local:3100/loki/api/v1/push"',
    );
    // Tailing files on the node would need hostPath and root.
    expect(text).not.toMatch(/local\.file_match|loki\.source\.file|\/var\/log/);
  });

  test("each line is labelled with its namespace, pod, container and app", () => {
    for (const label of ["namespace", "pod", "container", "app"]) {
      expect(text).toContain(`target_label  = "${label}"`);
    }
  });

  test("blocks and braces balance, every component is referenced by what it feeds", () => {
    expect(text.split("{").length).toBe(text.split("}").length);
    const defined = [...text.matchAll(/^([a-z_.]+) "([a-z_]+)" \{$/gm)].map(
      ([, component, label]) => `${component}.${label}`,
    );
    expect(defined).toEqual([
      "discovery.kubernetes.pods",
      "discovery.relabel.pod_logs",
      "loki.source.kubernetes.pod_logs",
      "loki.write.default",
    ]);
    for (const component of defined.filter((name) => name !== "loki.source.kubernetes.pod_logs")) {
      expect(text).toContain(`${component}.`);
    }
  });

  // The binary of the Alloy image (`bash scripts/images.sh build alloy`); skipped outside CI when
  // it is not built, and failing in CI, where it is.
  const alloy = imageBinary("alloy", "alloy");
  if (!alloy && process.env.CI !== "true") {
    console.warn(
      "Skipping `alloy validate` (it runs when CI=true): bash scripts/images.sh build alloy",
    );
  }
  (alloy || process.env.CI === "true" ? test : test.skip)(
    "Alloy 1.11.3 itself validates it (alloy validate), and refuses a broken copy",
    () => {
      if (!alloy) throw new Error("Alloy is not built: bash scripts/images.sh build alloy");
      const dir = tempDir("alloy-validate-");
      const validate = (content: string) => {
        const file = path.join(dir, "config.alloy");
        writeFileSync(file, content);
        const result = spawnSync(alloy, ["validate", file], { encoding: "utf8" });
        return { status: result.status, output: `${result.stdout}${result.stderr}` };
      };
      expect(validate(text)).toEqual({ status: 0, output: "" });
      const broken = validate(text.replace('loki.write "default"', 'loki.writer "default"'));
      expect(broken.status).not.toBe(0);
      expect(broken.output).toContain('cannot find the definition of component name "loki.writer"');
    },
  );
});
