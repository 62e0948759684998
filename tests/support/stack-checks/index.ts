// Checks every stack must pass, run against the real program with the real stack file. Each
// stack has its own test file (the SDK's runtime is global per process; jest isolates files).
// The program runs once per stack and worker (beforeAll, ../program-runs.ts); the groups of
// checks, one file each, share it.
import { isKubernetesObject } from "../../../tools/engine/render";
import { readStackConfig } from "../../../tools/engine/stack-config";
import type { ProgramRun } from "../../../tools/engine/mock-engine";
import { sharedProgramRun } from "../program-runs";
import { admissionChecks } from "./admission";
import { backupChecks } from "./backups";
import { operatedPods, podKinds, type StackContext, type StackExpectations } from "./context";
import { outputChecks } from "./outputs";
import { securityChecks } from "./security";
import { workloadChecks } from "./workloads";

export { modelFor, type StackExpectations } from "./context";

/* eslint-disable @typescript-eslint/no-explicit-any -- manifests are untyped JSON here */

export function describeStack(stack: string, expected: StackExpectations): void {
  const over = Object.entries(expected.overrides ?? {});
  const title = `Pulumi.${stack}.yaml${over.map(([key, value]) => `, ${key}=${value}`).join("")}`;
  describe(`stack ${stack} (${title})`, () => {
    const namespaces = {
      platform: expected.namespace,
      monitoring: `${expected.namespace}-monitoring`,
      nodeExporter: `${expected.namespace}-node-exporter`,
      // The operator's Stack and workspace, where the stack delivers itself.
      ...(expected.delivery === "operator" ? { delivery: `${expected.namespace}-delivery` } : {}),
      // The CloudNativePG operator the stack installs.
      ...(expected.database ? { postgresOperator: "cnpg-system" } : {}),
    };
    let run: ProgramRun;
    beforeAll(async () => {
      const config = readStackConfig(stack);
      for (const [key, value] of over) config.values[key] = value;
      for (const [key, value] of Object.entries(expected.secrets ?? {})) {
        config.values[key] = value;
        config.secretKeys.push(key);
      }
      run = await sharedProgramRun(stack, { config });
    });

    const pods = () => [
      ...run.resources
        .filter(
          (resource) => isKubernetesObject(resource) && podKinds.has(String(resource.inputs.kind)),
        )
        .map((resource) => resource.inputs as any),
      ...run.resources
        .filter((resource) => isKubernetesObject(resource) && resource.inputs.kind === "Cluster")
        .map((resource) => operatedPods(resource.inputs)),
    ];
    const context: StackContext = { stack, expected, namespaces, run: () => run, pods };
    workloadChecks(context);
    backupChecks(context);
    securityChecks(context);
    admissionChecks(context);
    outputChecks(context);
  });
}
