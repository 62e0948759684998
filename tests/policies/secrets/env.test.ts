// no-literal-secret-env: secrets written literally into a container's env.
import { noLiteralSecretEnv } from "../../../policies/secrets";
import { clone, compliantDeployment, messagesOf } from "../support";
import { container, cronJobFrom, fakeSecrets, podFrom, prefix } from "../fixtures/secrets";

describe("no-literal-secret-env", () => {
  test("the compliant fixture passes, as a Deployment, CronJob and Pod", async () => {
    const deployment = compliantDeployment();
    expect(
      await messagesOf(noLiteralSecretEnv, [
        deployment,
        cronJobFrom(deployment),
        podFrom(deployment),
      ]),
    ).toEqual([]);
  });
  test("a secret-named variable with a literal value is reported by name only", async () => {
    const deployment = clone(compliantDeployment());
    container(deployment).env.push({ name: "DATABASE_PASSWORD", value: "hunter2hunter2" });
    const messages = await messagesOf(noLiteralSecretEnv, [deployment]);
    expect(messages).toEqual([
      `${prefix} env DATABASE_PASSWORD has a literal value; remove it, mount the secret as a ` +
        "file under /run/secrets/ and set DATABASE_PASSWORD_FILE to its path",
    ]);
    expect(messages.join("")).not.toContain("hunt");
  });
  test("a value that looks like a key is reported whatever its name, redacted", async () => {
    const deployment = clone(compliantDeployment());
    container(deployment).env.push({ name: "SENTRY_DSN", value: fakeSecrets.urlWithPassword });
    container(deployment).env.push({ name: "AUTH_HEADER", value: `Bearer ${fakeSecrets.jwt}` });
    const messages = await messagesOf(noLiteralSecretEnv, [deployment]);
    expect(messages).toEqual([
      `${prefix} env SENTRY_DSN holds what looks like a URL with an embedded password ("post…"); ` +
        "move it into a secret mounted under /run/secrets/ and set SENTRY_DSN_FILE to its path",
      `${prefix} env AUTH_HEADER holds what looks like a JSON Web Token ("eyJh…"); move it into ` +
        "a secret mounted under /run/secrets/ and set AUTH_HEADER_FILE to its path",
    ]);
    expect(messages.join("")).not.toContain("s3cr3t");
  });
  test("a *_FILE variable pointing outside /run/secrets", async () => {
    const deployment = clone(compliantDeployment());
    container(deployment).env[1].value = "/etc/app/database-password";
    expect(await messagesOf(noLiteralSecretEnv, [deployment])).toEqual([
      `${prefix} env DATABASE_PASSWORD_FILE points at /etc/app/database-password, outside ` +
        "/run/secrets/; mount the secret under /run/secrets/ and point DATABASE_PASSWORD_FILE " +
        "at that file",
    ]);
  });
  test("init containers of a CronJob are checked; references and valueFrom are not literals", async () => {
    const cronJob = cronJobFrom(compliantDeployment());
    const spec = cronJob.spec.jobTemplate.spec.template.spec;
    spec.initContainers = [
      {
        name: "migrate",
        image: "ghcr.io/toolboxai/backend:1.4.0",
        env: [
          { name: "GITHUB_TOKEN", value: fakeSecrets.githubToken },
          { name: "API_KEY", value: "$(OTHER_KEY)" },
          { name: "JWT_SECRET", valueFrom: { secretKeyRef: { name: "x", key: "y" } } },
        ],
      },
    ];
    expect(await messagesOf(noLiteralSecretEnv, [cronJob])).toEqual([
      'CronJob toolboxai/api: initContainer "migrate" env GITHUB_TOKEN has a literal value; ' +
        "remove it, mount the secret as a file under /run/secrets/ and set GITHUB_TOKEN_FILE " +
        "to its path",
    ]);
  });
  test("config: entropy threshold, minimum length, non-secret suffixes and mount prefix", async () => {
    const deployment = clone(compliantDeployment());
    container(deployment).env.push({ name: "SESSION_SALT", value: fakeSecrets.highEntropy });
    container(deployment).env.push({ name: "API_TOKEN_TTL", value: "3600" });
    const entropyMessage =
      `${prefix} env SESSION_SALT holds what looks like a high-entropy string ("Xk9f…"); move ` +
      "it into a secret mounted under /run/secrets/ and set SESSION_SALT_FILE to its path";
    expect(await messagesOf(noLiteralSecretEnv, [deployment])).toEqual([entropyMessage]);
    expect(
      await messagesOf(noLiteralSecretEnv, [deployment], {
        "no-literal-secret-env": { entropyThreshold: 4.8 },
      }),
    ).toEqual([]);
    expect(
      await messagesOf(noLiteralSecretEnv, [deployment], {
        "no-literal-secret-env": { minEntropyLength: 32, nonSecretSuffixes: ["_HOST"] },
      }),
    ).toEqual([
      `${prefix} env API_TOKEN_TTL has a literal value; remove it, mount the secret as a file ` +
        "under /run/secrets/ and set API_TOKEN_TTL_FILE to its path",
    ]);
    expect(
      await messagesOf(noLiteralSecretEnv, [compliantDeployment()], {
        "no-literal-secret-env": { secretMountPrefix: "/var/run/secrets/app/" },
      }),
    ).toEqual([
      `${prefix} env DATABASE_PASSWORD_FILE points at /run/secrets/database-password, outside ` +
        "/var/run/secrets/app/; mount the secret under /var/run/secrets/app/ and point " +
        "DATABASE_PASSWORD_FILE at that file",
    ]);
  });
});
