// The policy runner's manifest reader against kubectl's own decoder: every hostile encoding
// (tests/policies/hostile-encodings/) and every compliant fixture, as YAML and as JSON, must
// give kubectl and the runner the same objects, and the encodings the runner refuses must be the
// ones the shared module says kubectl refuses or accepts; and a fixed sample of the generated
// workloads (tests/policies/properties.test.ts) must decode alike too. kubectl runs offline
// (`label --local`: no API server is contacted; KUBECONFIG points at an empty file).
import { spawnSync } from "node:child_process";
import { readdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import { checkedKubernetesTypes } from "../../policies/lib/kubernetes";
import { readManifests } from "../../policies/runner/manifests";
import fc from "fast-check";
import {
  compliantWorkloads,
  hostileEncodings,
  insecureWorkloads,
  type Encoding,
} from "../policies/hostile-encodings";
import { compliantDeployment } from "../policies/support";
import {
  compliantCronJob,
  compliantPod,
  compliantStatefulSet,
} from "../policies/fixtures/security";
import { tempDir } from "../support/temp";
import { describeWithControlPlane, requireControlPlaneBin } from "./control-plane";

/* eslint-disable @typescript-eslint/no-explicit-any -- manifests are untyped JSON */

const describeKubectl = describeWithControlPlane("the decode differential");

/** kubectl adds this label to what it decodes; the runner's objects get it too, to compare. */
const probe = "decode-differential.toolboxai.io/probe";

/** Is this a Kubernetes object (apiVersion and kind), as a fixture module builds them? */
const isManifest = (value: any): boolean =>
  typeof value?.apiVersion === "string" && typeof value?.kind === "string";

/**
 * Every manifest fixture of the policy tests: what each fixture module's argument-free builders
 * return (helpers that need arguments throw or return no manifest, and are passed over).
 */
function policyFixtures(): any[] {
  const folder = path.resolve(__dirname, "..", "policies", "fixtures");
  return readdirSync(folder)
    .filter((file) => file.endsWith(".ts") && file !== "docker.ts")
    .flatMap((file) =>
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- the modules are found by listing the folder, so a new one is compared too
      Object.values(require(path.join(folder, file)) as Record<string, unknown>).flatMap(
        (builder) => {
          if (typeof builder !== "function" || builder.length > 0) return [];
          try {
            const built = builder();
            return [built].flat().filter(isManifest);
          } catch {
            return [];
          }
        },
      ),
    );
}

const fixtures = [
  compliantDeployment(),
  compliantPod(),
  compliantCronJob(),
  compliantStatefulSet(),
  ...policyFixtures(),
];

test("the differential sees every fixture module's manifests", () => {
  // Fewer would mean the collection above stopped finding them, and this test checked nothing.
  expect(fixtures.length).toBeGreaterThan(60);
  expect(new Set(fixtures.map((object) => object.kind)).size).toBeGreaterThan(25);
});
const fixtureEncodings: Encoding[] = fixtures.flatMap((object) => [
  {
    name: `${object.kind} fixture as YAML`,
    file: "fixture.yaml",
    text: stringify(object),
    objects: [object],
  },
  {
    name: `${object.kind} fixture as JSON`,
    file: "fixture.json",
    text: JSON.stringify(object),
    objects: [object],
  },
]);

describeKubectl("kubectl and the runner decode manifests alike", () => {
  let dir: string;
  let kubeconfig: string;

  beforeAll(() => {
    requireControlPlaneBin();
    dir = tempDir("toolboxai-decode-");
    kubeconfig = path.join(dir, "empty.kubeconfig");
    writeFileSync(kubeconfig, "");
  });

  function written(encoding: Encoding, index: number): string {
    const file = path.join(dir, `${index}-${encoding.file}`);
    writeFileSync(file, encoding.text);
    return file;
  }

  /** What kubectl decodes from the file (one object per applied object), or its error. */
  function kubectlObjects(file: string): { objects?: any[]; error?: string } {
    const run = spawnSync(
      path.join(requireControlPlaneBin(), "kubectl"),
      ["label", "--local", "-f", file, `${probe}=1`, "-o", "json"],
      { encoding: "utf8", env: { ...process.env, KUBECONFIG: kubeconfig } },
    );
    if (run.status !== 0) return { error: run.stderr };
    // Several objects are printed one after another, each from "{" to "}" at the line start.
    return { objects: JSON.parse(`[${run.stdout.replace(/\n}\n{/g, "\n},\n{")}]`) };
  }

  function labelled(object: any): any {
    const copy = JSON.parse(JSON.stringify(object));
    copy.metadata = { ...copy.metadata, labels: { ...copy.metadata?.labels, [probe]: "1" } };
    return copy;
  }

  const accepted = [...fixtureEncodings, ...hostileEncodings].filter(
    (encoding) => encoding.objects,
  );
  test.each(accepted.map((encoding, index) => [encoding.name, encoding, index] as const))(
    "%s: the same objects",
    (_name, encoding, index) => {
      const file = written(encoding, index);
      const runner = readManifests(file, checkedKubernetesTypes).resources.map((r) => r.props);
      const kubectl = kubectlObjects(file);
      expect(kubectl.error).toBeUndefined();
      expect(runner.map(labelled)).toEqual(kubectl.objects);
      expect(runner).toEqual(encoding.objects);
    },
  );

  // A fixed seed: the same sample every run, so a difference is reproducible.
  const generated = fc.sample(fc.oneof(compliantWorkloads, insecureWorkloads), {
    numRuns: 60,
    seed: 21,
  });
  test.each(
    generated.map(
      (workload, index) =>
        [`${workload.kind} ${workload.mutation ?? "compliant"}`, workload, index] as const,
    ),
  )("generated %s (sample %#): the same objects", (_name, workload, index) => {
    const file = path.join(dir, `generated-${index}-${workload.file}`);
    writeFileSync(file, workload.text);
    const runner = readManifests(file, checkedKubernetesTypes).resources.map((r) => r.props);
    const kubectl = kubectlObjects(file);
    expect(kubectl.error).toBeUndefined();
    expect(runner.map(labelled)).toEqual(kubectl.objects);
  });

  const refused = hostileEncodings.filter((encoding) => encoding.refused);
  test.each(refused.map((encoding, index) => [encoding.name, encoding, index] as const))(
    "%s: refused by the runner; kubectl as the shared module says",
    (_name, encoding, index) => {
      const file = written(encoding, 1000 + index);
      expect(() => readManifests(file, checkedKubernetesTypes)).toThrow(encoding.refused!.message);
      expect(kubectlObjects(file).error !== undefined).toBe(encoding.refused!.byKubectl);
    },
  );
});
