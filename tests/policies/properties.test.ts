// Property-based: compliant workloads pass the pod-security rules whatever the encoding, and the
// same workloads with one insecure field are caught whatever the encoding (YAML 1.1 boolean and
// Go integer forms, merge keys that override the key before them, flow or block style, JSON,
// inside `kind: List` or a typed list, after a decoy document; ./hostile-encodings generates
// them). Each case goes through the file reader and the runner, as `npm run policy --
// --manifests` does. A failing case is printed with its encoded text, shrunk to a minimal one.
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import fc from "fast-check";
import { checkedKubernetesTypes } from "../../policies/lib/kubernetes";
import { policies } from "../../policies/pack";
import { runPolicyPack } from "../../policies/runner";
import { readManifests } from "../../policies/runner/manifests";
import { tempDir } from "../support/temp";
import { compliantWorkloads, insecureWorkloads, mutations } from "./hostile-encodings";

/** The rules the mutations break; running only them keeps a few hundred runs under seconds. */
const judges = policies.filter((policy) =>
  Object.values(mutations).some((mutation) => mutation.policy === policy.name),
);

let dir: string;
beforeAll(() => {
  dir = tempDir("toolboxai-properties-");
});

/** Reads the text as `--manifests` does and runs the judging rules on it. */
async function judge(file: string, text: string) {
  const target = path.join(dir, file);
  writeFileSync(target, text);
  const { resources } = readManifests(target, checkedKubernetesTypes);
  const { findings } = await runPolicyPack(judges, resources, {
    packEnforcementLevel: "mandatory",
  });
  return { resources, findings };
}

const runs = { numRuns: 100 };

test("compliant workloads pass the pod-security rules in every encoding", async () => {
  await fc.assert(
    fc.asyncProperty(compliantWorkloads, async ({ kind, file, text }) => {
      const { resources, findings } = await judge(file, text);
      expect(resources.map((resource) => resource.props.kind)).toContain(kind);
      expect(findings).toEqual([]);
    }),
    runs,
  );
});

test("one insecure field is caught in every encoding", async () => {
  await fc.assert(
    fc.asyncProperty(insecureWorkloads, async ({ kind, mutation, file, text }) => {
      const { findings } = await judge(file, text);
      expect(
        findings.filter((finding) => finding.policy === mutations[mutation!].policy),
      ).toContainEqual(
        expect.objectContaining({
          enforcement: "mandatory",
          resource: expect.objectContaining({ kind }),
        }),
      );
    }),
    runs,
  );
});
