// no-secrets-in-configmaps: secrets in ConfigMap data and the config files they hold.
import { noSecretsInConfigMaps } from "../../../policies/secrets";
import { testCaCertificate } from "../../fixtures/certificates";
import { clone, messagesOf } from "../support";
import {
  compliantGatewayConfigMap,
  compliantRedisConfigMap,
  fakeSecrets,
} from "../fixtures/secrets";

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
  test("a CA bundle passes: the lines of a certificate node:crypto reads are public", async () => {
    const bundle = `# the bucket's CA\n${testCaCertificate}\n${testCaCertificate}`;
    expect(await messagesOf(noSecretsInConfigMaps, [configMap({ "ca.pem": bundle })])).toEqual([]);
  });
  test("a key outside a certificate, a forged certificate block and a private key are still reported", async () => {
    // A key between certificate markers: not a certificate, read line by line.
    const lines = testCaCertificate.split("\n");
    const forged = [lines[0], fakeSecrets.highEntropy, lines.at(-2)];
    const messages = await messagesOf(noSecretsInConfigMaps, [
      configMap({
        "ca.pem": `${testCaCertificate}token: ${fakeSecrets.awsAccessKeyId}\n`,
        "forged.pem": forged.join("\n"),
        "key.pem": `${testCaCertificate}${fakeSecrets.pem}`,
      }),
    ]);
    // The certificate's lines, then the token's: the one finding of ca.pem is on that line.
    const tokenLine = testCaCertificate.trimEnd().split("\n").length + 1;
    expect(
      messages.filter((message) => message.includes(`ca.pem line ${tokenLine} `)),
    ).toHaveLength(1);
    expect(messages.filter((message) => message.includes("data key ca.pem"))).toHaveLength(1);
    expect(messages.filter((message) => message.includes("forged.pem line 2 "))).toHaveLength(1);
    expect(messages.filter((message) => message.includes("key.pem"))).toHaveLength(1);
    expect(messages.find((message) => message.includes("key.pem"))).toContain("private key");
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
