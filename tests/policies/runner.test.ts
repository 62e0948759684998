// The in-process runner gives validators what the engine gives them.
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import type * as Runner from "../../policies/runner";
import { exemptionsInUse } from "../../policies/lib/exemptions";
import {
  resolvePolicy,
  runPolicies,
  runPolicyPack,
  unknownValue,
  type RunnerResource,
} from "../../policies/runner";
import { unknown as sdkUnknown } from "@pulumi/pulumi/output";
import { noPrivileged } from "../../policies/security";
import { clone, compliantDeployment, resourceOf } from "./support";

/* eslint-disable @typescript-eslint/no-explicit-any -- captured args are inspected loosely */

const deployment = resourceOf(compliantDeployment());

/** What the engine sends for an input not known until the update. */
const unknownMarker = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

test("props are behind unknownCheckingProxy: reading an unknown becomes an advisory can't-run", async () => {
  const unknown = clone(compliantDeployment());
  // The engine's marker for a value not known until apply.
  unknown.spec.template.spec.containers[0].image = unknownMarker;
  const readsImage: ResourceValidationPolicy = {
    name: "reads-image",
    description: "test",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
      reportViolation(`image is ${args.props.spec.template.spec.containers[0].image}`);
    },
  };
  const findings = await runPolicies([readsImage], [resourceOf(unknown)]);
  expect(findings).toEqual([
    expect.objectContaining({ policy: "reads-image", enforcement: "advisory" }),
  ]);
  expect(findings[0].message).toMatch(/^can't run policy 'reads-image' during preview: /);
});

test("the SDK's own unknown (inputs deserialized with keepUnknowns) is unknown too, not an object", async () => {
  const unknown = clone(compliantDeployment());
  // As `pulumi.runtime.deserializeProperties(..., true)` returns an unknown during a preview.
  unknown.spec.template.metadata.annotations = { "checksum.toolboxai.io/secrets": sdkUnknown };
  const readsAnnotations: ResourceValidationPolicy = {
    name: "reads-annotations",
    description: "test",
    enforcementLevel: "mandatory",
    validateResource: (args) => {
      Object.entries(args.props.spec.template.metadata.annotations);
    },
  };
  const findings = await runPolicies([readsAnnotations], [resourceOf(unknown)]);
  expect(findings.map((finding) => [finding.enforcement, finding.message])).toEqual([
    [
      "advisory",
      "can't run policy 'reads-annotations' during preview: string value at " +
        ".spec.template.metadata.annotations.checksum.toolboxai.io/secrets can't be known " +
        "during preview",
    ],
  ]);
  expect(unknownValue).toBe(unknownMarker);
});

test("notApplicable throws and is caught; other types are skipped silently", async () => {
  const service = resourceOf({ apiVersion: "v1", kind: "Service", metadata: { name: "api" } });
  expect(await runPolicies([noPrivileged], [service])).toEqual([]);
});

test("runPolicyPack says which resource policies read each resource", async () => {
  const service = resourceOf({ apiVersion: "v1", kind: "Service", metadata: { name: "api" } });
  const { findings, readBy } = await runPolicyPack([noPrivileged], [deployment, service]);
  expect(findings).toEqual([]);
  expect(readBy).toEqual(
    new Map([
      [deployment.urn, ["no-privileged-containers"]],
      [service.urn, []],
    ]),
  );
  const disabled = await runPolicyPack([noPrivileged], [deployment], {
    config: { "no-privileged-containers": "disabled" },
  });
  expect(disabled.readBy.get(deployment.urn)).toEqual([]);
});

test("the runner does not load @pulumi/pulumi (the proxy comes from @pulumi/policy/proxy)", async () => {
  const loaded: string[] = [];
  await jest.isolateModulesAsync(async () => {
    jest.doMock("@pulumi/pulumi", () => {
      loaded.push("@pulumi/pulumi");
      return {};
    });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const runner = require("../../policies/runner") as typeof Runner;
    expect(await runner.runPolicies([noPrivileged], [deployment])).toEqual([]);
  });
  jest.dontMock("@pulumi/pulumi");
  expect(loaded).toEqual([]);
});

test("getConfig returns schema defaults overlaid by the config file; levels resolve like the CLI", () => {
  expect(resolvePolicy(noPrivileged, {}, "mandatory")).toEqual({
    enforcement: "mandatory",
    properties: { exemptions: [] },
  });
  expect(resolvePolicy(noPrivileged, { all: "advisory" }).enforcement).toBe("advisory");
  expect(
    resolvePolicy(noPrivileged, {
      all: "advisory",
      "no-privileged-containers": { enforcementLevel: "disabled", exemptions: [] },
    }),
  ).toEqual({ enforcement: "disabled", properties: { exemptions: [] } });
});

test("disabled policies do not run; remediate is reported as mandatory", async () => {
  const privileged = clone(compliantDeployment());
  privileged.spec.template.spec.containers[0].securityContext.privileged = true;
  const resource = resourceOf(privileged);
  expect(
    await runPolicies([noPrivileged], [resource], {
      config: { "no-privileged-containers": "disabled" },
    }),
  ).toEqual([]);
  const findings = await runPolicies([noPrivileged], [resource], {
    config: { "no-privileged-containers": "remediate" },
  });
  expect(findings.map((finding) => finding.enforcement)).toEqual(["mandatory"]);
  expect(findings[0].resource).toEqual({
    type: "kubernetes:apps/v1:Deployment",
    name: "api",
    urn: resource.urn,
    kind: "Deployment",
    namespace: "toolboxai",
  });
});

test("stack policies see resources linked to parents and dependencies, and stackTags", async () => {
  const seen: any = {};
  const inspect: StackValidationPolicy = {
    name: "inspect",
    description: "test",
    enforcementLevel: "advisory",
    validateStack: (args) => {
      const child = args.resources.find((resource) => resource.name === "child")!;
      seen.parent = child.parent?.name;
      seen.dependencies = child.dependencies.map((resource) => resource.name);
      seen.tag = args.stackTags.get("team");
    },
  };
  const parent: RunnerResource = {
    type: "toolboxai:app:Backend",
    name: "parent",
    urn: "u:parent",
    props: {},
  };
  const dependency = { ...deployment, name: "dep", urn: "u:dep" };
  const child = {
    ...deployment,
    name: "child",
    urn: "u:child",
    parent: "u:parent",
    dependencies: ["u:dep"],
  };
  await runPolicies([inspect], [parent, dependency, child], {
    stackTags: new Map([["team", "platform"]]),
  });
  expect(seen).toEqual({ parent: "parent", dependencies: ["dep"], tag: "platform" });
});

test("an exemption skips the object and is reported by policy-exemptions-in-use", async () => {
  const privileged = clone(compliantDeployment());
  privileged.spec.template.spec.containers[0].securityContext.privileged = true;
  const findings = await runPolicies([noPrivileged, exemptionsInUse], [resourceOf(privileged)], {
    config: {
      "no-privileged-containers": {
        exemptions: [
          { namespace: "toolboxai", name: "api", reason: "needs the host's GPU driver" },
        ],
      },
    },
  });
  expect(findings).toEqual([
    {
      policy: "policy-exemptions-in-use",
      severity: "low",
      enforcement: "advisory",
      message:
        "Deployment toolboxai/api is exempted from no-privileged-containers: needs the host's GPU driver",
    },
  ]);
  // The next run starts with a clean record.
  expect(await runPolicies([exemptionsInUse], [])).toEqual([]);
});
