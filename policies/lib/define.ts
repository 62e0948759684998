// Policy factories: one place that turns a rule (a pure `check` returning messages) into a
// CrossGuard policy with exemptions, notApplicable for other types, and messages that name the
// object. Domain modules only write checks.
import type {
  EnforcementLevel,
  PolicyConfigSchema,
  PolicyResource,
  ResourceValidationPolicy,
  Severity,
  StackValidationPolicy,
} from "@pulumi/policy";
import type { AdmissionForm } from "./admission-form";
import { exemptionsSchema, findExemption, recordExemption, type Exemption } from "./exemptions";
import {
  containersOf,
  describeRef,
  objectRef,
  podTemplatesOf,
  type ContainerEntry,
  type ObjectRef,
} from "./kubernetes";

/* eslint-disable @typescript-eslint/no-explicit-any -- policy props are untyped JSON */

export interface RuleInfo {
  /** kebab-case, unique in the pack. */
  readonly name: string;
  readonly description: string;
  readonly severity: Severity;
  /** Exactly what to change, in the stack file or the component. */
  readonly remediationSteps: string;
  /** The default; per-stack config files may override it. */
  readonly enforcementLevel: EnforcementLevel;
  /** Thresholds and lists that are a choice; `exemptions` is added to every policy. */
  readonly config?: PolicyConfigSchema["properties"];
  /** The same rule in CEL, for the API server to enforce at admission; none: pack-only. */
  readonly admission?: AdmissionForm;
  /** Why a rule over one object cannot be judged at admission (the docs list it). */
  readonly packOnly?: string;
}

/** A policy of the pack over single resources, with its admission form when it has one. */
export type PackResourcePolicy = ResourceValidationPolicy & {
  readonly admission?: AdmissionForm;
  readonly packOnly?: string;
};

/**
 * The `minimumId` setting shared by every rule on user and group IDs: the source design's floor
 * (1001); components run at 10001, above it.
 */
export function minimumIdConfig(what: string): PolicyConfigSchema["properties"][string] {
  return {
    type: "integer",
    minimum: 1,
    default: 1001,
    description: `Lowest allowed ${what} (the source design's 1001).`,
  };
}

/**
 * The `allowedCapabilities` setting shared by capabilities-drop-all and its Docker twin, so that a
 * stack's list means the same on both platforms.
 */
export const allowedCapabilitiesConfig: PolicyConfigSchema["properties"][string] = {
  type: "array",
  items: { type: "string" },
  default: ["NET_BIND_SERVICE"],
  description:
    "Capabilities a container may add back after dropping ALL, spelled exactly as Pod Security " +
    "compares them (upper case, no CAP_ prefix).",
};

/** The `requireDigest` setting shared by image-digest and docker-image-pinned. */
export const requireDigestConfig: PolicyConfigSchema["properties"][string] = {
  type: "boolean",
  default: false,
  description:
    "Require `@sha256:<64 hex digits>` digests (on Docker, or image IDs), not only version tags " +
    "(off by default).",
};

/** The config a check receives: the policy's schema defaults overlaid by the stack's file. */
export type RuleConfig = Record<string, any> & { readonly exemptions?: readonly Exemption[] };

export interface ResourceView {
  readonly type: string;
  readonly ref: ObjectRef;
  readonly props: any;
}

export interface PodView extends ResourceView {
  /** Where the pod spec sits in the object: `spec.template.spec`, `spec`, … */
  readonly podPath: string;
  readonly podMetadata: any;
  readonly podSpec: any;
  readonly containers: readonly ContainerEntry[];
}

function schemaOf(info: RuleInfo): PolicyConfigSchema {
  return { properties: { ...info.config, exemptions: exemptionsSchema } };
}

function policyFields(info: RuleInfo) {
  return {
    name: info.name,
    description: info.description,
    severity: info.severity,
    remediationSteps: info.remediationSteps,
    enforcementLevel: info.enforcementLevel,
    configSchema: schemaOf(info),
  };
}

/** A rule over single resources of the given types (or shapes: `props` is the object). */
export function resourceRule(
  info: RuleInfo & {
    readonly appliesTo: (type: string, props: any) => boolean;
    readonly check: (resource: ResourceView, config: RuleConfig) => readonly string[];
  },
): PackResourcePolicy {
  return {
    ...policyFields(info),
    ...(info.admission ? { admission: info.admission } : {}),
    ...(info.packOnly ? { packOnly: info.packOnly } : {}),
    validateResource: (args, reportViolation) => {
      if (!info.appliesTo(args.type, args.props)) {
        args.notApplicable("applies to other resource types");
      }
      const config = args.getConfig<RuleConfig>();
      const ref = objectRef(args.type, args.props, args.name);
      const exemption = findExemption(config.exemptions, ref);
      if (exemption) {
        recordExemption(info.name, ref, exemption.reason);
        return;
      }
      for (const message of info.check({ type: args.type, ref, props: args.props }, config)) {
        reportViolation(`${describeRef(ref)}: ${message}`);
      }
    },
  };
}

/**
 * A rule over the pod template of every object that runs pods, whatever its kind
 * (`podTemplatesOf`). An object with more than one template gets each judged, and its messages
 * say which.
 */
export function podRule(
  info: RuleInfo & { readonly check: (pod: PodView, config: RuleConfig) => readonly string[] },
): PackResourcePolicy {
  return resourceRule({
    ...info,
    appliesTo: (type, props) => podTemplatesOf(type, props).length > 0,
    check: (resource, config) => {
      const templates = podTemplatesOf(resource.type, resource.props);
      return templates.flatMap((template) => {
        const messages = info.check(
          {
            ...resource,
            podPath: template.path,
            podMetadata: template.metadata,
            podSpec: template.spec,
            containers: containersOf(template.spec),
          },
          config,
        );
        return templates.length > 1
          ? messages.map((message) => `pod template at ${template.path}: ${message}`)
          : messages;
      });
    },
  });
}

export interface StackFinding {
  /** The resource the finding is about; its ref decides exemptions. Omit for stack-wide ones. */
  readonly resource?: PolicyResource;
  readonly message: string;
}

/** A rule over the whole stack: what no single resource shows. */
export function stackRule(
  info: RuleInfo & {
    readonly check: (resources: readonly PolicyResource[], config: RuleConfig) => StackFinding[];
  },
): StackValidationPolicy {
  return {
    ...policyFields(info),
    validateStack: (args, reportViolation) => {
      const config = args.getConfig<RuleConfig>();
      for (const finding of info.check(args.resources, config)) {
        if (!finding.resource) {
          reportViolation(finding.message);
          continue;
        }
        const ref = objectRef(finding.resource.type, finding.resource.props, finding.resource.name);
        const exemption = findExemption(config.exemptions, ref);
        if (exemption) {
          recordExemption(info.name, ref, exemption.reason);
          continue;
        }
        reportViolation(`${describeRef(ref)}: ${finding.message}`, finding.resource.urn);
      }
    },
  };
}
