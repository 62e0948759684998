// secrets-as-files: Secrets mounted as files rather than env.
import { secretsAsFiles } from "../../../policies/secrets";
import { clone, compliantDeployment, messagesOf, unknownMarker } from "../support";
import { container, cronJobFrom, podFrom, prefix } from "../fixtures/secrets";

describe("secrets-as-files", () => {
  test("the compliant fixture passes, as a Deployment and a Pod", async () => {
    const deployment = compliantDeployment();
    expect(await messagesOf(secretsAsFiles, [deployment, podFrom(deployment)])).toEqual([]);
  });
  test("secretKeyRef and envFrom.secretRef are reported", async () => {
    const deployment = clone(compliantDeployment());
    container(deployment).env.push({
      name: "JWT_SECRET",
      valueFrom: { secretKeyRef: { name: "api-secrets", key: "jwt-secret" } },
    });
    container(deployment).envFrom = [
      { configMapRef: { name: "api-config" } },
      { secretRef: { name: "api-secrets" } },
    ];
    expect(await messagesOf(secretsAsFiles, [deployment])).toEqual([
      `${prefix} env JWT_SECRET reads key "jwt-secret" of Secret "api-secrets" through ` +
        "secretKeyRef; mount the Secret read-only under /run/secrets/ and set JWT_SECRET_FILE " +
        "to the file instead",
      `${prefix} envFrom loads Secret "api-secrets" into the environment; mount it read-only ` +
        "under /run/secrets/ and read the files instead",
    ]);
  });
  test("a *_FILE variable whose file no mount provides", async () => {
    const deployment = clone(compliantDeployment());
    container(deployment).env.push({ name: "JWT_SECRET_FILE", value: "/run/secrets/jwt-secret" });
    expect(await messagesOf(secretsAsFiles, [deployment])).toEqual([
      `${prefix} env JWT_SECRET_FILE points at /run/secrets/jwt-secret, but no volumeMount of ` +
        "the container provides it; mount the secret there read-only",
    ]);
  });
  test("a read-write secret mount is reported for the variable and the mount", async () => {
    const deployment = clone(compliantDeployment());
    delete container(deployment).volumeMounts[0].readOnly;
    expect(await messagesOf(secretsAsFiles, [deployment])).toEqual([
      `${prefix} env DATABASE_PASSWORD_FILE points at /run/secrets/database-password, which is ` +
        'mounted read-write from volume "secrets"; set readOnly: true on that mount',
      `${prefix} mounts secret volume "secrets" at /run/secrets/database-password without ` +
        "readOnly: true; set it",
    ]);
  });
  test("reads only *_FILE values: another variable unknown in a preview does not stop it", async () => {
    const deployment = clone(compliantDeployment());
    container(deployment).env.push({ name: "API_HOST", value: unknownMarker });
    container(deployment).env.push({ name: "JWT_SECRET_FILE", value: "/run/secrets/jwt-secret" });
    expect(await messagesOf(secretsAsFiles, [deployment])).toEqual([
      `${prefix} env JWT_SECRET_FILE points at /run/secrets/jwt-secret, but no volumeMount of ` +
        "the container provides it; mount the secret there read-only",
    ]);
  });
  test("a directory mount under /run/secrets provides the file", async () => {
    const deployment = clone(compliantDeployment());
    container(deployment).volumeMounts[0] = {
      name: "secrets",
      mountPath: "/run/secrets",
      readOnly: true,
    };
    expect(await messagesOf(secretsAsFiles, [deployment])).toEqual([]);
  });
  test("secret and projected secret volumes mounted outside /run/secrets", async () => {
    const cronJob = cronJobFrom(compliantDeployment());
    const spec = cronJob.spec.jobTemplate.spec.template.spec;
    spec.volumes.push({
      name: "tls",
      projected: { sources: [{ secret: { name: "api-tls" } }] },
    });
    spec.containers[0].volumeMounts.push({ name: "tls", mountPath: "/etc/tls", readOnly: true });
    spec.containers[0].volumeMounts.push({ name: "secrets", mountPath: "/etc/app/secrets" });
    expect(await messagesOf(secretsAsFiles, [cronJob])).toEqual([
      'CronJob toolboxai/api: container "api" mounts secret volume "tls" at /etc/tls; mount ' +
        "secrets under /run/secrets/ only",
      'CronJob toolboxai/api: container "api" mounts secret volume "secrets" at ' +
        "/etc/app/secrets; mount secrets under /run/secrets/ only",
      'CronJob toolboxai/api: container "api" mounts secret volume "secrets" at ' +
        "/etc/app/secrets without readOnly: true; set it",
    ]);
  });
  test("config: the mount prefix changes the outcome", async () => {
    expect(
      await messagesOf(secretsAsFiles, [compliantDeployment()], {
        "secrets-as-files": { secretMountPrefix: "/var/run/secrets/app/" },
      }),
    ).toEqual([
      `${prefix} mounts secret volume "secrets" at /run/secrets/database-password; mount ` +
        "secrets under /var/run/secrets/app/ only",
    ]);
  });
  test("an exemption is honoured", async () => {
    const deployment = clone(compliantDeployment());
    container(deployment).envFrom = [{ secretRef: { name: "vendor" } }];
    const config = {
      "secrets-as-files": {
        exemptions: [{ kind: "Deployment", name: "api", reason: "vendor image reads env only" }],
      },
    };
    expect(await messagesOf(secretsAsFiles, [deployment], config)).toEqual([]);
  });
});
