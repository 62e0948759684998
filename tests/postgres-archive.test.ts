// PostgreSQL's continuous archiving (a CloudNativePG cluster with the stack's bucket): the WAL and
// the base backups to the bucket under the stack's prefix, encrypted at rest, with the
// credentials in a Secret, and the instances' egress to it. Production, under mocks.
import { crdErrors } from "./support/crd-schemas";
import { readStackConfig, runProgram, type RegisteredResource } from "../tools/engine/mock-engine";

describe("production with a CloudNativePG cluster archiving to its bucket, under mocks", () => {
  let resources: readonly RegisteredResource[] = [];
  beforeAll(async () => {
    const config = readStackConfig("production");
    config.values["toolboxai:backupS3AccessKeyId"] = "archive-test-key-id";
    config.values["toolboxai:backupS3SecretAccessKey"] = "archive-test-secret-key";
    config.secretKeys.push("toolboxai:backupS3AccessKeyId", "toolboxai:backupS3SecretAccessKey");
    resources = (await runProgram("production", { config })).resources;
  });
  const inputsOf = (type: string, name: string) =>
    resources.find((resource) => resource.type === type && resource.name === name)?.inputs as
      | Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any
      | undefined;

  test("the WAL and base backups go to the bucket, under the prefix, encrypted at rest, kept the retention", () => {
    const spec = inputsOf("kubernetes:postgresql.cnpg.io/v1:Cluster", "postgres")!.spec;
    expect(spec.instances).toBe(3);
    expect(spec.backup.retentionPolicy).toBe("30d");
    expect(spec.backup.barmanObjectStore).toMatchObject({
      destinationPath: "s3://toolboxai-backups-example/production/cloudnative-pg",
      endpointURL: "https://s3.eu-west-1.amazonaws.com",
      wal: { compression: "gzip", encryption: "AES256" },
      data: { compression: "gzip", encryption: "AES256" },
      s3Credentials: { accessKeyId: { name: "postgres-archive", key: "ACCESS_KEY_ID" } },
    });
    // No private CA in the stack file: none named.
    expect(spec.backup.barmanObjectStore.endpointCA).toBeUndefined();
    expect(crdErrors(inputsOf("kubernetes:postgresql.cnpg.io/v1:Cluster", "postgres"))).toEqual([]);
  });

  test("the credentials are in a Secret, never in the Cluster; a daily base backup, one at once", () => {
    const secret = inputsOf("kubernetes:core/v1:Secret", "postgres-archive")!;
    expect(secret.stringData).toMatchObject({
      ACCESS_KEY_ID: "archive-test-key-id",
      ACCESS_SECRET_KEY: "archive-test-secret-key",
      REGION: "eu-west-1",
    });
    const cluster = inputsOf("kubernetes:postgresql.cnpg.io/v1:Cluster", "postgres");
    expect(JSON.stringify(cluster)).not.toContain("archive-test-secret-key");
    const scheduled = inputsOf(
      "kubernetes:postgresql.cnpg.io/v1:ScheduledBackup",
      "postgres-base-backup",
    )!;
    expect(scheduled.spec).toEqual({
      schedule: "0 30 2 * * *",
      immediate: true,
      cluster: { name: "postgres" },
      method: "barmanObjectStore",
      backupOwnerReference: "self",
    });
    expect(crdErrors(scheduled)).toEqual([]);
  });

  test("the instances may reach the bucket over HTTPS, and nothing else outside", () => {
    const egress = inputsOf("kubernetes:networking.k8s.io/v1:NetworkPolicy", "postgres")!.spec
      .egress as { to?: { ipBlock?: { cidr: string } }[]; ports?: { port: number }[] }[];
    const outside = egress.filter((rule) => rule.to?.some((peer) => peer.ipBlock));
    expect(outside.map((rule) => rule.ports?.map((port) => port.port))).toEqual([
      [443, 6443],
      [443],
    ]);
  });
});
