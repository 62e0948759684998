// Switches in the stack file, in one run of the program (each run costs seconds): feature
// switches remove whole services (their settings are not needed), renderDir turns the provider
// into a manifest writer, and backups go to a bucket instead of a volume.
import { readStackConfig, runProgram, type ProgramRun } from "../tools/engine/mock-engine";
import { kubernetesFormConfig } from "../tools/engine/stack-config";

/* eslint-disable @typescript-eslint/no-explicit-any -- manifests are untyped JSON here */

let run: ProgramRun;
const bucketCredentials = {
  backupS3AccessKeyId: "AKIAFEATURESWITCHES1",
  backupS3SecretAccessKey: "feature-switches-secret-access-key",
};

beforeAll(async () => {
  const config = readStackConfig("dev");
  config.values["toolboxai:robloxSyncEnabled"] = "false";
  config.values["toolboxai:flowerEnabled"] = "false";
  config.values["toolboxai:grafanaEnabled"] = "false";
  const services = JSON.parse(config.values["toolboxai:services"]);
  delete services.robloxSync;
  // The backend built by the program and pushed to its registry.
  services.backend.build = { context: "images/backup-tools" };
  config.values["toolboxai:imageRegistry"] = "ghcr.io";
  config.values["toolboxai:services"] = JSON.stringify(services);
  // Dev's Kubernetes form (its file says docker), with the Kubernetes-only switches.
  Object.assign(config.values, kubernetesFormConfig);
  config.values["toolboxai:renderDir"] = "/tmp/toolboxai-render";
  config.values["toolboxai:kubernetesContext"] = "kind-dev";
  config.values["toolboxai:tlsIssuer"] = "letsencrypt-staging";
  const backup = JSON.parse(config.values["toolboxai:backup"]);
  backup.verify = true;
  backup.storage = {
    type: "s3",
    endpoint: "https://s3.eu-west-1.amazonaws.com",
    bucket: "toolboxai-dev-backups",
    region: "eu-west-1",
    prefix: "dev/",
  };
  config.values["toolboxai:backup"] = JSON.stringify(backup);
  for (const [key, value] of Object.entries(bucketCredentials)) {
    config.values[`toolboxai:${key}`] = value;
    config.secretKeys.push(`toolboxai:${key}`);
  }
  const monitoring = JSON.parse(config.values["toolboxai:monitoring"] ?? "{}");
  monitoring.runbookBaseUrl = "https://runbooks.example.org/toolboxai/ALERTS.md";
  // Dev's file keeps traces in memory; on a volume here.
  monitoring.traceStorage = "volume";
  config.values["toolboxai:monitoring"] = JSON.stringify(monitoring);
  run = await runProgram("dev", { config });
});

test("monitoring.runbookBaseUrl is where every alert's runbook link points", () => {
  const rules = run.resources
    .map((resource) => JSON.stringify(resource.inputs))
    .filter((inputs) => inputs.includes("runbook_url"));
  expect(rules.length).toBeGreaterThan(0);
  const links = rules.flatMap((inputs) => [...inputs.matchAll(/runbook_url: ?(\S+?)(?:\\n|")/g)]);
  expect(links.length).toBeGreaterThan(10);
  for (const [, link] of links) {
    expect(link).toMatch(/^https:\/\/runbooks\.example\.org\/toolboxai\/ALERTS\.md#[a-z0-9]+$/);
  }
});

test("monitoring.traceStorage volume keeps dev's traces in Badger on a claim, not in memory", () => {
  const jaeger = run.resources.find(
    (resource) => resource.type === "kubernetes:apps/v1:StatefulSet" && resource.name === "jaeger",
  );
  const inputs = jaeger?.inputs as any;
  expect(inputs?.spec.volumeClaimTemplates).toHaveLength(1);
  const config = JSON.stringify(
    run.resources.find(
      (resource) =>
        resource.type === "kubernetes:core/v1:ConfigMap" && resource.name === "jaeger-config",
    )?.inputs,
  );
  expect(config).toContain("badger");
  expect(config).not.toContain("max_traces");
});

test("robloxSyncEnabled and flowerEnabled false deploy neither service", () => {
  const names = run.resources
    .filter((resource) => resource.type === "toolboxai:kubernetes:Workload")
    .map((resource) => resource.name);
  expect(names).not.toContain("roblox-sync");
  expect(names).not.toContain("flower");
  expect(names).toContain("celery-worker");
  expect(run.resources.some((resource) => resource.type === "toolboxai:app:RobloxSync")).toBe(
    false,
  );
  expect(Object.keys(run.outputs.endpoints as object)).not.toContain("flower");
  expect(
    (run.outputs.secretNames as { kubernetesSecrets: string[] }).kubernetesSecrets,
  ).not.toContain("flower-secrets");
});

test("grafanaEnabled false deploys no Grafana, and the gateway routes nothing to it", () => {
  const names = run.resources
    .filter((resource) => resource.type === "toolboxai:kubernetes:Workload")
    .map((resource) => resource.name);
  expect(names).not.toContain("grafana");
  expect(names).toEqual(expect.arrayContaining(["prometheus", "loki", "jaeger", "alertmanager"]));
  const gatewayConf = run.resources.find(
    (resource) =>
      resource.type === "kubernetes:core/v1:ConfigMap" &&
      (resource.inputs as any).metadata?.name === "gateway-config",
  );
  const conf: string = (gatewayConf?.inputs as any).data["nginx.conf"];
  expect(conf).toContain("location /api/");
  expect(conf).not.toContain("grafana");
  // No dashboards without Grafana to show them.
  expect(JSON.stringify(run.resources.map((resource) => resource.inputs))).not.toContain(
    "toolboxai-unified.json",
  );
});

test("a built image is pushed to imageRegistry and run by its digest, Celery's too", () => {
  const build = run.resources.find((resource) => resource.type === "docker:index/image:Image");
  expect(build?.inputs).toMatchObject({
    imageName: "ghcr.io/toolboxai/backend:1.4.0",
    skipPush: false,
  });
  const images = Object.fromEntries(
    run.resources
      .filter((resource) => resource.type === "kubernetes:apps/v1:Deployment")
      .map((resource) => {
        const inputs = resource.inputs as any;
        return [inputs.metadata.name, inputs.spec.template.spec.containers[0].image];
      }),
  );
  const digest = expect.stringMatching(/^ghcr\.io\/toolboxai\/backend@sha256:[0-9a-f]{64}$/);
  // Celery runs the backend's image: the same build.
  expect(images).toMatchObject({ backend: digest, "celery-worker": digest, "celery-beat": digest });
  expect(images["mcp-server"]).toBe("ghcr.io/toolboxai/mcp-server:1.4.0");
});

test("renderDir makes the provider write manifests there, to no cluster", () => {
  const providers = run.resources.filter(
    (resource) => resource.type === "pulumi:providers:kubernetes",
  );
  expect(providers).toHaveLength(1);
  expect(providers[0].inputs).toMatchObject({ renderYamlToDirectory: "/tmp/toolboxai-render" });
  expect(providers[0].inputs).not.toHaveProperty("context");
});

describe("backups to a bucket (backup.storage.type s3)", () => {
  const objects = () => run.resources.map((resource) => resource.inputs as any);
  const named = (kind: string, name: string) =>
    objects().find((object) => object.kind === kind && object.metadata?.name === name);

  test("no volume is claimed; every job reads the bucket's settings and its credentials as files", () => {
    expect(named("PersistentVolumeClaim", "backups")).toBeUndefined();
    for (const job of ["postgres-backup", "redis-backup", "postgres-restore-check"]) {
      const pod = named("CronJob", job).spec.jobTemplate.spec.template.spec;
      const env = Object.fromEntries(
        pod.containers[0].env.map((variable: any) => [variable.name, variable.value]),
      );
      expect(env).toMatchObject({
        BACKUP_S3_ENDPOINT: "https://s3.eu-west-1.amazonaws.com",
        BACKUP_S3_BUCKET: "toolboxai-dev-backups",
        BACKUP_S3_REGION: "eu-west-1",
        BACKUP_S3_PREFIX: "dev/",
        S3_ACCESS_KEY_ID_FILE: "/run/secrets/s3-access-key-id",
        S3_SECRET_ACCESS_KEY_FILE: "/run/secrets/s3-secret-access-key",
      });
      expect(env.BACKUP_DIR).toBeUndefined();
      expect(JSON.stringify(pod.containers[0].env)).not.toContain(
        bucketCredentials.backupS3SecretAccessKey,
      );
      expect(named("Secret", `${job}-secrets`).stringData).toMatchObject({
        "s3-access-key-id": bucketCredentials.backupS3AccessKeyId,
        "s3-secret-access-key": bucketCredentials.backupS3SecretAccessKey,
      });
      // The bucket is outside the cluster: HTTPS to public addresses.
      const egress = named("NetworkPolicy", job).spec.egress;
      expect(
        egress.some(
          (rule: any) =>
            rule.ports?.some((port: any) => port.port === 443) &&
            rule.to?.some((peer: any) => peer.ipBlock?.cidr === "0.0.0.0/0"),
        ),
      ).toBe(true);
    }
  });

  test("verify: the restore check restores into scratch space as large as the database", () => {
    const pod = named("CronJob", "postgres-restore-check").spec.jobTemplate.spec.template.spec;
    const scratch = pod.volumes.find((volume: any) =>
      pod.containers[0].volumeMounts.some(
        (mount: any) => mount.name === volume.name && mount.mountPath === "/var/lib/backup",
      ),
    );
    const postgres = named("StatefulSet", "postgres").spec.volumeClaimTemplates[0];
    expect(scratch.emptyDir.sizeLimit).toBe(postgres.spec.resources.requests.storage);
    expect(pod.containers[0].args).toEqual(["--identity", "/run/secrets/restore-check-identity"]);
  });
});
