// A stack's policy config (policies/config/<stack>.json): read, checked as the Pulumi CLI checks
// it (`--policy-pack-config`: every entry names a policy of the pack or `all`, with a level and
// settings its configSchema allows), and resolved per policy as the CLI resolves it. The pack's
// runner, its tools and the program (which binds the same levels at admission) share it.
import { readFileSync } from "node:fs";
import type { EnforcementLevel, Policy, PolicyPackConfig } from "@pulumi/policy";
import Ajv from "ajv";
import { closest } from "fastest-levenshtein";

export const enforcementLevels: readonly EnforcementLevel[] = [
  "advisory",
  "mandatory",
  "remediate",
  "disabled",
];

export function readPolicyConfig(file: string): PolicyPackConfig {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new Error(`cannot read policy config ${file}: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text) as PolicyPackConfig;
  } catch (error) {
    throw new Error(`policy config ${file} is not valid JSON: ${(error as Error).message}`);
  }
}

/** The enforcement level and config the CLI would hand this policy. */
export function resolvePolicy(
  policy: Policy,
  config: PolicyPackConfig = {},
  packLevel: EnforcementLevel = "advisory",
): { enforcement: EnforcementLevel; properties: Record<string, unknown> } {
  const entry = config[policy.name];
  const all = config.all;
  const fromEntry = typeof entry === "string" ? entry : entry?.enforcementLevel;
  const fromAll = typeof all === "string" ? all : all?.enforcementLevel;
  const enforcement = fromEntry ?? fromAll ?? policy.enforcementLevel ?? packLevel;
  const defaults = Object.fromEntries(
    Object.entries(policy.configSchema?.properties ?? {})
      .filter(([, schema]) => schema.default !== undefined)
      .map(([key, schema]) => [key, schema.default]),
  );
  const explicit = typeof entry === "object" && entry !== null ? { ...entry } : {};
  delete (explicit as { enforcementLevel?: unknown }).enforcementLevel;
  return { enforcement, properties: { ...defaults, ...explicit } };
}

/**
 * What is wrong with `config` as a policy config for `policies`, one message per problem, each
 * naming the entry (and the setting) and what is allowed; empty when the CLI would accept it.
 */
export function policyConfigProblems(config: unknown, policies: readonly Policy[]): string[] {
  if (typeof config !== "object" || config === null || Array.isArray(config)) {
    return ["must be a JSON object of policy names (or all) to a level or settings"];
  }
  const byName = new Map(policies.map((policy) => [policy.name, policy]));
  const names = ["all", ...byName.keys()];
  const ajv = new Ajv({ allErrors: true, strict: false });
  return Object.entries(config).flatMap(([name, entry]): string[] => {
    if (!names.includes(name)) {
      return [`${name}: is not a policy of the pack (did you mean ${closest(name, names)}?)`];
    }
    const level = typeof entry === "object" && entry !== null ? entry.enforcementLevel : entry;
    const levels = `one of ${enforcementLevels.join(", ")}`;
    if (typeof entry !== "string" && (typeof entry !== "object" || entry === null)) {
      return [`${name}: must be a level (${levels}) or an object of settings`];
    }
    if (level !== undefined && !enforcementLevels.includes(level)) {
      return [`${name}: level ${JSON.stringify(level)} is not ${levels}`];
    }
    if (typeof entry === "string") return [];
    const settings = { ...entry };
    delete settings.enforcementLevel;
    const schema = byName.get(name)?.configSchema;
    const validate = ajv.compile({
      type: "object",
      properties: schema?.properties ?? {},
      required: schema?.required ?? [],
      additionalProperties: false,
    });
    if (validate(settings)) return [];
    return (validate.errors ?? []).map((error) => {
      const setting = `${name}${error.instancePath.replaceAll("/", ".")}`;
      const extra = (error.params as { additionalProperty?: string }).additionalProperty;
      return extra
        ? `${setting}: has no setting ${extra} (its settings: ${
            Object.keys(schema?.properties ?? {}).join(", ") || "none"
          })`
        : `${setting}: ${error.message}`;
    });
  });
}
