// The program as each stack file runs it (index.ts under the mocks) hands the stack's
// `database` to the monitoring tier: the rendered rule file has the PostgreSQL alerts of its
// engine, reading only that engine's families (a cluster's that archives to the stack's bucket,
// production's, with the continuous archive's alerts), and the rendered "Database performance"
// dashboard reads them too (a cluster's with its replication lag). One program run per test file:
// rendered-engine-<stack>.test.ts each call describeRenderedEngine.
import * as path from "node:path";
import { parse } from "yaml";
import { dashboardMetricNames, type Dashboard } from "../../components/monitoring/grafana";
import { metricNamesOf, postgresMetrics } from "../../components/monitoring/metrics-catalog";
import { postgresSeries } from "../../components/monitoring/postgres-series";
import type { ProgramRun } from "../../tools/engine/mock-engine";
import { validatedStackConfig } from "../../tools/engine/stack-config";
import { sharedProgramRun } from "../support/program-runs";

/* eslint-disable @typescript-eslint/no-explicit-any -- resource inputs are untyped JSON here */

/** A rendered file by its name: a ConfigMap's key (Kubernetes), an uploaded file's (Docker). */
function renderedFile(run: ProgramRun, name: string): string {
  for (const resource of run.resources) {
    const inputs = resource.inputs as any;
    if (inputs.kind === "ConfigMap" && typeof inputs.data?.[name] === "string") {
      return inputs.data[name];
    }
    const upload = (inputs.uploads ?? []).find(
      (each: any) => path.basename(String(each.file)) === name,
    );
    if (upload) return upload.content;
  }
  throw new Error(`the run renders no ${name}`);
}

interface RenderedRule {
  readonly alert: string;
  readonly expr: string;
  readonly labels: { readonly service: string };
}

/** The continuous archive's alerts: a cluster's that archives to the stack's bucket. */
const archiveAlerts = [
  "PostgresWalArchivingFailing",
  "PostgresWalArchiveStale",
  "PostgresBaseBackupTooOld",
];

export function describeRenderedEngine(stack: string): void {
  const { database, backup, recoveryPointObjectiveMinutes } = validatedStackConfig(stack);
  const families = new Set(postgresMetrics[database.engine]);
  // The cluster archives where the stack has a bucket: production's, not staging's.
  const archived = database.engine === "cloudnative-pg" && backup?.storage.type === "s3";
  describe(`Pulumi.${stack}.yaml (database.engine ${database.engine})`, () => {
    let rules: RenderedRule[];
    let dashboard: Dashboard;
    beforeAll(async () => {
      const run = await sharedProgramRun(stack);
      rules = (
        parse(renderedFile(run, "alerts.yml")) as { groups: { rules: RenderedRule[] }[] }
      ).groups.flatMap((group) => group.rules);
      dashboard = JSON.parse(renderedFile(run, "toolboxai-database.json")) as Dashboard;
    });

    test("the rule file has the engine's PostgreSQL alerts, reading its families only", () => {
      const postgres = rules.filter((rule) => rule.labels.service === "postgres");
      expect(postgres.map((rule) => rule.alert)).toEqual([
        "PostgresDown",
        "PostgresTooManyConnections",
        ...(database.engine === "cloudnative-pg"
          ? ["PostgresStandbyMissing", "PostgresReplicationLag", "PostgresFailover"]
          : []),
        ...(archived ? archiveAlerts : []),
      ]);
      const read = postgres.flatMap((rule) => metricNamesOf(rule.expr));
      expect(read.filter((name) => name !== "up" && !families.has(name))).toEqual([]);
      if (database.engine === "cloudnative-pg") {
        // The stack's own instances: the primary should stream to all the others.
        expect(postgres.find((rule) => rule.alert === "PostgresStandbyMissing")?.expr).toContain(
          `< ${database.instances - 1} `,
        );
      }
    });

    test(`the continuous archive's alerts ${archived ? "are" : "are not"} there: the cluster ${archived ? "archives to the bucket" : "archives nothing"}`, () => {
      expect({ stack, archived }).toEqual({
        stack,
        archived: { dev: false, staging: false, production: true }[stack],
      });
      const names = rules.map((rule) => rule.alert);
      for (const alert of archiveAlerts) expect(names.includes(alert)).toBe(archived);
      if (archived) {
        // The stack's own recovery point objective.
        expect(rules.find((rule) => rule.alert === "PostgresWalArchiveStale")?.expr).toContain(
          `> ${recoveryPointObjectiveMinutes * 60} `,
        );
      }
    });

    test("the database dashboard reads the engine's families; a cluster's shows its lag", () => {
      const names = dashboardMetricNames([dashboard]).filter((name) => /^(pg|cnpg)_/.test(name));
      expect(names.filter((name) => !families.has(name))).toEqual([]);
      expect(names).toContain(postgresSeries[database.engine].up.metric);
      expect(dashboard.panels.some((panel) => panel.title === "Replication lag")).toBe(
        database.engine === "cloudnative-pg",
      );
    });
  });
}
