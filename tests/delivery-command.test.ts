// `npm run delivery`: the settings CI's delivery workflow acts on, and the check it runs on a
// stack's folder of the deploy branch before it commits it (Argo CD delivery): no Secret,
// something to check, and the same objects as the stack's state, each mismatch named with the
// command that mends it.
import { symlinkSync } from "node:fs";
import * as path from "node:path";
import { syncedProviderName } from "../components/platform/deploy-branch";
import { ConfigError } from "../components/config/problems";
import { checkDeployTree, main } from "../tools/delivery";
import { validatedStackConfig } from "../tools/engine/stack-config";
import { tempFolder } from "./support/temp";

const provider = `urn:pulumi:production::toolboxai::pulumi:providers:kubernetes::${syncedProviderName}::id`;
const foundation = "urn:pulumi:production::toolboxai::pulumi:providers:kubernetes::kubernetes::id";

function tree(files: Record<string, string>): string {
  return tempFolder("deploy-tree-", files);
}

const configMap =
  "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n  namespace: toolboxai\n";
const clusterRole =
  "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: reader\n";

function stateOf(...objects: [string, string, string?, string?][]) {
  return {
    deployment: {
      resources: objects.map(([kind, name, namespace, by = provider]) => ({
        urn: `urn:pulumi:production::toolboxai::kubernetes:x:${kind}::${name}`,
        type: `kubernetes:x:${kind}`,
        provider: by,
        outputs: { kind, metadata: { name, ...(namespace ? { namespace } : {}) } },
      })),
    },
  };
}

test("a folder of plain manifests passes, and agrees with the state that rendered them", () => {
  const folder = tree({ "1-manifest/cm.yaml": configMap, "1-manifest/role.yaml": clusterRole });
  // A Secret the stack applied itself (the other provider) is not expected in the folder.
  const state = stateOf(
    ["ConfigMap", "app", "toolboxai"],
    ["ClusterRole", "reader"],
    ["Secret", "app-secrets", "toolboxai", foundation],
  );
  expect(checkDeployTree(folder, state)).toEqual({
    objects: [
      { file: "1-manifest/cm.yaml", kind: "ConfigMap", namespace: "toolboxai", name: "app" },
      { file: "1-manifest/role.yaml", kind: "ClusterRole", namespace: "", name: "reader" },
    ],
    problems: [],
  });
});

test("a Secret in the folder fails, named, whatever else passes", () => {
  const secret = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: toolboxai\n";
  const folder = tree({ "cm.yaml": configMap, "nested/secret.yaml": secret });
  expect(checkDeployTree(folder).problems).toEqual([
    "nested/secret.yaml: Secret toolboxai/db is a Secret; a Secret is never committed (the stack " +
      "applies Secrets itself): remove the file and rotate its values",
  ]);
});

const onlyManifests = "the folder Argo CD syncs holds manifests only; remove it";

test("an empty folder, a missing one, and a file that is no manifest fail", () => {
  const readme = tree({ "README.md": "# nothing" });
  expect(checkDeployTree(readme).problems).toEqual([
    `README.md: not a manifest (.yaml, .yml, .json): ${onlyManifests}`,
    `${readme} holds no Kubernetes object: nothing checked`,
  ]);
  expect(checkDeployTree("/nonexistent/folder").problems).toEqual([
    "/nonexistent/folder is not a folder",
  ]);
  const text = tree({ "a.yaml": configMap, "b.yaml": "just: text\n" });
  expect(checkDeployTree(text).problems).toEqual([
    `${path.join(text, "b.yaml")}: document 0: missing apiVersion or kind`,
  ]);
  const unnamed = tree({ "a.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n" });
  expect(checkDeployTree(unnamed).problems).toEqual([
    "a.yaml: a ConfigMap without metadata.name",
    `${unnamed} holds no Kubernetes object: nothing checked`,
  ]);
});

test("a Secret in JSON, in a List or a SecretList, and a file that is no manifest all fail (F8)", () => {
  const secret = (name: string) => ({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name, namespace: "toolboxai" },
    stringData: { password: "hunter2-hunter2" },
  });
  const folder = tree({
    "app.yaml": configMap,
    "secret.json": JSON.stringify(secret("db")),
    "list.yaml": JSON.stringify({
      apiVersion: "v1",
      kind: "List",
      metadata: { name: "bundle" },
      items: [secret("db2")],
    }),
    "lower.yaml": JSON.stringify({
      apiVersion: "v1",
      kind: "SecretList",
      metadata: { name: "s" },
      items: [secret("db3")],
    }),
    "creds.txt": "postgres password: hunter2-hunter2\n",
  });
  const never =
    "is a Secret; a Secret is never committed (the stack applies Secrets itself): remove the " +
    "file and rotate its values";
  expect(checkDeployTree(folder).problems).toEqual([
    `creds.txt: not a manifest (.yaml, .yml, .json): ${onlyManifests}`,
    `list.yaml: Secret toolboxai/db2 ${never}`,
    `lower.yaml: Secret toolboxai/db3 ${never}`,
    `secret.json: Secret toolboxai/db ${never}`,
  ]);
});

test("a link is refused, never followed: out of the folder, or in a loop", () => {
  const outside = tree({ "secret.yaml": "apiVersion: v1\nkind: Secret\nmetadata:\n  name: x\n" });
  const folder = tree({ "cm.yaml": configMap });
  symlinkSync(path.join(outside, "secret.yaml"), path.join(folder, "linked.yaml"));
  symlinkSync(".", path.join(folder, "loop"));
  expect(checkDeployTree(folder).problems).toEqual([
    `linked.yaml: a link (to ${path.join(outside, "secret.yaml")}): ${onlyManifests}`,
    `loop: a link (to .): ${onlyManifests}`,
  ]);
});

test("a lost write and a file left behind are named with the command that mends each", () => {
  const folder = tree({ "cm.yaml": configMap, "old.yaml": clusterRole });
  const state = stateOf(["ConfigMap", "app", "toolboxai"], ["Deployment", "api", "toolboxai"]);
  expect(checkDeployTree(folder, state).problems).toEqual([
    "Deployment toolboxai/api is in the stack but not in the folder (a lost write); render it " +
      "again: pulumi state delete --target-dependents " +
      "'urn:pulumi:production::toolboxai::kubernetes:x:Deployment::api' && pulumi up",
    "ClusterRole reader is in the folder but not in the stack (left behind): git rm old.yaml",
  ]);
  // A state with nothing rendered by the deploy branch's provider compared nothing.
  expect(checkDeployTree(folder, stateOf()).problems).toContain(
    `the state names no object rendered by ${syncedProviderName}: nothing compared`,
  );
});

/** Runs the command in-process: its exit code and what it printed. */
async function command(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(args, {
    stdout: { write: (text: string) => (out += text) },
    stderr: { write: (text: string) => (err += text) },
    env: {},
    cwd: process.cwd(),
  });
  // Without the last line's end, as the lines were joined when the command used console.log.
  return { code, out: out.replace(/\n$/, ""), err: err.replace(/\n$/, "") };
}

test("check-tree exits 0, 1 or 2", async () => {
  expect((await command("check-tree", tree({ "cm.yaml": configMap }))).code).toBe(0);
  expect((await command("check-tree", tree({}))).code).toBe(1);
  const unreadable = await command(
    "check-tree",
    tree({ "cm.yaml": configMap }),
    "--state",
    "/nonexistent.json",
  );
  expect(unreadable.code).toBe(2);
  expect(unreadable.err).toContain("--state /nonexistent.json: not a readable pulumi stack export");
});

test("settings prints each stack's resolved delivery, defaults filled in", async () => {
  const production = await command("settings", "--stack", "production");
  expect(production.code).toBe(0);
  expect(JSON.parse(production.out)).toMatchObject({
    mode: "operator",
    branch: "release",
    path: "",
    resyncMinutes: 10,
  });
  expect(JSON.parse((await command("settings", "--stack", "dev")).out)).toEqual({ mode: "none" });
  const unknown = await command("settings", "--stack", "qa");
  expect(unknown).toMatchObject({ code: 2, err: "--stack qa: no Pulumi.qa.yaml here" });
});

test("settings reports a stack file that is not valid YAML as a config error (exit 2), with where", () => {
  const root = tree({
    "Pulumi.yaml": "name: toolboxai\n",
    "Pulumi.production.yaml":
      "config:\n  toolboxai:delivery: {mode: none}\n  toolboxai:delivery: {}\n",
  });
  let error: unknown;
  try {
    validatedStackConfig("production", root);
  } catch (thrown) {
    error = thrown;
  }
  // `settings` prints a ConfigError's message and exits 2; anything else would be a stack trace.
  expect(error).toBeInstanceOf(ConfigError);
  expect((error as Error).message).toBe(
    `${path.join(root, "Pulumi.production.yaml")}: not valid YAML: Map keys must be unique at ` +
      "line 3, column 3",
  );
});
