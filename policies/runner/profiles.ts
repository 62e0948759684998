// Profiles: overlays on an env's policy config (policies/config/<env>.json) for YAML this program
// did not render, e.g. `npm run policy -- --manifests vendor/ --profile portable`. A profile is
// data, policies/config/profiles/<name>.json: for every policy of the pack a decision, `kept`
// (the env's level stands) or `advisory` (a mandatory level becomes advisory), with the reason,
// and optionally settings that replace the env's (e.g. a house threshold). A profile only
// relaxes: it never raises a level, and exemptions stay in the env's file.
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import type { Policies, PolicyPackConfig } from "@pulumi/policy";
import { resolvePolicy } from "./index";

export const profileDecisions = ["kept", "advisory"] as const;
export type ProfileDecision = (typeof profileDecisions)[number];

export interface ProfileEntry {
  /** `kept`: the env's level stands; `advisory`: a mandatory (or remediate) level is lowered. */
  readonly decision: ProfileDecision;
  /** Why: a security property, a house convention, or context only the program has. */
  readonly reason: string;
  /** Settings of the policy's configSchema that replace the env's under this profile. */
  readonly settings?: Readonly<Record<string, unknown>>;
}

export interface Profile {
  readonly name: string;
  /** What the profile is for, one sentence. */
  readonly description: string;
  /** Policy name → decision. A policy not listed is kept (the test requires all listed). */
  readonly policies: Readonly<Record<string, ProfileEntry>>;
}

/** The profiles' folder under a project root. */
export function profilesDir(root: string): string {
  return path.join(root, "policies", "config", "profiles");
}

/** The names of policies/config/profiles/<name>.json, sorted; none when the folder is absent. */
export function profileNames(dir: string): string[] {
  let files: string[];
  try {
    files = readdirSync(dir);
  } catch {
    return [];
  }
  return files
    .filter((file) => file.endsWith(".json"))
    .map((file) => file.slice(0, -".json".length))
    .sort();
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * A profile file's contents checked against the pack: a description, and under `policies` only
 * names of the pack, each with a decision, a reason and settings its configSchema declares.
 * Throws naming the file, the key, the value and the fix.
 */
export function validateProfile(
  name: string,
  file: string,
  data: unknown,
  policies: Policies,
): Profile {
  const fail = (message: string): never => {
    throw new Error(`profile ${file}: ${message}`);
  };
  if (!isRecord(data)) return fail("must be a JSON object with `description` and `policies`");
  const unknownKeys = Object.keys(data).filter((key) => !["description", "policies"].includes(key));
  if (unknownKeys.length > 0) {
    fail(`unknown key(s) ${unknownKeys.join(", ")}; a profile has only description and policies`);
  }
  if (typeof data.description !== "string" || data.description.trim() === "") {
    fail("`description` must be a sentence saying what the profile is for");
  }
  if (!isRecord(data.policies)) return fail("`policies` must map policy names to decisions");
  const byName = new Map(policies.map((policy) => [policy.name, policy]));
  const entries: Record<string, ProfileEntry> = {};
  for (const [policyName, entry] of Object.entries(data.policies)) {
    const policy = byName.get(policyName);
    const where = `policies.${policyName}`;
    if (!policy) fail(`${where}: "${policyName}" is not a policy of the pack (--list names them)`);
    if (!isRecord(entry)) return fail(`${where} must be {"decision", "reason"}`);
    const extra = Object.keys(entry).filter(
      (key) => !["decision", "reason", "settings"].includes(key),
    );
    if (extra.length > 0) {
      fail(`${where}: unknown key(s) ${extra.join(", ")}; allowed: decision, reason, settings`);
    }
    if (!profileDecisions.includes(entry.decision as ProfileDecision)) {
      fail(
        `${where}.decision is ${JSON.stringify(entry.decision)}; it must be one of ` +
          profileDecisions.join(", "),
      );
    }
    if (typeof entry.reason !== "string" || entry.reason.trim().length < 10) {
      fail(`${where}.reason must say why, in at least 10 characters`);
    }
    if (entry.settings !== undefined) {
      if (!isRecord(entry.settings)) return fail(`${where}.settings must be an object`);
      const known = Object.keys(policy!.configSchema?.properties ?? {}).filter(
        (key) => key !== "exemptions",
      );
      for (const key of Object.keys(entry.settings)) {
        if (!known.includes(key)) {
          fail(
            `${where}.settings.${key} is not a setting of ${policyName} ` +
              `(${known.length ? `its settings: ${known.join(", ")}` : "it has none"}; ` +
              "exemptions belong in the env's config)",
          );
        }
      }
    }
    entries[policyName] = entry as unknown as ProfileEntry;
  }
  return { name, description: data.description as string, policies: entries };
}

/** Reads and validates policies/config/profiles/<name>.json. */
export function readProfile(dir: string, name: string, policies: Policies): Profile {
  const file = path.join(dir, `${name}.json`);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new Error(`cannot read profile ${file}: ${(error as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new Error(`profile ${file} is not valid JSON: ${(error as Error).message}`);
  }
  return validateProfile(name, file, data, policies);
}

const strictness = { disabled: 0, advisory: 1, mandatory: 2, remediate: 2 } as const;

/** What the profile changed for one policy, against the env's config. */
export interface ProfileChange {
  /** The env's level was mandatory (or remediate) and the profile made it advisory. */
  readonly relaxed: boolean;
  /** Settings the profile replaced. */
  readonly settings: Readonly<Record<string, unknown>>;
}

/**
 * The env's config with the profile laid over it: `advisory` decisions lower mandatory and
 * remediate levels to advisory (never raise a disabled or advisory one), and `settings` replace
 * the env's values. Also returns, per policy the profile changed, what it changed.
 */
export function applyProfile(
  config: PolicyPackConfig,
  profile: Profile,
  policies: Policies,
): { config: PolicyPackConfig; changes: ReadonlyMap<string, ProfileChange> } {
  const result: PolicyPackConfig = { ...config };
  const changes = new Map<string, ProfileChange>();
  for (const policy of policies) {
    const entry = profile.policies[policy.name];
    if (!entry) continue;
    const level = resolvePolicy(policy, config, "mandatory").enforcement;
    const relaxed = entry.decision === "advisory" && strictness[level] > strictness.advisory;
    const settings = entry.settings ?? {};
    if (!relaxed && Object.keys(settings).length === 0) continue;
    const current = config[policy.name];
    const base = typeof current === "string" ? { enforcementLevel: current } : { ...current };
    result[policy.name] = {
      ...base,
      ...settings,
      ...(relaxed ? { enforcementLevel: "advisory" as const } : {}),
    };
    changes.set(policy.name, { relaxed, settings });
  }
  return { config: result, changes };
}
