// Backups: recovery point objective, recipients, bucket and its credentials.
import { validateConfig } from "../../components/config/validate";
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
});
