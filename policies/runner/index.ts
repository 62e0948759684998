// An in-process policy runner that gives each validator what the engine's analyzer gives it
// (@pulumi/policy 1.21 server.js): props behind `unknownCheckingProxy` with unknowns as the
// engine's marker string (a policy that reads one gets an advisory "can't run"), secrets unwrapped,
// `getConfig` from the policy config file with the configSchema defaults the CLI fills in,
// `notApplicable` that throws and is caught, `stackTags`, and stack resources linked to their
// parents and dependencies. Resource policies run before stack policies, in pack order.
import type {
  EnforcementLevel,
  Policies,
  PolicyPackConfig,
  PolicyResource,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  Severity,
  StackValidationPolicy,
} from "@pulumi/policy";
// The proxy module itself, not "@pulumi/policy": that index loads @pulumi/pulumi (over a second),
// proxy.js requires nothing. Its .d.ts omits these @internal exports, so their types are here.
import * as policyProxy from "@pulumi/policy/proxy";
import { resetExemptions } from "../lib/exemptions";
import { objectRef } from "../lib/kubernetes";
import { resolvePolicy } from "../lib/policy-config";

export { readPolicyConfig, resolvePolicy } from "../lib/policy-config";

/* eslint-disable @typescript-eslint/no-explicit-any -- props are untyped JSON */

const { unknownCheckingProxy, UnknownValueError, unknownStringValue } = policyProxy as unknown as {
  /** Wraps props so that reading a value unknown during preview throws UnknownValueError. */
  unknownCheckingProxy(props: Record<string, unknown>): Record<string, unknown>;
  UnknownValueError: new (...args: any[]) => Error;
  unknownStringValue: string;
};

/**
 * The engine's marker for a value not known until the update (the SDK's `runtime.unknownValue`).
 * The engine sends every unknown to the analyzer as this string, whatever its type, and policies
 * see it behind `unknownCheckingProxy`, which throws UnknownValueError ("string value at … can't
 * be known during preview") when one is read.
 */
export const unknownValue: string = unknownStringValue;

/** The SDK's in-process unknown (`pulumi.unknown`), recognised without loading @pulumi/pulumi. */
function isSdkUnknown(value: unknown): boolean {
  return (value as { __pulumiUnknown?: unknown } | null)?.__pulumiUnknown === true;
}

/**
 * Props as the analyzer receives them: an SDK unknown (from inputs deserialized with
 * keepUnknowns) becomes the engine's marker string, so reading it is a "can't run" as under the
 * engine rather than an empty object. Plain objects and arrays are copied; anything else is kept.
 */
export function asAnalyzerSees(value: unknown): unknown {
  if (isSdkUnknown(value)) return unknownValue;
  if (Array.isArray(value)) return value.map(asAnalyzerSees);
  if (value !== null && typeof value === "object") {
    const prototype = Object.getPrototypeOf(value);
    if (prototype !== Object.prototype && prototype !== null) return value;
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, asAnalyzerSees(item)]),
    );
  }
  return value;
}

export interface RunnerResource {
  readonly type: string;
  /** Pulumi logical name. */
  readonly name: string;
  readonly urn: string;
  /**
   * Inputs, secrets unwrapped. A value unknown during a preview is `unknownValue` (as the engine
   * sends it) or the SDK's `pulumi.unknown`; policies that read either get a "can't run".
   */
  readonly props: Record<string, unknown>;
  /** Where it was read, for messages: a manifest's file, document and list item. */
  readonly source?: string;
  readonly parent?: string;
  readonly dependencies?: readonly string[];
}

export interface Finding {
  readonly policy: string;
  readonly severity: Severity | undefined;
  readonly enforcement: EnforcementLevel;
  readonly resource?: {
    readonly type: string;
    readonly name: string;
    readonly urn: string;
    readonly kind: string;
    readonly namespace?: string;
    /** Where it was read (RunnerResource.source), for manifests. */
    readonly source?: string;
  };
  readonly message: string;
}

export interface RunOptions {
  /** Contents of a policy config file (policy name or "all" → level or {enforcementLevel, …}). */
  readonly config?: PolicyPackConfig;
  readonly stackTags?: ReadonlyMap<string, string>;
  /** Level for policies that set none; the pack's own default. */
  readonly packEnforcementLevel?: EnforcementLevel;
}

class NotApplicable extends Error {}

function isTypeOf(type: string, resourceClass: any): boolean {
  return resourceClass?.__pulumiType === type;
}

function describeResource(resource: RunnerResource): NonNullable<Finding["resource"]> {
  const ref = objectRef(resource.type, resource.props, resource.name);
  return {
    type: resource.type,
    name: ref.name,
    urn: resource.urn,
    kind: ref.kind,
    ...(ref.namespace ? { namespace: ref.namespace } : {}),
    ...(resource.source ? { source: resource.source } : {}),
  };
}

function policyResources(resources: readonly RunnerResource[]): PolicyResource[] {
  const byUrn = new Map<string, PolicyResource & { parent?: PolicyResource }>();
  for (const resource of resources) {
    const props = unknownCheckingProxy(resource.props) as Record<string, any>;
    byUrn.set(resource.urn, {
      type: resource.type,
      props,
      urn: resource.urn,
      name: resource.name,
      opts: {} as PolicyResource["opts"],
      dependencies: [],
      propertyDependencies: {},
      isType: (resourceClass) => isTypeOf(resource.type, resourceClass),
      asType: (resourceClass) =>
        isTypeOf(resource.type, resourceClass) ? (props as any) : undefined,
    });
  }
  for (const resource of resources) {
    const linked = byUrn.get(resource.urn)!;
    if (resource.parent) linked.parent = byUrn.get(resource.parent);
    linked.dependencies.push(
      ...(resource.dependencies ?? []).flatMap((urn) => byUrn.get(urn) ?? []),
    );
  }
  return resources.map((resource) => byUrn.get(resource.urn)!);
}

export interface PolicyRun {
  readonly findings: Finding[];
  /**
   * URN → the resource policies that read that resource (ran without calling notApplicable),
   * in pack order; a resource no resource policy read maps to an empty list.
   */
  readonly readBy: ReadonlyMap<string, readonly string[]>;
}

/** Runs every policy of the pack over the resources, as `pulumi preview --policy-pack` would. */
export async function runPolicies(
  policies: Policies,
  resources: readonly RunnerResource[],
  options: RunOptions = {},
): Promise<Finding[]> {
  return (await runPolicyPack(policies, resources, options)).findings;
}

/** `runPolicies`, and which resource policies read each resource. */
export async function runPolicyPack(
  policies: Policies,
  given: readonly RunnerResource[],
  options: RunOptions = {},
): Promise<PolicyRun> {
  resetExemptions();
  const resources = given.map((resource) => ({
    ...resource,
    props: asAnalyzerSees(resource.props) as Record<string, unknown>,
  }));
  const findings: Finding[] = [];
  const readBy = new Map<string, string[]>(resources.map((resource) => [resource.urn, []]));
  const stackTags = options.stackTags ?? new Map<string, string>();
  const throwNotApplicable = (reason?: string): never => {
    throw new NotApplicable(reason);
  };
  const resolved = policies.map((policy) => ({
    policy,
    ...resolvePolicy(policy, options.config, options.packEnforcementLevel),
  }));

  for (const resource of resources) {
    const readers = readBy.get(resource.urn)!;
    for (const { policy, enforcement, properties } of resolved) {
      if (enforcement === "disabled" || !("validateResource" in policy)) continue;
      const validations = [(policy as ResourceValidationPolicy).validateResource].flat();
      const markRead = () => {
        if (!readers.includes(policy.name)) readers.push(policy.name);
      };
      for (const validation of validations) {
        if (!validation) continue;
        const report = (message: string) =>
          findings.push({
            policy: policy.name,
            severity: policy.severity,
            enforcement: enforcement === "remediate" ? "mandatory" : enforcement,
            resource: describeResource(resource),
            message,
          });
        const props = unknownCheckingProxy(resource.props) as Record<string, any>;
        const args: ResourceValidationArgs = {
          type: resource.type,
          props,
          urn: resource.urn,
          name: resource.name,
          opts: {} as ResourceValidationArgs["opts"],
          stackTags,
          isType: (resourceClass) => isTypeOf(resource.type, resourceClass),
          asType: (resourceClass) =>
            isTypeOf(resource.type, resourceClass) ? (props as any) : undefined,
          getConfig: <T extends object>() => properties as T,
          notApplicable: throwNotApplicable,
        };
        try {
          await validation(args, report);
          markRead();
        } catch (error) {
          if (error instanceof NotApplicable) continue;
          markRead();
          if (error instanceof UnknownValueError) {
            findings.push({
              policy: policy.name,
              severity: policy.severity,
              enforcement: "advisory",
              resource: describeResource(resource),
              message: `can't run policy '${policy.name}' during preview: ${(error as Error).message}`,
            });
            continue;
          }
          // A policy that breaks on an object must say which: the file and document of a
          // manifest, the URN of a stack resource.
          throw new Error(
            `${resource.source ?? resource.urn}: policy '${policy.name}' failed on this ` +
              `${describeResource(resource).kind}: ${error instanceof Error ? error.message : String(error)}`,
            { cause: error },
          );
        }
      }
    }
  }

  const stackResources = policyResources(resources);
  const byUrn = new Map(resources.map((resource) => [resource.urn, resource]));
  for (const { policy, enforcement, properties } of resolved) {
    if (enforcement === "disabled" || !("validateStack" in policy)) continue;
    const report = (message: string, urn?: string) => {
      const resource = urn ? byUrn.get(urn) : undefined;
      findings.push({
        policy: policy.name,
        severity: policy.severity,
        enforcement: enforcement === "remediate" ? "mandatory" : enforcement,
        ...(resource ? { resource: describeResource(resource) } : {}),
        message,
      });
    };
    try {
      await (policy as StackValidationPolicy).validateStack(
        {
          resources: stackResources,
          stackTags,
          getConfig: <T extends object>() => properties as T,
          notApplicable: throwNotApplicable,
        },
        report,
      );
    } catch (error) {
      if (error instanceof NotApplicable) continue;
      // A stack policy reads every object: it cannot say which one it failed on.
      throw new Error(
        `policy '${policy.name}' failed on the stack's objects: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }
  return { findings, readBy };
}
