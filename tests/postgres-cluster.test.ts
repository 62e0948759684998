// PostgreSQL as a CloudNativePG cluster (`database.engine: cloudnative-pg`): the config's rules,
// and what the program registers for it under mocks: the operator from the vendored release,
// the Cluster the operator makes the instances from, and the policies and quota around them.
import * as pulumi from "@pulumi/pulumi";
import { databaseProblems } from "../components/config/database";
import { cloudNativePgPostgresImage, serviceDefaults } from "../components/config/defaults";
import { postgresClusterSpec } from "../components/data/postgres-cluster";
import { footprintOf } from "../components/kubernetes/budget";
import { crdErrors } from "./support/crd-schemas";
import { databaseSchema, stackConfigSchema } from "../components/config/schema";
import { releaseCrds, releaseObject } from "../components/data/cloudnative-pg/release";
import { readStackConfig, runProgram, type RegisteredResource } from "../tools/engine/mock-engine";

const cluster = (database: object, services: object = {}) => ({
  database: databaseSchema.parse({ engine: "cloudnative-pg", ...database }),
  services,
});

describe("database config rules", () => {
  test("keys only a cluster reads are refused with the single engine, each named", () => {
    const database = databaseSchema.parse({ instances: 5, antiAffinity: "preferred" });
    expect(databaseProblems({ database, services: {} })).toEqual([
      {
        key: "toolboxai:database.instances",
        shownValue: "5",
        message:
          "is set, but database.engine is single: nothing reads it; remove it (it applies to " +
          "engine: cloudnative-pg)",
      },
      {
        key: "toolboxai:database.antiAffinity",
        shownValue: '"preferred"',
        message:
          "is set, but database.engine is single: nothing reads it; remove it (it applies to " +
          "engine: cloudnative-pg)",
      },
    ]);
  });

  test("synchronous standbys must be fewer than the instances", () => {
    expect(databaseProblems(cluster({ instances: 2, synchronousStandbys: 2 }))).toEqual([
      {
        key: "toolboxai:database.synchronousStandbys",
        shownValue: "2",
        message:
          "must be fewer than database.instances (2): each synchronous standby is an instance " +
          "besides the primary",
      },
    ]);
    expect(databaseProblems(cluster({ instances: 3, synchronousStandbys: 2 }))).toEqual([]);
  });

  test("settings of a service the engine does not run are refused", () => {
    const exporter = { postgresExporter: { replicas: 1 } };
    expect(databaseProblems(cluster({}, exporter)).map((problem) => problem.message)).toEqual([
      "is set, but database.engine is cloudnative-pg, whose instances export their own metrics: " +
        "nothing reads it; remove it",
    ]);
    const operator = { postgresOperator: { replicas: 2 } };
    expect(databaseProblems(cluster({ operator: "existing" }, operator))[0]?.key).toBe(
      "toolboxai:services.postgresOperator",
    );
    expect(
      databaseProblems({ database: databaseSchema.parse({}), services: operator })[0]?.message,
    ).toBe("is set, but database.engine is single: nothing reads it; remove it");
  });

  test("an unknown engine names what is allowed", () => {
    const parsed = stackConfigSchema.shape.database.safeParse({ engine: "patroni" });
    expect(parsed.error?.issues[0]?.message).toBe("must be one of: single, cloudnative-pg");
  });
});

test("the vendored release holds the 10 CRDs and a ClusterRole without wildcards", () => {
  expect(releaseCrds().map((crd) => crd.metadata.name)).toContain("clusters.postgresql.cnpg.io");
  expect(releaseCrds()).toHaveLength(10);
  const rules = releaseObject("ClusterRole", "cnpg-manager").rules as {
    resources: string[];
    verbs: string[];
  }[];
  expect(rules.flatMap((rule) => [...rule.resources, ...rule.verbs])).not.toContain("*");
  expect(() => releaseObject("ClusterRole", "missing")).toThrow(
    "CloudNativePG 1.29.2's manifest has no ClusterRole missing",
  );
});

describe("staging with a CloudNativePG cluster, under mocks", () => {
  let resources: readonly RegisteredResource[] = [];
  beforeAll(async () => {
    const config = readStackConfig("staging");
    config.values["toolboxai:database"] = JSON.stringify({
      engine: "cloudnative-pg",
      instances: 2,
      antiAffinity: "preferred",
    });
    resources = (await runProgram("staging", { config })).resources;
  });
  const find = (type: string, name: string) => {
    const found = resources.find((resource) => resource.type === type && resource.name === name);
    if (!found) throw new Error(`no ${type} ${name}`);
    return found.inputs as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  };

  test("the Cluster: instances, synchronous standby, anti-affinity, the pods' labels, protected", () => {
    const registered = resources.find((r) => r.type === "kubernetes:postgresql.cnpg.io/v1:Cluster");
    expect(registered?.protect).toBe(true);
    const spec = find("kubernetes:postgresql.cnpg.io/v1:Cluster", "postgres").spec;
    expect(spec.instances).toBe(2);
    expect(spec.imageName).toBe("ghcr.io/cloudnative-pg/postgresql:16.10-system-bookworm");
    expect(spec.postgresql.synchronous).toEqual({
      method: "any",
      number: 1,
      dataDurability: "required",
    });
    expect(spec.affinity.podAntiAffinityType).toBe("preferred");
    expect(spec.enableSuperuserAccess).toBe(false);
    expect(spec.inheritedMetadata.labels).toMatchObject({
      "app.kubernetes.io/name": "postgres",
      "zone.toolboxai.io/database": "true",
    });
    expect(spec.bootstrap.initdb.postInitApplicationSQL).toContain(
      "ALTER DEFAULT PRIVILEGES FOR ROLE toolboxai IN SCHEMA public GRANT SELECT ON TABLES TO grafana_reader;",
    );
    expect(spec.managed.roles[0].passwordSecret).toEqual({ name: "postgres-reader" });
  });

  test("the Cluster is valid against CloudNativePG's own CRD (strict fields)", () => {
    const cluster = resources.find((r) => r.type === "kubernetes:postgresql.cnpg.io/v1:Cluster");
    expect(crdErrors(cluster?.inputs)).toEqual([]);
    expect(crdErrors({ ...cluster?.inputs, spec: { instances: 2, bogus: true } })).toEqual([
      "/spec must NOT have additional properties (bogus)",
    ]);
  });

  test("its credentials are basic-auth Secrets, never in the Cluster; no exporter sidecar", () => {
    for (const name of ["postgres-app", "postgres-reader"]) {
      expect(find("kubernetes:core/v1:Secret", name).type).toBe("kubernetes.io/basic-auth");
    }
    const cluster = resources.find((r) => r.type === "kubernetes:postgresql.cnpg.io/v1:Cluster");
    expect(JSON.stringify(cluster?.inputs)).not.toContain("mock-");
    expect(resources.some((r) => r.name === "postgres" && r.type.endsWith("StatefulSet"))).toBe(
      false,
    );
  });

  test("the applications connect through the read-write Service", () => {
    const backend = find("kubernetes:apps/v1:Deployment", "backend");
    const env = backend.spec.template.spec.containers[0].env as { name: string; value: string }[];
    expect(env.find((variable) => variable.name === "DATABASE_HOST")?.value).toBe(
      "postgres-rw.toolboxai-staging.svc.cluster.local",
    );
  });

  test("the instances' policy: clients on 5432, each other and the operator on the status port", () => {
    const policy = find("kubernetes:networking.k8s.io/v1:NetworkPolicy", "postgres").spec;
    const byPorts = (ports: string[]) =>
      policy.ingress.find(
        (rule: { ports: { port: string }[] }) =>
          JSON.stringify(rule.ports.map((port) => port.port)) === JSON.stringify(ports),
      );
    expect(
      find("kubernetes:networking.k8s.io/v1:NetworkPolicy", "postgres-operator").spec.ingress,
    ).toEqual([
      {
        from: [
          { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "cnpg-system" } } },
        ],
        ports: [{ protocol: "TCP", port: "status" }],
      },
    ]);
    expect(byPorts(["postgresql", "status"]).from[0].podSelector.matchLabels).toMatchObject({
      "app.kubernetes.io/name": "postgres",
    });
  });

  test("the operator: its CRDs kept on destroy, its webhooks pointed at its namespace", () => {
    const crds = resources.filter((r) => r.type.endsWith("CustomResourceDefinition"));
    expect(crds).toHaveLength(10);
    expect(crds.every((crd) => crd.retainOnDelete)).toBe(true);
    const validating = find(
      "kubernetes:admissionregistration.k8s.io/v1:ValidatingWebhookConfiguration",
      "postgres-operator-validating",
    );
    expect(
      validating.webhooks.map(
        (webhook: { clientConfig: { service: { namespace: string } } }) =>
          webhook.clientConfig.service.namespace,
      ),
    ).toEqual(Array(5).fill("cnpg-system"));
    const manager = find("kubernetes:apps/v1:Deployment", "postgres-operator-manager");
    const container = manager.spec.template.spec.containers[0];
    expect(container.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
    });
    expect(container.env[0]).toEqual({
      name: "OPERATOR_IMAGE_NAME",
      value: "ghcr.io/cloudnative-pg/cloudnative-pg:1.29.2",
    });
  });

  test("the quota counts the instances and a join job's pod, with its volume", () => {
    const spec = postgresClusterSpec({
      settings: { ...serviceDefaults.postgres, image: cloudNativePgPostgresImage },
      database: databaseSchema.parse({ engine: "cloudnative-pg", instances: 3 }),
      databaseName: "toolboxai",
      user: "toolboxai",
      password: pulumi.secret("unused"),
      reader: { user: "grafana_reader", password: pulumi.secret("unused") },
    });
    const footprint = footprintOf(spec);
    expect(footprint.pods).toBe(4);
    // And a volume for it: a point-in-time recovery beside the cluster fits the quota.
    expect(footprint.claims).toBe(4);
  });
});
