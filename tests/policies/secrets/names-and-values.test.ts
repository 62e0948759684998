// looksSecretName, looksSecretValue and secretValueKind: what the scanners take for a secret.
import {
  findSecretValue,
  looksSecretName,
  looksSecretValue,
  secretValueKind,
} from "../../../policies/lib/secret-scan";
import { fakeSecrets } from "../fixtures/secrets";

describe("looksSecretName", () => {
  test.each([
    "DATABASE_PASSWORD",
    "db_passwd",
    "JWT_SECRET",
    "APP_SECRET_KEY",
    "CLIENT_SECRET",
    "API_KEY",
    "api-key",
    "apikey",
    "GITHUB_TOKEN",
    "accessToken",
    "privateKey",
    "AWS_SECRET_ACCESS_KEY",
    "GOOGLE_APPLICATION_CREDENTIALS",
    "SSH_PASSPHRASE",
    "requirepass",
    "DATABASE_PASSWORD_FILE",
    // Short words as a name's last word.
    "pwd",
    "PWD",
    "pass",
    "db_pass",
    "db.pass",
    "dbPass",
    "MYSQL_PWD",
    "passwd",
    "secret",
    "token",
  ])("%s looks secret", (name) => {
    expect(looksSecretName(name)).toBe(true);
  });
  test.each([
    "DATABASE_HOST",
    "DATABASE_USER",
    "REDIS_PORT",
    "LOG_LEVEL",
    "OLDPWD",
    "bypass",
    "passthrough",
    "compass",
    "proxy_pass",
    "fastcgi_pass",
    "SECRET_NAME",
    "jwt-secret-name",
    "REDIS_PASSWORD_HOST",
    "TOKENIZER_MODEL",
    "TOKEN_TTL",
    "password_encryption",
    "SECRETARY_EMAIL",
  ])("%s does not", (name) => {
    expect(looksSecretName(name)).toBe(false);
  });
  test("the non-secret suffixes are a parameter", () => {
    expect(looksSecretName("API_TOKEN_TTL", [])).toBe(true);
    expect(looksSecretName("API_TOKEN_HOST", ["_TTL"])).toBe(true);
  });
});

describe("looksSecretValue and secretValueKind", () => {
  test.each([
    ["PEM private key", fakeSecrets.pem, "a PEM private key"],
    ["AWS access key ID", fakeSecrets.awsAccessKeyId, "an AWS access key ID"],
    ["AWS key in text", `id=${fakeSecrets.awsAccessKeyId} region=eu`, "an AWS access key ID"],
    ["GitHub token", fakeSecrets.githubToken, "a GitHub token"],
    ["GitHub fine-grained token", fakeSecrets.githubPat, "a GitHub token"],
    ["Slack token", fakeSecrets.slackToken, "a Slack token"],
    ["Google API key", fakeSecrets.googleApiKey, "a Google API key"],
    ["JWT", fakeSecrets.jwt, "a JSON Web Token"],
    ["Stripe live key", fakeSecrets.stripeKey, "a Stripe live key"],
    ["URL with a password", fakeSecrets.urlWithPassword, "a URL with an embedded password"],
    ["high-entropy token", fakeSecrets.highEntropy, "a high-entropy string"],
  ])("%s", (_label, value, kind) => {
    expect(secretValueKind(value)).toBe(kind);
    expect(looksSecretValue(value)).toBe(true);
  });
  test.each([
    ["a URL without credentials", "https://app.toolboxai.example/callback?state=1"],
    ["a URL whose password is a reference", "postgres://app:${DB_PASSWORD}@postgres/app"],
    ["a path", "/var/lib/Xk9fQ2mLp7RtZ3vB8nHc4WdY/data"],
    ["a hostname", "Xk9fQ2mLp7RtZ3vB8nHc4WdY.toolboxai.example"],
    ["host:port/path", "127.0.0.1:5432/toolboxai?sslmode=disable"],
    ["an image reference", "quay.io/prometheuscommunity/postgres-exporter:v0.17.1"],
    ["a SHA-256 checksum (hex tops out at 4 bits/char)", "f102510a183cfc09b5495d6f5eb1de08"],
    ["a short token", "Xk9fQ2mLp7Rt"],
    ["plain words", "strict-origin-when-cross-origin"],
  ])("%s is not a secret", (_label, value) => {
    expect(secretValueKind(value)).toBeUndefined();
  });
  test("entropy threshold and minimum length are options", () => {
    expect(secretValueKind(fakeSecrets.highEntropy, { entropyThreshold: 5 })).toBeUndefined();
    expect(secretValueKind(fakeSecrets.highEntropy, { minEntropyLength: 25 })).toBeUndefined();
    expect(secretValueKind("abcdefgh12345678", { minEntropyLength: 16 })).toBe(
      "a high-entropy string",
    );
  });
  test("findSecretValue returns the matching text", () => {
    expect(findSecretValue(`key: ${fakeSecrets.awsAccessKeyId}`)).toEqual({
      kind: "an AWS access key ID",
      match: fakeSecrets.awsAccessKeyId,
    });
  });
});
