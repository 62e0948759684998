// What the stack hands on: its outputs, the policy pack's verdict with its own config, the
// monitoring tier's generated configuration, and the manifests --out writes.
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { isCustomResource } from "../crd-schemas";
import { itWithTool, runMonitoringTool } from "../monitoring-tools";
import { mandatoryViolations, packFindings } from "../pack";
import { tempDir } from "../temp";
import { type ProgramRun } from "../../../tools/engine/mock-engine";
import { isKubernetesObject, writeRenderedOutput } from "../../../tools/engine/render";
import { toRunnerResources } from "../../../tools/policy-resources";
import { byKind, generatedPasswords, modelFor, named, type StackContext } from "./context";

/* eslint-disable @typescript-eslint/no-explicit-any -- manifests are untyped JSON here */

export function outputChecks(context: StackContext): void {
  const { stack, expected, namespaces } = context;
  // The program ran once, in describeStack's beforeAll (registered first, so it has ended).
  let run: ProgramRun;
  beforeAll(() => {
    run = context.run();
  });

  test("stack outputs name endpoints and secrets, never secret values", async () => {
    expect(run.outputs.publicUrl).toBe(expected.publicUrl);
    expect(run.outputs.runsOn).toEqual({
      platform: "kubernetes",
      namespaces: Object.values(namespaces),
    });
    const text = JSON.stringify(run.outputs);
    for (const password of generatedPasswords(run)) expect(text).not.toContain(password);
    const secretObjects = byKind(run, "Secret").map(
      (resource) => (resource.inputs.metadata as any).name,
    );
    expect([...(run.outputs.secretNames as any).kubernetesSecrets].sort()).toEqual(
      secretObjects.sort(),
    );
    expect((run.outputs.secretNames as any).generated).toEqual([
      "postgresPassword",
      "redisPassword",
      "flowerPassword",
      "jwtSecret",
      "appSecretKey",
      "grafanaAdminPassword",
      "postgresReaderPassword",
    ]);
    const ingress = named(run, "Ingress", "gateway");
    if (expected.tlsIssuer) {
      expect(ingress.metadata.annotations["cert-manager.io/cluster-issuer"]).toBe(
        expected.tlsIssuer,
      );
      expect(ingress.spec.tls[0].hosts).toEqual([new URL(expected.publicUrl).host]);
    } else {
      expect(ingress.spec.tls).toBeUndefined();
    }
  });

  test("passes the policy pack with its own config: no mandatory violation", async () => {
    const findings = await packFindings(toRunnerResources(run), stack);
    expect(mandatoryViolations(findings)).toEqual([]);
    const advisories = findings.map(
      (finding) =>
        `${finding.policy}: ${finding.resource ? `${finding.resource.kind} ${finding.resource.name}` : "stack"}`,
    );
    expect([...new Set(advisories)].sort()).toEqual([...expected.advisories].sort());
  });

  itWithTool("promtool")(
    "the monitoring tier's generated configuration passes promtool, amtool and jaeger validate",
    () => {
      const configMap = (name: string) =>
        named(run, "ConfigMap", name, namespaces.monitoring).data as Record<string, string>;
      const prometheus = configMap("prometheus-config");
      const checks = [
        runMonitoringTool("promtool", ["check", "config", "--syntax-only", "prometheus.yml"], {
          "prometheus.yml": prometheus["prometheus.yml"],
        }),
        runMonitoringTool("promtool", ["check", "rules", "alerts.yml"], {
          "alerts.yml": prometheus["alerts.yml"],
        }),
        runMonitoringTool("amtool", ["check-config", "alertmanager.yml"], {
          "alertmanager.yml": configMap("alertmanager-config")["alertmanager.yml"],
        }),
        runMonitoringTool("jaeger", ["validate", "--config=jaeger.yaml"], {
          "jaeger.yaml": configMap("jaeger-config")["jaeger.yaml"],
        }),
      ];
      expect(checks.map((result) => result.status)).toEqual([0, 0, 0, 0]);
      expect(checks[0].output).toContain("SUCCESS");
      // Every declared metrics endpoint of the stack became a scrape job.
      const jobs = (parse(prometheus["prometheus.yml"]).scrape_configs as any[]).map(
        (job) => job.job_name,
      );
      for (const name of ["backend", "postgres", "redis", "grafana", "loki", "jaeger"]) {
        expect(jobs).toContain(name);
      }
    },
  );

  test("--out writes manifests that are valid against the Kubernetes schemas, secrets redacted", () => {
    const outDir = tempDir(`toolboxai-${stack}-`);
    const count = writeRenderedOutput(run, outDir);
    const files = readdirSync(path.join(outDir, "kubernetes"));
    expect(files.length).toBe(count);
    expect(count).toBe(run.resources.filter(isKubernetesObject).length);
    const passwords = generatedPasswords(run);
    for (const file of files) {
      const text = readFileSync(path.join(outDir, "kubernetes", file), "utf8");
      for (const secret of passwords) expect(text).not.toContain(secret);
      const manifest = parse(text);
      // Custom resources are checked against their real CRDs in delivery.test.ts (the
      // schemas take seconds to load); the rest against kubernetes-models.
      if (isCustomResource(manifest)) continue;
      const Model = modelFor(manifest);
      expect(() => new Model(manifest).validate()).not.toThrow();
    }
    const resourcesJson = readFileSync(path.join(outDir, "resources.json"), "utf8");
    for (const secret of passwords) expect(resourcesJson).not.toContain(secret);
    expect(JSON.parse(resourcesJson).length).toBe(run.resources.length);
  });
}
