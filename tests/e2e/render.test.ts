// The render phase of `npm run e2e`: each stack in its Kubernetes form, previewed with the policy
// pack, deployed with toolboxai:renderDir (the provider writes manifests instead of applying
// them), compared with the offline preview, updated and destroyed by the real engine; and two
// stacks that must fail.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import type { Stack } from "@pulumi/pulumi/automation";
import { parseDocument } from "yaml";
import { compareManifests, readManifestDir } from "../../tools/e2e/compare";
import {
  configValue,
  e2eOptions,
  filesUnder,
  policyOf,
  scratchProject,
  setStandInBucketCredentials,
  type ScratchProject,
} from "../../tools/e2e/project";
import { engine, failureOf, quiet } from "../../tools/e2e/engine-output";
import { kubernetesFormConfig } from "../../tools/engine/stack-config";
import { projectRoot } from "../../tools/project-root";

/** Mandatory policies the broken fixture (tests/fixtures/Pulumi.broken.yaml) must fail. */
const brokenPolicies = ["image-registry-allowlist", "ingress-tls", "replicas-min"];

let project: ScratchProject;
beforeAll(() => {
  project = scratchProject("render");
});
afterAll(() => project?.remove());

const renderDirOf = (stackName: string) => path.join(project.work, "render", stackName);

/** A stack of the stack file `Pulumi.<name>.yaml`, in its Kubernetes form, rendering to files. */
async function renderStack(name: string): Promise<Stack> {
  const stack = await project.createStack(name);
  await stack.setAllConfig({
    ...Object.fromEntries(Object.entries(kubernetesFormConfig).map(([k, value]) => [k, { value }])),
    "toolboxai:renderDir": { value: renderDirOf(name) },
  });
  // Production's bucket: stand-in credentials, so its backups render as a deployed one's.
  await setStandInBucketCredentials(stack);
  return stack;
}

/** The generated passwords of a stack, from its state (decrypted by the CLI). */
function generatedPasswords(exported: unknown): string[] {
  const { deployment } = exported as {
    deployment: { resources?: { type: string; outputs?: { result?: unknown } }[] };
  };
  return (deployment.resources ?? [])
    .filter((resource) => resource.type === "random:index/randomPassword:RandomPassword")
    .map((resource) => resource.outputs?.result)
    .map((result) =>
      typeof result === "object" && result !== null && "plaintext" in result
        ? JSON.parse(String((result as { plaintext: string }).plaintext))
        : result,
    )
    .filter((value): value is string => typeof value === "string" && value.length > 0);
}

/** Where a secret shows: anywhere in plain text, or base64-encoded outside a Secret. */
function secretLeaks(files: readonly string[], secrets: readonly string[]): string[] {
  return files.flatMap((file) => {
    const text = readFileSync(file, "utf8");
    const isSecret = /^kind: Secret$/m.test(text);
    return secrets.flatMap((secret) => {
      const hint = `${file}: ${secret.slice(0, 3)}…`;
      return [
        ...(text.includes(secret) ? [`${hint} in plain text`] : []),
        ...(!isSecret && text.includes(Buffer.from(secret).toString("base64"))
          ? [`${hint} base64-encoded outside a Secret`]
          : []),
      ];
    });
  });
}

/** `npm run preview -- --stack <stack> --out <dir>` in the same Kubernetes form; its manifests. */
function offlinePreview(stackName: string): string {
  const out = path.join(project.work, "offline", stackName);
  const formConfig = Object.entries(kubernetesFormConfig).flatMap(([key, value]) => [
    "--config",
    `${key}=${value}`,
  ]);
  const preview = spawnSync(
    process.execPath,
    [path.join(projectRoot, "scripts", "tool.mjs"), "preview", "--stack", stackName]
      .concat(formConfig)
      .concat(["--out", out]),
    { cwd: projectRoot, encoding: "utf8", env: { ...process.env, INIT_CWD: projectRoot } },
  );
  if (preview.status !== 0) throw new Error(`npm run preview failed:\n${preview.stderr}`);
  return path.join(out, "kubernetes");
}

describe.each(e2eOptions.stacks)("%s", (stackName) => {
  let created: Stack | undefined;
  const stack = () => {
    if (!created) throw new Error("not checked: the stack was not created");
    return created;
  };
  const manifests = () => path.join(renderDirOf(stackName), "1-manifest");
  // The provider writes CustomResourceDefinitions apart, into 0-crd/.
  const definitions = () => path.join(renderDirOf(stackName), "0-crd");
  let renderedDefinitions: string[] = [];

  test("stack init in its Kubernetes form, renderDir set", async () => {
    created = await renderStack(stackName);
  });

  test("pulumi preview --policy-pack passes, every policy runs", async () => {
    const preview = await engine(stack().preview({ ...policyOf(project, stackName), ...quiet }));
    const output = `${preview.stdout}${preview.stderr}`;
    expect(output).toContain("toolboxai-policies");
    expect(output.split("\n").filter((line) => line.includes("can't run policy"))).toEqual([]);
  });

  test("pulumi up renders the provider's manifests", async () => {
    await engine(stack().up({ ...policyOf(project, stackName), ...quiet }));
    expect(filesUnder(manifests()).length).toBeGreaterThan(0);
    renderedDefinitions = [...readManifestDir(renderDirOf(stackName)).keys()].filter((key) =>
      key.startsWith("CustomResourceDefinition "),
    );
    if (e2eOptions.keepManifests) {
      cpSync(manifests(), path.join(e2eOptions.keepManifests, stackName), { recursive: true });
    }
  });

  test("the provider's manifests agree with the offline preview", () => {
    const offline = readManifestDir(offlinePreview(stackName));
    expect(compareManifests(readManifestDir(renderDirOf(stackName)), offline)).toEqual([]);
  });

  test("no generated password in the state or outside Secrets", async () => {
    const passwords = generatedPasswords(await stack().exportStack());
    expect(passwords.length).toBeGreaterThan(0);
    const files = [
      ...filesUnder(path.join(project.state, ".pulumi")),
      ...filesUnder(renderDirOf(stackName)),
    ];
    expect(secretLeaks(files, passwords)).toEqual([]);
  });

  test("a second pulumi up changes nothing", async () => {
    await engine(stack().up({ expectNoChanges: true, ...quiet }));
  });

  test("pulumi destroy refuses while protectData is on, removes everything once lifted", async () => {
    if ((await configValue(stack(), "toolboxai:protectData")) !== "false") {
      const refused = await failureOf(stack().destroy(quiet), "destroy of a protected stack");
      expect(refused).toContain("because it is protected");
      await stack().setConfig("toolboxai:protectData", { value: "false" });
      await engine(stack().up(quiet));
    }
    await engine(stack().destroy(quiet));
    expect(filesUnder(manifests())).toEqual([]);
    // Only the definitions the program keeps on destroy (retainOnDelete) stay, each in 0-crd/.
    const kept = existsSync(definitions()) ? [...readManifestDir(definitions()).keys()] : [];
    expect(kept.sort()).toEqual([...renderedDefinitions].sort());
    await stack().workspace.removeStack(stackName);
  });
});

describe("broken", () => {
  let broken: Stack | undefined;
  test("stack init from tests/fixtures/Pulumi.broken.yaml", async () => {
    const fixture = path.join(project.dir, "tests", "fixtures", "Pulumi.broken.yaml");
    cpSync(fixture, path.join(project.dir, "Pulumi.broken.yaml"));
    // Its policy config is production's, as the pack's below (its admission policies read it).
    const policyConfig = (stack: string) =>
      path.join(project.dir, "policies", "config", `${stack}.json`);
    cpSync(policyConfig("production"), policyConfig("broken"));
    broken = await renderStack("broken");
  });

  test("pulumi preview --policy-pack fails, naming the policies", async () => {
    // The real CLI, the real pack and production's policy config fail it.
    if (!broken) throw new Error("not checked: the stack was not created");
    const output = await failureOf(
      broken.preview({ ...policyOf(project, "production"), ...quiet }),
      "the preview of the broken stack",
    );
    const reported = brokenPolicies.filter((policy) =>
      new RegExp(`\\[mandatory\\].*${policy}`).test(output),
    );
    expect(reported).toEqual(brokenPolicies);
  });
});

describe("badconfig", () => {
  let bad: Stack | undefined;
  test("stack init from dev's stack file with replicas: 0", async () => {
    // From the repository: the dev stack's `stack rm` removed the copy's stack file.
    const devFile = parseDocument(readFileSync(path.join(projectRoot, "Pulumi.dev.yaml"), "utf8"));
    devFile.setIn(["config", "toolboxai:services", "backend", "replicas"], 0);
    writeFileSync(path.join(project.dir, "Pulumi.badconfig.yaml"), devFile.toString());
    bad = await renderStack("badconfig");
  });

  test("pulumi preview fails with the config message, nothing registered", async () => {
    if (!bad) throw new Error("not checked: the stack was not created");
    const output = await failureOf(bad.preview(quiet), "the preview of a bad config value");
    expect(output).toContain(
      "toolboxai:services.backend.replicas = 0: must be an integer from 1 to 50",
    );
    expect(output).not.toContain("unhandled exception");
    expect(output).not.toMatch(/kubernetes:.*create/);
  });
});
