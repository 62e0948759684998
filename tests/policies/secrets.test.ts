import { execFile, type ChildProcess } from "node:child_process";
import * as path from "node:path";
import { projectRoot } from "../../tools/project-root";
import {
  findSecretValue,
  isHostname,
  isImageReference,
  isIdentifierChain,
  isPlaceholder,
  isUnder,
  looksSecretName,
  looksSecretValue,
  redact,
  secretAssignmentKey,
  secretEnvFinding,
  secretValueKind,
  shannonEntropy,
} from "../../policies/lib/secret-scan";
import {
  describeEnvFinding,
  noLiteralSecretEnv,
  noSecretsInAnnotations,
  noSecretsInConfigMaps,
  secretPolicies,
  secretsAsFiles,
} from "../../policies/secrets";
import { clone, compliantDeployment, messagesOf, unknownMarker } from "./support";
import {
  compliantGatewayConfigMap,
  compliantRedisConfigMap,
  cronJobFrom,
  fakeSecrets,
  podFrom,
} from "./fixtures/secrets";

/* eslint-disable @typescript-eslint/no-explicit-any -- fixtures are untyped JSON */

const container = (deployment: any) => deployment.spec.template.spec.containers[0];
const prefix = 'Deployment toolboxai/api: container "api"';

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

describe("helpers", () => {
  test("shannonEntropy", () => {
    expect(shannonEntropy("")).toBe(0);
    expect(shannonEntropy("aaaa")).toBe(0);
    expect(shannonEntropy("abcd")).toBe(2);
    expect(shannonEntropy("aabb")).toBe(1);
  });
  test("redact shows at most 4 characters", () => {
    expect(redact("hunter2hunter2")).toBe("hunt…");
    expect(redact("ab")).toBe("ab…");
  });
  test("isPlaceholder", () => {
    for (const value of [
      "$(DB_PASSWORD)",
      "${DB_PASSWORD}",
      "$DB_PASSWORD",
      "{{ .Values.x }}",
      // Grafana's provisioning references: the value is read from the file or variable.
      "$__file{/run/secrets/grafana-postgres-password}",
      "$__env{GF_DB_PASSWORD}",
    ]) {
      expect(isPlaceholder(value)).toBe(true);
    }
    expect(isPlaceholder("hunter2")).toBe(false);
  });
  test("isIdentifierChain: joined lowercase names, not random tokens", () => {
    for (const token of [
      "discovery.kubernetes.pods.targets",
      "kube_horizontalpodautoscaler_status_current_replicas",
      "backend|mcp-server|agent-coordinator|roblox-sync",
    ]) {
      expect({ token, chain: isIdentifierChain(token) }).toEqual({ token, chain: true });
      expect(secretValueKind(token)).toBeUndefined();
    }
    // Digits, capitals or a single long part stay in the entropy test.
    for (const token of [
      fakeSecrets.highEntropy,
      "abcdefghij-klmnopqrs-tuvwx1yz",
      "Abcdef.ghijkl",
    ]) {
      expect(isIdentifierChain(token)).toBe(false);
    }
    expect(isIdentifierChain("qwmzhtkpxvbnrsdlfjgycaeu")).toBe(false);
  });
  test("isHostname and isImageReference", () => {
    expect(isHostname("postgres.toolboxai.svc.cluster.local")).toBe(true);
    expect(isHostname("redis:6379")).toBe(false);
    expect(isImageReference("ghcr.io/toolboxai/backend:1.4.0")).toBe(true);
    expect(isImageReference("postgres")).toBe(false);
  });
  test("isUnder normalizes paths", () => {
    expect(isUnder("/run/secrets/x", "/run/secrets/")).toBe(true);
    expect(isUnder("/run/secrets", "/run/secrets/")).toBe(true);
    expect(isUnder("/run/secrets/../etc/passwd", "/run/secrets/")).toBe(false);
    expect(isUnder("/run/secretsfoo", "/run/secrets")).toBe(false);
  });
  test("secretAssignmentKey finds key = value, key: value and key value forms", () => {
    expect(secretAssignmentKey("requirepass hunter2hunter2")).toBe("requirepass");
    expect(secretAssignmentKey("  password = hunter2")).toBe("password");
    expect(secretAssignmentKey("api_token: abc")).toBe("api_token");
    expect(secretAssignmentKey('  "password": "x",')).toBe("password");
    expect(secretAssignmentKey("export DB_PASSWORD=x")).toBe("DB_PASSWORD");
    expect(secretAssignmentKey("export DB_PASSWORD='Tr0ub4dor3horse'")).toBe("DB_PASSWORD");
    expect(secretAssignmentKey("password:Tr0ub4dor3horse")).toBe("password");
    expect(secretAssignmentKey("  <password>Tr0ub4dor3horse</password>")).toBe("password");
    expect(secretAssignmentKey('<token kind="api">abc</token>')).toBe("token");
    expect(secretAssignmentKey("pwd=hunter2")).toBe("pwd");
    for (const line of [
      "# password = x",
      "password =",
      "password: ${DB_PASSWORD}",
      "password_file /run/secrets/x",
      "ssl_password_file /etc/keys/global.pass;",
      "password_encryption = scram-sha-256",
      "include /run/secrets/redis-auth.conf",
      "proxy_set_header X-Auth-Token $http_x_token;",
      "token_url: https://auth.example/token",
      "secret: true",
      // A shell script's computed values.
      "    token=$(printf '%s' \"$page\" | sed -n 's/^NextContinuationToken>//p')",
      "password=`cat /run/secrets/x`",
      // Prose: with a space as the separator the value is one word.
      "Token rotation happens daily",
      "<password></password>",
      "<password>${DB_PASSWORD}</password>",
      "<password_file>/run/secrets/db</password_file>",
      "proxy_pass backend;",
    ]) {
      expect(secretAssignmentKey(line)).toBeUndefined();
    }
  });
  test("references in a token are not literals; the literal text around them still counts", () => {
    for (const line of [
      '  curl --aws-sigv4 "aws:amz:$BACKUP_S3_REGION:s3" --config "$private_dir/curl-auth"',
      '  sha256sum "$partial" | sed "s|  .*|  $name|" >"$private_dir/$name.sha256"',
      '  storage_put "$stored.sha256" "$private_dir/${stored}.sha256"',
    ]) {
      expect({ line, kind: secretValueKind(line) }).toEqual({ line, kind: undefined });
    }
    // A secret written next to a reference is still found.
    expect(secretValueKind(`export KEY=\${PREFIX}${fakeSecrets.highEntropy}`)).toBe(
      "a high-entropy string",
    );
  });
  test("secretEnvFinding and describeEnvFinding", () => {
    expect(secretEnvFinding("DB_PASSWORD", "hunter2")).toEqual({ reason: "secret-name" });
    expect(secretEnvFinding("DB_PASSWORD", "")).toBeUndefined();
    // The shell's working directory is a path, not a password.
    expect(secretEnvFinding("PWD", "/app")).toBeUndefined();
    expect(secretEnvFinding("DB_PASSWORD", "$(OTHER_VAR)")).toBeUndefined();
    expect(secretEnvFinding("DB_PASSWORD_FILE", "/run/secrets/db")).toBeUndefined();
    expect(secretEnvFinding("DB_PASSWORD_FILE", "hunter2")).toEqual({ reason: "secret-name" });
    expect(secretEnvFinding("DB_PASSWORD_FILE", "/etc/db")).toEqual({
      reason: "file-outside-prefix",
      path: "/etc/db",
    });
    expect(secretEnvFinding("DB_PASSWORD_FILE", "/vault/db", { secretMountPrefix: "/vault" })).toBe(
      undefined,
    );
    expect(secretEnvFinding("OAUTH_TOKEN_ENDPOINT", "https://auth.example/token")).toBe(undefined);
    expect(secretEnvFinding("AWS_ID", fakeSecrets.awsAccessKeyId)).toEqual({
      reason: "secret-value",
      kind: "an AWS access key ID",
      preview: "AKIA…",
    });
    expect(describeEnvFinding("DB_PASSWORD_FILE", { reason: "secret-name" }, "/run/secrets/")).toBe(
      "env DB_PASSWORD_FILE has a literal value; remove it, mount the secret as a file under " +
        "/run/secrets/ and set DB_PASSWORD_FILE to its path",
    );
  });
});

describe("secretPolicies", () => {
  test("names and default enforcement", () => {
    expect(secretPolicies.map((policy) => [policy.name, policy.enforcementLevel])).toEqual([
      ["no-literal-secret-env", "mandatory"],
      ["no-secrets-in-configmaps", "mandatory"],
      ["no-secrets-in-annotations", "mandatory"],
      ["secrets-as-files", "mandatory"],
    ]);
  });
});

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

describe("no-secrets-in-configmaps", () => {
  const configMap = (data: Record<string, string>, binaryData?: Record<string, string>) => ({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "app-config", namespace: "toolboxai" },
    data,
    ...(binaryData ? { binaryData } : {}),
  });
  const cm = "ConfigMap toolboxai/app-config:";

  test("the program's redis and nginx ConfigMaps pass", async () => {
    expect(
      await messagesOf(noSecretsInConfigMaps, [
        compliantRedisConfigMap(),
        compliantGatewayConfigMap(),
      ]),
    ).toEqual([]);
  });
  test("redis requirepass and an ini password line are reported by line, without the value", async () => {
    const redis = clone(compliantRedisConfigMap());
    redis.data["redis.conf"] = redis.data["redis.conf"].replace(
      "include /run/secrets/redis-auth.conf",
      "requirepass hunter2hunter2",
    );
    const messages = await messagesOf(noSecretsInConfigMaps, [
      redis,
      configMap({ "app.ini": "[database]\nhost = postgres\npassword = hunter2hunter2\n" }),
    ]);
    expect(messages).toEqual([
      "ConfigMap toolboxai/redis-config: data key redis.conf line 7 sets requirepass to a " +
        "literal value; move it into a Secret mounted under /run/secrets/ and have the " +
        "configuration read it from there",
      `${cm} data key app.ini line 3 sets password to a literal value; move it into a Secret ` +
        "mounted under /run/secrets/ and have the configuration read it from there",
    ]);
    expect(messages.join("")).not.toContain("hunt");
  });
  test("a secret-named key with a value, and a value that looks like a key", async () => {
    expect(
      await messagesOf(noSecretsInConfigMaps, [
        configMap({
          JWT_SECRET: "not-so-secret",
          AWS_KEY_ID: fakeSecrets.awsAccessKeyId,
          JWT_SECRET_NAME: "jwt",
        }),
      ]),
    ).toEqual([
      `${cm} data key JWT_SECRET is named like a secret and holds a literal value; move it into ` +
        "a Secret mounted under /run/secrets/",
      `${cm} data key AWS_KEY_ID holds what looks like an AWS access key ID ("AKIA…"); move it ` +
        "into a Secret mounted under /run/secrets/",
    ]);
  });
  test("a key pattern inside a multi-line file, and a PEM key reported once", async () => {
    expect(
      await messagesOf(noSecretsInConfigMaps, [
        configMap({
          "settings.yaml": `log_level: info\nauthorization: Bearer ${fakeSecrets.jwt}\n`,
          "tls.key": fakeSecrets.pem,
        }),
      ]),
    ).toEqual([
      `${cm} data key settings.yaml line 2 holds what looks like a JSON Web Token ("eyJh…"); ` +
        "move it into a Secret mounted under /run/secrets/",
      `${cm} data key tls.key holds what looks like a PEM private key ("----…"); move it into a ` +
        "Secret mounted under /run/secrets/",
    ]);
  });
  test("binaryData keys are checked by name", async () => {
    expect(
      await messagesOf(noSecretsInConfigMaps, [
        configMap({}, { "signing-private-key.der": "AAAA", "logo.png": "AAAA" }),
      ]),
    ).toEqual([
      `${cm} binaryData key signing-private-key.der is named like a secret; move it into a ` +
        "Secret mounted under /run/secrets/",
    ]);
  });
  test("config: the entropy threshold changes the outcome", async () => {
    const object = configMap({
      "app.properties": `salt.value=${fakeSecrets.highEntropy}\n` + "x=1\n",
    });
    expect(await messagesOf(noSecretsInConfigMaps, [object])).toEqual([
      `${cm} data key app.properties line 1 holds what looks like a high-entropy string ` +
        '("Xk9f…"); move it into a Secret mounted under /run/secrets/',
    ]);
    expect(
      await messagesOf(noSecretsInConfigMaps, [object], {
        "no-secrets-in-configmaps": { entropyThreshold: 4.8 },
      }),
    ).toEqual([]);
  });
  const move = "move it into a Secret mounted under /run/secrets/";
  const readFromThere = `${move} and have the configuration read it from there`;

  test("one-line configuration files are read as files", async () => {
    const messages = await messagesOf(noSecretsInConfigMaps, [
      configMap({
        "redis.conf": "requirepass Tr0ub4dor3horse\n",
        "env.sh": "export DB_PASSWORD='Tr0ub4dor3horse'",
        "x.conf": "password:Tr0ub4dor3horse",
      }),
    ]);
    expect(messages).toEqual([
      `${cm} data key redis.conf sets requirepass to a literal value; ${readFromThere}`,
      `${cm} data key env.sh sets DB_PASSWORD to a literal value; ${readFromThere}`,
      `${cm} data key x.conf sets password to a literal value; ${readFromThere}`,
    ]);
    expect(messages.join("")).not.toContain("Tr0ub");
  });
  test("JSON is read by key path at any depth, XML by element", async () => {
    expect(
      await messagesOf(noSecretsInConfigMaps, [
        configMap({
          "db.json": '{"password":"Tr0ub4dor3horse"}',
          "nested.json": JSON.stringify({
            db: { host: "postgres", pass: "Tr0ub4dor3horse" },
            users: [{ name: "ci", token: "abc123" }],
            auth: `Bearer ${fakeSecrets.jwt}`,
          }),
          "app.xml": "<config>\n  <password>Tr0ub4dor3horse</password>\n</config>\n",
        }),
      ]),
    ).toEqual([
      `${cm} data key db.json JSON path password sets password to a literal value; ${readFromThere}`,
      `${cm} data key nested.json JSON path db.pass sets pass to a literal value; ${readFromThere}`,
      `${cm} data key nested.json JSON path users[0].token sets token to a literal value; ` +
        readFromThere,
      `${cm} data key nested.json JSON path auth holds what looks like a JSON Web Token ` +
        `("eyJh…"); ${move}`,
      `${cm} data key app.xml line 2 sets password to a literal value; ${readFromThere}`,
    ]);
  });
  test("references, placeholders, empty values and secret files are not secrets", async () => {
    expect(
      await messagesOf(noSecretsInConfigMaps, [
        configMap({
          "refs.json": JSON.stringify({
            db: { password_file: "/run/secrets/db", password: "${DB_PASSWORD}", token: "" },
          }),
          "refs.conf": "password = /run/secrets/db-password\ntoken: <token>\n",
          "refs.xml": "<password>$__file{/run/secrets/x}</password>",
          "one.conf": "pass=${PASS}",
          DATABASE_PASSWORD_FILE: "/run/secrets/database-password",
        }),
      ]),
    ).toEqual([]);
  });
  test("a file of many secrets lists the first 20", async () => {
    const lines = Array.from({ length: 25 }, (_, index) => `password${index} = Tr0ub4dor3horse`);
    const messages = await messagesOf(noSecretsInConfigMaps, [
      configMap({ "many.conf": lines.join("\n") }),
    ]);
    expect(messages.length).toBe(21);
    expect(messages[0]).toBe(
      `${cm} data key many.conf line 1 sets password0 to a literal value; ${readFromThere}`,
    );
    expect(messages[20]).toBe(
      `${cm} data key many.conf holds more secrets than the 20 listed; ${move}`,
    );
  });
  test("JSON longer than a ConfigMap may be is reported, not parsed", async () => {
    expect(
      await messagesOf(noSecretsInConfigMaps, [
        configMap({ "big.json": `[${"1,".repeat(600_000)}1]` }),
      ]),
    ).toEqual([
      `${cm} data key big.json looks like JSON but is longer than the 1048576 characters read ` +
        "as a document (a whole ConfigMap holds at most 1 MiB); split it into smaller files",
    ]);
  });
  test("binaryData is decoded: text is read like data, binary for key formats only", async () => {
    const base64 = (bytes: string | Buffer) => Buffer.from(bytes).toString("base64");
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
    // Every byte value: as random as binary gets, and no key format in it.
    const noise = Buffer.from(Array.from({ length: 256 }, (_, index) => (index * 37) % 256));
    const messages = await messagesOf(noSecretsInConfigMaps, [
      configMap(
        {},
        {
          "settings.bin": base64(`DATABASE_PASSWORD=Tr0ub4dor3horse\n${fakeSecrets.pem}`),
          "app.conf": base64("log_level = info\npassword = Tr0ub4dor3horse\n"),
          "blob.bin": base64(Buffer.concat([png, Buffer.from(fakeSecrets.awsAccessKeyId)])),
          "logo.png": base64(png),
          "noise.bin": base64(noise),
          // Line breaks in base64 are ignored, as the API server's decoder does.
          "wrapped.conf": base64("log_level = info\n").replace(/(.{8})/g, "$1\n"),
          "broken.bin": "not base64!",
        },
      ),
    ]);
    expect(messages).toEqual([
      `${cm} binaryData key settings.bin holds what looks like a PEM private key ("----…"); ${move}`,
      `${cm} binaryData key app.conf line 2 sets password to a literal value; ${readFromThere}`,
      `${cm} binaryData key blob.bin holds binary data with an AWS access key ID in it ` +
        `("AKIA…"); ${move}`,
      `${cm} binaryData key broken.bin is not valid base64, so it cannot be checked for ` +
        "secrets; encode the file with base64 (`base64 -w0 FILE`)",
    ]);
    expect(messages.join("")).not.toContain("Tr0ub");
  });
});

describe("no-secrets-in-annotations", () => {
  const lastApplied = "kubectl.kubernetes.io/last-applied-configuration";
  const secret = (annotations: Record<string, string>) => ({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "db", namespace: "toolboxai", annotations },
    type: "Opaque",
    data: { password: Buffer.from("Tr0ub4dor3horse").toString("base64") },
  });
  const configMap = (annotations: Record<string, string>) => ({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "app-config", namespace: "toolboxai", annotations },
    data: { LOG_LEVEL: "info" },
  });

  test("ordinary annotations, checksums and a last-applied copy without secrets pass", async () => {
    const checksum = "f102510a183cfc09b5495d6f5eb1de08f102510a183cfc09b5495d6f5eb1de08";
    expect(
      await messagesOf(noSecretsInAnnotations, [
        secret({ "checksum.toolboxai.io/secrets": checksum }),
        configMap({ [lastApplied]: JSON.stringify(configMap({})), owner: "platform" }),
      ]),
    ).toEqual([]);
  });
  test("kubectl's last-applied copy of a Secret, or of a ConfigMap with a password", async () => {
    const leaky = configMap({});
    leaky.data = { DB_PASSWORD: "Tr0ub4dor3horse" } as any;
    const messages = await messagesOf(noSecretsInAnnotations, [
      secret({ [lastApplied]: JSON.stringify(secret({})) }),
      configMap({ [lastApplied]: JSON.stringify(leaky) }),
    ]);
    expect(messages).toEqual([
      `Secret toolboxai/db: annotation ${lastApplied} holds the Secret's data in plain text; ` +
        "apply it server-side and delete the annotation",
      `ConfigMap toolboxai/app-config: annotation ${lastApplied} JSON path data.DB_PASSWORD ` +
        "sets DB_PASSWORD to a literal value; move it into a Secret mounted under /run/secrets/ " +
        "and have the configuration read it from there",
    ]);
    expect(messages.join("")).not.toContain("Tr0ub");
  });
  test("a key format in any annotation", async () => {
    expect(
      await messagesOf(noSecretsInAnnotations, [
        configMap({ "example.com/auth": fakeSecrets.jwt }),
      ]),
    ).toEqual([
      "ConfigMap toolboxai/app-config: annotation example.com/auth holds what looks like a JSON " +
        'Web Token ("eyJh…"); move it into a Secret mounted under /run/secrets/',
    ]);
  });
});

/**
 * Each input is one or two megabytes of the worst case of a pattern the scanner had or could
 * have: quadratic (or worse), one would take hours, linear they take well under a second. They
 * run in a child process so that jest's timeout can stop a scan that does not end (a scan in the
 * test's own thread would block the timer until it returned).
 */
describe("the scanners run in linear time", () => {
  const library = path.join(projectRoot, "policies", "lib");
  const script = `
    const scan = require(${JSON.stringify(path.join(library, "secret-scan.ts"))});
    const { configFileFindings } = require(${JSON.stringify(path.join(library, "config-secrets.ts"))});
    const mb = 1 << 20;
    const results = {
      "one run of scheme characters": scan.findSecretValue("a".repeat(2 * mb)) ?? null,
      "schemes without user-info, then one": scan.findSecretValue("a://".repeat(mb / 2) + "u:pw@h") ?? null,
      "@ after @ in one authority": [...scan.urlUserInfos("a://" + "@".repeat(mb))].length,
      "spaces inside an assigned value": scan.secretAssignmentKey("password = a" + " ".repeat(mb) + "b") ?? null,
      "unclosed references": "\${".repeat(mb).replace(scan.referencePattern, "").length,
      "short tokens": scan.findSecretValue("a ".repeat(mb)) ?? null,
      "hostname labels": scan.isHostname("a.".repeat(mb) + "!"),
      "image reference parts": scan.isImageReference("a.".repeat(mb) + "/"),
      "PEM header words": scan.findSecretValue("-----BEGIN " + "A ".repeat(mb)) ?? null,
      "JWT segments": scan.findSecretValue(".eyJaaaaaaa".repeat(mb / 11)) ?? null,
      "XML attributes without an end": scan.secretAssignmentKey("<password " + "a ".repeat(mb)) ?? null,
      "a file of short lines": configFileFindings("a = b\\n".repeat(mb / 3)).length,
      "nested JSON": configFileFindings("[".repeat(mb)).length,
      "high-entropy megabytes": scan.shannonEntropy("ab".repeat(mb)),
      // Millions of repetitions of a group overflow V8's backtracking stack (a RangeError).
      "PEM header of 8 million words": scan.findSecretValue("-----BEGIN " + "A ".repeat(8 * mb)) ?? null,
      "hostname of 8 million labels": scan.isHostname("a.".repeat(8 * mb) + "a"),
      "a hostname-shaped high-entropy token": scan.findSecretValue("abcdefghijklmnop.".repeat(mb))?.kind ?? null,
    };
    process.stdout.write(JSON.stringify(results));
  `;
  let child: ChildProcess | undefined;
  afterAll(() => child?.kill());

  test("a megabyte of each pattern's worst case is scanned, with the expected results", async () => {
    const output = await new Promise<string>((resolve, reject) => {
      child = execFile(
        process.execPath,
        ["--import", "tsx", "-e", script],
        { cwd: projectRoot, maxBuffer: 1 << 20 },
        (error, stdout) => (error ? reject(error) : resolve(stdout)),
      );
    });
    expect(JSON.parse(output)).toEqual({
      "one run of scheme characters": null,
      "schemes without user-info, then one": {
        kind: "a URL with an embedded password",
        match: "a://u:pw@",
      },
      "@ after @ in one authority": 1,
      "spaces inside an assigned value": "password",
      "unclosed references": 2 * (1 << 20),
      "short tokens": null,
      "hostname labels": false,
      "image reference parts": false,
      "PEM header words": null,
      "JWT segments": null,
      "XML attributes without an end": null,
      "a file of short lines": 0,
      "nested JSON": 0,
      "high-entropy megabytes": 1,
      "PEM header of 8 million words": null,
      "hostname of 8 million labels": false,
      "a hostname-shaped high-entropy token": "a high-entropy string",
    });
  });
});

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
