// A mocked program run as the policy runner's input: inputs as the engine hands them to
// policies (secrets unwrapped), with parents and dependencies.
import type { RunnerResource } from "../policies/runner";
import { byUrn } from "./engine/by-urn";
import type { ProgramRun } from "./engine/mock-engine";

export function toRunnerResources(run: ProgramRun): RunnerResource[] {
  // The findings must not vary with the SDK's registration order.
  return byUrn(run.resources).map((resource) => ({
    type: resource.type,
    name: resource.name,
    urn: resource.urn,
    props: resource.inputs,
    parent: resource.parent,
    dependencies: resource.dependencies,
  }));
}
