// The policy runner's input from a mocked run: the same plan gives the same input, and so the
// same findings in the same order, whatever order the SDK registered it in.
import type { ProgramRun, RegisteredResource } from "../tools/engine/mock-engine";
import { toRunnerResources } from "../tools/policy-resources";

function resource(name: string): RegisteredResource {
  return {
    type: "kubernetes:core/v1:ConfigMap",
    name,
    urn: `urn:pulumi:unit::toolboxai::kubernetes:core/v1:ConfigMap::${name}`,
    dependencies: [],
    custom: true,
    protect: false,
    retainOnDelete: false,
    inputs: { metadata: { name } },
    redactedInputs: { metadata: { name } },
  };
}

const runOf = (resources: RegisteredResource[]): ProgramRun => ({
  stack: "unit",
  resources,
  outputs: {},
  redactedOutputs: {},
  warnings: [],
});

test("resources reach the policies by URN, whatever order they were registered in", () => {
  const registered = ["gateway", "backend", "postgres"].map(resource);
  const names = (run: ProgramRun) => toRunnerResources(run).map((each) => each.name);
  expect(names(runOf(registered))).toEqual(["backend", "gateway", "postgres"]);
  expect(names(runOf([...registered].reverse()))).toEqual(["backend", "gateway", "postgres"]);
  expect(toRunnerResources(runOf(registered))[0]).toEqual({
    type: "kubernetes:core/v1:ConfigMap",
    name: "backend",
    urn: "urn:pulumi:unit::toolboxai::kubernetes:core/v1:ConfigMap::backend",
    props: { metadata: { name: "backend" } },
    parent: undefined,
    dependencies: [],
  });
});
