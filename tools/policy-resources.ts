// A mocked program run as the policy runner's input: inputs as the engine hands them to
// policies (secrets unwrapped), with parents and dependencies.
import type { RunnerResource } from "../policies/runner";
import type { ProgramRun } from "./engine/mock-engine";

export function toRunnerResources(run: ProgramRun): RunnerResource[] {
  // By URN: the SDK's registration order varies from run to run, and the findings must not.
  const byUrn = [...run.resources].sort((a, b) => (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0));
  return byUrn.map((resource) => ({
    type: resource.type,
    name: resource.name,
    urn: resource.urn,
    props: resource.inputs,
    parent: resource.parent,
    dependencies: resource.dependencies,
  }));
}
