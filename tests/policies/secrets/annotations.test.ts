// no-secrets-in-annotations: secrets in metadata annotations.
import { noSecretsInAnnotations } from "../../../policies/secrets";
import { messagesOf } from "../support";
import { fakeSecrets } from "../fixtures/secrets";

/* eslint-disable @typescript-eslint/no-explicit-any -- fixtures are untyped JSON */

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
