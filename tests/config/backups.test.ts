// Backups: recovery point objective, recipients, bucket and its credentials and CA certificates.
import { generateKeyPairSync } from "node:crypto";
import { show } from "../../components/config/problems";
import { validateConfig } from "../../components/config/validate";
import { testCaCertificate } from "../fixtures/certificates";
import {
  key,
  messageOf,
  oneProblem,
  productionWith,
  productionWithKeys,
  type Mapping,
} from "./support";

describe("backups", () => {
  const backupWith = (edit: (backup: Mapping) => void) => {
    const input = productionWith();
    const backup = JSON.parse(input.values[key("backup")]) as Mapping;
    edit(backup);
    return productionWithKeys({ [key("backup")]: JSON.stringify(backup) });
  };

  test("the recovery point objective must be one a schedule can meet exactly", () => {
    expect(messageOf(productionWith({ set: { recoveryPointObjectiveMinutes: "45" } }))).toBe(
      oneProblem(
        "toolboxai:recoveryPointObjectiveMinutes = 45: must be one of: 5, 6, 10, 12, 15, 20, 30, " +
          "60, 120, 180, 240, 360, 480, 720, 1440 (a divisor of an hour or a day, so that backups " +
          "run exactly that often)",
      ),
    );
  });

  test("a recipient that is not an age public key is named with what is allowed", () => {
    const input = backupWith((backup) => ((backup.recipients as string[])[1] = "ssh-ed25519 AAAA"));
    expect(messageOf(input)).toBe(
      oneProblem(
        'toolboxai:backup.recipients.1 = "ssh-ed25519 AAAA": must be an age public key (age1 ' +
          "followed by 58 Bech32 characters, as `age-keygen -y` prints it)",
      ),
    );
  });

  test("a bucket without its credentials validates: they are a deploy-time requirement", () => {
    // Production's own file: a bucket, no credentials. `pulumi up` refuses that (examples.ts,
    // tests/example-values.test.ts); the config itself is valid, so a preview renders it.
    const config = validateConfig(productionWith());
    expect(config.backup?.storage.type).toBe("s3");
    expect(config.suppliedSecrets).toEqual({});
  });

  test("bucket credentials without a bucket are read by nothing", () => {
    const input = backupWith((backup) => (backup.storage = { type: "volume" }));
    const values = {
      ...input.values,
      [key("backupS3AccessKeyId")]: "AKIAEXAMPLE",
      [key("backupS3SecretAccessKey")]: "example-secret",
    };
    const secretKeys = new Set([
      ...input.secretKeys,
      key("backupS3AccessKeyId"),
      key("backupS3SecretAccessKey"),
    ]);
    expect(messageOf({ ...input, values, secretKeys })).toBe(
      [
        "Pulumi.production.yaml has 2 configuration problems:",
        "  toolboxai:backupS3AccessKeyId = [secret]: is set, but backup.storage.type is not s3: " +
          "nothing reads it; remove it",
        "  toolboxai:backupS3SecretAccessKey = [secret]: is set, but backup.storage.type is not " +
          "s3: nothing reads it; remove it",
      ].join("\n"),
    );
  });

  test("an unknown storage type lists both", () => {
    const input = backupWith((backup) => (backup.storage = { type: "nfs" }));
    expect(messageOf(input)).toContain(
      'toolboxai:backup.storage.type = "nfs": must have type: volume (with size, storageClass) ' +
        "or type: s3 (with endpoint, bucket)",
    );
  });

  describe("the bucket's CA certificates", () => {
    const caKey = key("backup.storage.caCertificates");
    const withCertificates = (caCertificates: unknown, endpoint?: string) =>
      backupWith((backup) => {
        backup.storage.caCertificates = caCertificates;
        if (endpoint) backup.storage.endpoint = endpoint;
      });
    const allowed =
      "must be PEM certificates (-----BEGIN CERTIFICATE----- …), such as your CA's ca.crt";
    const refused = (value: unknown, message: string) =>
      oneProblem(`${caKey} = ${show(value)}: ${message}`);

    test("one or more PEM certificates are accepted as they are; not set, there are none", () => {
      for (const pem of [testCaCertificate, `${testCaCertificate}\n${testCaCertificate}`]) {
        const storage = validateConfig(withCertificates(pem)).backup?.storage;
        expect(storage).toMatchObject({ type: "s3", caCertificates: pem });
      }
      expect(validateConfig(productionWith()).backup?.storage).not.toHaveProperty("caCertificates");
    });

    test("text that is not PEM certificates, or has other text beside them, is refused", () => {
      for (const value of ["ca.crt", "", `${testCaCertificate}issued by our CA\n`, ["ca.crt"]]) {
        const message =
          typeof value === "string"
            ? `${allowed}, with nothing else but whitespace between them`
            : allowed;
        expect(messageOf(withCertificates(value))).toBe(refused(value, message));
      }
    });

    test("a private key is refused, and not shown", () => {
      const { privateKey } = generateKeyPairSync("ec", {
        namedCurve: "P-256",
        privateKeyEncoding: { type: "pkcs8", format: "pem" },
        publicKeyEncoding: { type: "spki", format: "pem" },
      });
      const message = messageOf(withCertificates(privateKey));
      expect(message).toBe(
        oneProblem(
          `${caKey} = "[private key]\\n": holds a private key (-----BEGIN … PRIVATE KEY-----): a ` +
            "private key does not belong here; give only the CA's certificates (its ca.crt), and if " +
            "this stack file was shared, replace that key",
        ),
      );
      // Beside a certificate too (`cat ca.crt ca.key`).
      expect(messageOf(withCertificates(`${testCaCertificate}${privateKey}`))).toContain(
        "a private key does not belong here",
      );
    });

    test("a certificate cut short or altered is refused, naming which", () => {
      const lines = testCaCertificate.split("\n");
      const shortened = [...lines.slice(0, 4), ...lines.slice(-2)].join("\n");
      expect(messageOf(withCertificates(`${testCaCertificate}${shortened}`))).toBe(
        refused(
          `${testCaCertificate}${shortened}`,
          `certificate 2 of 2 is not a readable X.509 certificate (cut short or altered?): ${allowed}`,
        ),
      );
      const noEnd = lines.slice(0, 5).join("\n");
      expect(messageOf(withCertificates(noEnd))).toBe(
        refused(
          noEnd,
          `the last certificate has no -----END CERTIFICATE----- line (cut short?): ${allowed}`,
        ),
      );
    });

    test("with an http:// endpoint they are refused: they apply to https:// only", () => {
      expect(messageOf(withCertificates(testCaCertificate, "http://localhost:9000"))).toBe(
        refused(
          testCaCertificate,
          "is set, but the endpoint is http://localhost:9000: CA certificates apply to https:// " +
            "only; give an https:// endpoint or remove caCertificates",
        ),
      );
      expect(
        validateConfig(withCertificates(undefined, "http://localhost:9000")).backup?.storage,
      ).toMatchObject({ endpoint: "http://localhost:9000" });
    });

    test("more than 64 KiB is refused before it is parsed", () => {
      const bundle = testCaCertificate.repeat(Math.ceil(65537 / testCaCertificate.length));
      expect(
        validateConfig(
          withCertificates(bundle.slice(0, 65536 - (65536 % testCaCertificate.length))),
        ).backup?.storage,
      ).toHaveProperty("caCertificates");
      expect(messageOf(withCertificates(bundle))).toBe(
        refused(bundle, "must be at most 64 KiB of PEM certificates (a CA's ca.crt)"),
      );
    });

    test("a volume has none", () => {
      const input = backupWith(
        (backup) => (backup.storage = { type: "volume", caCertificates: testCaCertificate }),
      );
      expect(messageOf(input)).toContain(`${caKey}: unknown key`);
    });
  });
});
