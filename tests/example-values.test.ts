// The stack files' example values cannot reach a cluster: `pulumi up` of a staging or production
// stack refuses them with one message (key, stack file, value, command), `pulumi preview` warns,
// and only TOOLBOXAI_ACCEPT_EXAMPLE_VALUES=1 (the project's own test runs) deploys them anyway.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parseDocument, visit, type Pair, type YAMLMap } from "yaml";
import { ConfigRunError } from "../components/config";
import {
  acceptsExampleValues,
  checkDeployProblems,
  checklistMarkdown,
  deployChecklist,
  deployProblems,
  ExampleValuesError,
  exampleValueProblems,
  isExampleDomain,
} from "../components/config/examples";
import { ConfigError } from "../components/config/problems";
import { validateConfig } from "../components/config/validate";
import {
  projectRoot,
  readStackConfig,
  runProgram,
  type RegisteredResource,
} from "../tools/engine/mock-engine";

/* eslint-disable @typescript-eslint/no-explicit-any -- manifests are untyped JSON here */

function configOf(
  stack: string,
  edit: (values: Record<string, string>) => void = () => {},
  secretKeys: readonly string[] = [],
) {
  const file = readStackConfig(stack);
  edit(file.values);
  return validateConfig({
    stack,
    values: file.values,
    secretKeys: new Set([...file.secretKeys, ...secretKeys]),
  });
}

/** Edits one top-level object key of the raw config (JSON, as the engine passes it). */
function editObject(values: Record<string, string>, key: string, edit: (value: any) => void) {
  const value = JSON.parse(values[`toolboxai:${key}`]);
  edit(value);
  values[`toolboxai:${key}`] = JSON.stringify(value);
}

/**
 * The values the stack file marks `# example: replace before pulumi up`, as the refusal shows
 * them: scalars as they are, an image as repository:tag, a bucket by name, recipients one by one.
 */
function markedValues(stack: string): string[] {
  const text = readFileSync(path.join(projectRoot, `Pulumi.${stack}.yaml`), "utf8");
  const found: string[] = [];
  const marked = (comment: string | null | undefined) =>
    (comment ?? "").includes("example: replace before pulumi up");
  const add = (pair: Pair) => {
    const value = (pair.value as any)?.toJSON?.() ?? (pair.value as any)?.value;
    if (Array.isArray(value)) found.push(...value);
    else if (value?.repository) found.push(`${value.repository}:${value.tag}`);
    else if (value?.bucket) found.push(value.bucket);
    else found.push(String(value));
  };
  visit(parseDocument(text), {
    Pair(_, pair) {
      if (marked((pair.key as any)?.commentBefore)) add(pair as Pair);
    },
    // A comment above a mapping's first key belongs to the mapping.
    Map(_, map: YAMLMap) {
      if (marked(map.commentBefore)) add(map.items[0] as Pair);
    },
  });
  return found;
}

describe("the example values of the stack files", () => {
  test("every value production's file marks as an example is one, and nothing else is", () => {
    const marked = markedValues("production");
    expect(marked).toHaveLength(12);
    const shown = exampleValueProblems(configOf("production"))
      .filter((problem) => problem.kind === "example")
      .map((problem) => problem.shownValue);
    // Plus the backup tools' default image, which is in components/config/defaults.ts.
    expect([...shown].sort()).toEqual([...marked, "ghcr.io/toolboxai/backup-tools:1.0.0"].sort());
  });

  test("staging's marked values are its example values too", () => {
    const shown = exampleValueProblems(configOf("staging")).map((problem) => problem.shownValue);
    expect([...shown].sort()).toEqual(
      [...markedValues("staging"), "ghcr.io/toolboxai/backup-tools:1.0.0"].sort(),
    );
  });

  test("production's problems, in the checklist's order, each with its key and command", () => {
    const problems = exampleValueProblems(configOf("production"));
    expect(problems.map((problem) => [problem.item, problem.key])).toEqual([
      ["recipients", "toolboxai:backup.recipients[0]"],
      ["recipients", "toolboxai:backup.recipients[1]"],
      ["domain", "toolboxai:domain"],
      ["images", "toolboxai:services.backend.image"],
      ["images", "toolboxai:services.dashboard.image"],
      ["images", "toolboxai:services.mcpServer.image"],
      ["images", "toolboxai:services.agentCoordinator.image"],
      ["images", "toolboxai:services.robloxSync.image"],
      ["backupImage", "toolboxai:services.backup.image"],
      ["bucket", "toolboxai:backup.storage.bucket"],
      ["bucket", "toolboxai:backupS3AccessKeyId"],
      ["bucket", "toolboxai:backupS3SecretAccessKey"],
      ["alerts", "toolboxai:monitoring.alertWebhookUrl"],
      ["delivery", "toolboxai:delivery.repository"],
      ["delivery", "toolboxai:delivery.stack"],
    ]);
    const message = (key: string) => problems.find((problem) => problem.key === key)!.message;
    expect(message("toolboxai:backup.recipients[0]")).toBe(
      "is an example recovery key whose private key nobody has: backups encrypted to it can " +
        "never be decrypted. Make yours with `age-keygen -o recovery.key`, then `age-keygen -y " +
        "recovery.key` (prints the public key to put here); keep recovery.key offline",
    );
    expect(message("toolboxai:domain")).toBe(
      "is an example: names under the reserved .example TLD never resolve. Run `pulumi config " +
        "set domain <host>` with a host whose DNS points at your ingress controller, and set " +
        "tlsIssuer to a cert-manager ClusterIssuer your cluster has (`kubectl get clusterissuers`)",
    );
    expect(message("toolboxai:services.backend.image")).toBe(
      "is an example image no registry serves: build and push yours, then `pulumi config set " +
        "--path services.backend.image.repository <registry>/<name>` and `pulumi config set " +
        "--path services.backend.image.tag <tag>`",
    );
    expect(message("toolboxai:services.backup.image")).toContain(
      "`docker build -t <registry>/toolboxai/backup-tools:1.0.0 images/backup-tools`, then " +
        "`docker push <registry>/toolboxai/backup-tools:1.0.0`",
    );
    expect(message("toolboxai:backup.storage.bucket")).toContain(
      "`pulumi config set --secret backupS3AccessKeyId < access-key-id.txt`, then `pulumi " +
        "config set --secret backupS3SecretAccessKey < secret-access-key.txt`",
    );
    expect(message("toolboxai:backupS3SecretAccessKey")).toBe(
      "is required when backup.storage.type is s3 (the backup jobs write the bucket with it): " +
        "run `pulumi config set --secret backupS3SecretAccessKey < <file holding it>`",
    );
    expect(message("toolboxai:monitoring.alertWebhookUrl")).toBe(
      "is an example: names under the reserved .example TLD never resolve, so no alert would " +
        "reach anyone. Set your incident router's URL, `pulumi config set --path " +
        "monitoring.alertWebhookUrl https://<your incident router>/<path>`, or PagerDuty's " +
        "routing key and a chat webhook as the secrets alertPagerRoutingKey and " +
        "alertChatWebhookUrl (docs/ALERTS.md)",
    );
    expect(message("toolboxai:delivery.repository")).toBe(
      "is the example repository, not yours: fork it (for argocd: the repository CI pushes the " +
        "rendered manifests to) and run `pulumi config set --path delivery.repository " +
        "https://github.com/<you>/<repo>.git`",
    );
  });

  test("a stack with its own values has none left", () => {
    const config = configOf(
      "production",
      (values) => {
        values["toolboxai:domain"] = "app.school.test";
        values["toolboxai:backupS3AccessKeyId"] = "AKIAOWNKEY";
        values["toolboxai:backupS3SecretAccessKey"] = "own-secret-access-key";
        editObject(values, "backup", (backup) => {
          backup.recipients = ["age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq"];
          backup.storage.bucket = "school-backups";
        });
        editObject(values, "services", (services) => {
          for (const settings of Object.values(services) as any[]) {
            if (settings.image)
              settings.image.repository = settings.image.repository.replace(
                "ghcr.io/toolboxai/",
                "registry.school.test/toolboxai/",
              );
          }
          services.backup = {
            image: { repository: "registry.school.test/toolboxai/backup-tools", tag: "1.0.0" },
          };
        });
        editObject(values, "monitoring", (monitoring) => {
          monitoring.alertWebhookUrl = "https://alerts.school.test/alertmanager";
        });
        editObject(values, "delivery", (delivery) => {
          delivery.repository = "https://github.com/school/infrastructure.git";
          delivery.stack = "school/toolboxai/production";
        });
      },
      ["toolboxai:backupS3AccessKeyId", "toolboxai:backupS3SecretAccessKey"],
    );
    expect(exampleValueProblems(config)).toEqual([]);
    expect(checkDeployProblems(config, { dryRun: false, accepted: false })).toEqual({});
  });

  test("any name under the reserved .example TLD is an example domain; others are not", () => {
    expect(isExampleDomain("app.toolboxai.example")).toBe(true);
    expect(isExampleDomain("school.EXAMPLE.")).toBe(true);
    expect(isExampleDomain("example.com")).toBe(false);
    expect(isExampleDomain("toolboxai.localtest.me")).toBe(false);
  });

  test("the checklist: every value to replace, in the README's order", () => {
    expect(deployChecklist.map((item) => item.id)).toEqual([
      "recipients",
      "domain",
      "storageClasses",
      "images",
      "backupImage",
      "bucket",
      "alerts",
      "delivery",
    ]);
    expect(deployChecklist[0].commands).toEqual([
      "age-keygen -o recovery.key",
      "age-keygen -y recovery.key",
    ]);
  });
});

test("the checklist as the README shows it: numbered, each with keys and commands, 100 columns", () => {
  const markdown = checklistMarkdown();
  const lines = markdown.split("\n");
  expect(lines.filter((line) => /^\d+\. /.test(line))).toHaveLength(deployChecklist.length);
  for (const line of lines) expect(line.length).toBeLessThanOrEqual(100);
  for (const line of lines) expect(line).toMatch(/^(\d+\. | {3}\S)/);
  expect(lines[0]).toBe(
    "1. `backup.recipients`: the public key of a recovery key pair you made; keep the private key",
  );
  for (const item of deployChecklist) {
    for (const command of item.commands) expect(markdown).toContain(`\`${command}\``);
  }
});

describe("what a run does about them", () => {
  test("dev is exempt from example values, not from a bucket's missing credentials", () => {
    expect(exampleValueProblems(configOf("dev")).length).toBeGreaterThan(0);
    expect(deployProblems(configOf("dev"))).toEqual([]);
    const toBucket = configOf("dev", (values) =>
      editObject(values, "backup", (backup) => {
        backup.storage = { type: "s3", endpoint: "http://localhost:9000", bucket: "dev-backups" };
      }),
    );
    expect(deployProblems(toBucket).map((problem) => problem.key)).toEqual([
      "toolboxai:backupS3AccessKeyId",
      "toolboxai:backupS3SecretAccessKey",
    ]);
  });

  test("pulumi up refuses with a ConfigError; preview and the acceptance warn", () => {
    const config = configOf("staging");
    const refused = checkDeployProblems(config, { dryRun: false, accepted: false });
    expect(refused.warning).toBeUndefined();
    expect(refused.refusal).toBeInstanceOf(ExampleValuesError);
    expect(refused.refusal).toBeInstanceOf(ConfigError);
    const lines = refused.refusal!.message.split("\n");
    expect(lines[0]).toBe(
      "Pulumi.staging.yaml has 11 values to replace before `pulumi up` can deploy it (examples " +
        "that cannot work in a cluster, secrets not set):",
    );
    expect(lines.at(-1)).toBe(
      "Also check what no value shows: tlsIssuer names a ClusterIssuer your cluster has, and the " +
        "StorageClasses exist (`npm run preflight -- --stack staging`). Every value to replace, " +
        'with its command: README, "Deploy your own".',
    );
    expect(refused.refusal!.stackFile).toBe("Pulumi.staging.yaml");

    const previewed = checkDeployProblems(config, { dryRun: true, accepted: false });
    expect(previewed.refusal).toBeUndefined();
    expect(previewed.warning!.split("\n")[0]).toBe(
      "Pulumi.staging.yaml has 11 values to replace: `pulumi up` refuses to deploy it until each " +
        "is replaced (examples that cannot work in a cluster, secrets not set):",
    );
    expect(previewed.warning!.split("\n").slice(1)).toEqual(lines.slice(1));

    const accepted = checkDeployProblems(config, { dryRun: false, accepted: true });
    expect(accepted.refusal).toBeUndefined();
    expect(accepted.warning!.split("\n")[0]).toBe(
      "Pulumi.staging.yaml has 11 values to replace, accepted for this run by " +
        "TOOLBOXAI_ACCEPT_EXAMPLE_VALUES=1: a stack deployed with them cannot work as-is " +
        "(backups nobody can decrypt, images no registry serves, a domain that never resolves); " +
        "`pulumi up` without it refuses them:",
    );
  });

  test("only TOOLBOXAI_ACCEPT_EXAMPLE_VALUES=1 accepts", () => {
    expect(acceptsExampleValues({ TOOLBOXAI_ACCEPT_EXAMPLE_VALUES: "1" })).toBe(true);
    for (const value of [undefined, "", "0", "true", "yes", " 1"]) {
      expect(acceptsExampleValues({ TOOLBOXAI_ACCEPT_EXAMPLE_VALUES: value })).toBe(false);
    }
    expect(acceptsExampleValues({ ACCEPT_EXAMPLE_VALUES: "1" })).toBe(false);
  });
});

describe("the program under mocks, with Pulumi.production.yaml as it is", () => {
  test("an update without the acceptance is refused, listing every example value, registering nothing", async () => {
    const registered: RegisteredResource[] = [];
    let error: Error | undefined;
    try {
      await runProgram("production", { sink: registered, acceptExampleValues: false });
    } catch (thrown) {
      error = thrown as Error;
    }
    expect(error).toBeInstanceOf(ConfigRunError);
    // A RunError: the language host prints the message alone, without a stack trace.
    expect(pulumi.RunError.isInstance(error)).toBe(true);
    const message = error!.message;
    const lines = message.split("\n");
    expect(lines[0]).toBe(
      "Pulumi.production.yaml has 15 values to replace before `pulumi up` can deploy it " +
        "(examples that cannot work in a cluster, secrets not set):",
    );
    for (const value of [...markedValues("production"), "ghcr.io/toolboxai/backup-tools:1.0.0"]) {
      expect(lines.filter((line) => line.includes(` = ${value}: `))).toHaveLength(1);
    }
    expect(message).toContain(
      "\n  toolboxai:domain = app.toolboxai.example: is an example: names under the reserved " +
        ".example TLD never resolve.",
    );
    expect(message).toContain(
      "\n  toolboxai:backupS3AccessKeyId: is required when backup.storage.type is s3",
    );
    expect(lines.at(-1)).toMatch(
      /Every value to replace, with its command: README, "Deploy your own"\.$/,
    );
    expect(registered.filter((resource) => resource.type !== "pulumi:pulumi:Stack")).toEqual([]);
  });

  test("a preview (dry run) warns with the same list, and renders no secret-looking credentials", async () => {
    const run = await runProgram("production", { preview: true, acceptExampleValues: false });
    expect(run.warnings).toHaveLength(1);
    const [header, ...rest] = run.warnings[0].split("\n");
    expect(header).toBe(
      "Pulumi.production.yaml has 15 values to replace: `pulumi up` refuses to deploy it until " +
        "each is replaced (examples that cannot work in a cluster, secrets not set):",
    );
    expect(rest).toHaveLength(16);
    expect(rest.at(-1)).toContain('README, "Deploy your own"');
    // The bucket's credentials are not set: a backup job's Secret holds them empty, or (in a
    // first preview, where the generated passwords beside them are unknown) is itself unknown.
    const bucketSecrets = run.resources
      .map((resource) => resource.inputs as any)
      .filter(
        (object) =>
          object.kind === "Secret" && /-(backup|restore-check)-secrets$/.test(object.metadata.name),
      );
    expect(bucketSecrets).toHaveLength(4);
    for (const secret of bucketSecrets) {
      if (typeof secret.stringData !== "object") {
        expect(secret.stringData).toBe(pulumi.runtime.unknownValue);
        continue;
      }
      expect(secret.stringData["s3-access-key-id"]).toBe("");
      expect(secret.stringData["s3-secret-access-key"]).toBe("");
    }
  });
});
