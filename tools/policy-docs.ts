// policies/README.md, the policy reference, rendered from the pack itself, the per-stack config
// files and the profiles (policies/config/profiles/*.json), so it cannot drift: tests/policies/pack.test.ts fails when the file differs from what
// this renders (`npm run docs`, tools/docs.ts, writes it).
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import type { Policy, PolicyPackConfig } from "@pulumi/policy";
import { packName, policies as packPolicies, policyDomains } from "../policies/pack";
import { podSpecOwners, type AdmissionForm } from "../policies/lib/admission-form";
import { admissionPolicies } from "../policies/lib/admission-policies";
import type { PackResourcePolicy } from "../policies/lib/define";
import { exemptionsInUse } from "../policies/lib/exemptions";
import { readPolicyConfig, resolvePolicy } from "../policies/runner";
import { profileNames, readProfile, type Profile } from "../policies/runner/profiles";
import { describeValue } from "./cli";

const policiesDir = path.resolve(__dirname, "..", "policies");
export const policyReferenceFile = path.join(policiesDir, "README.md");

interface StackConfig {
  readonly stack: string;
  readonly config: PolicyPackConfig;
}

/** The stacks' policy configs, in deployment order (dev, staging, production, then others). */
export function readStackConfigs(dir = path.join(policiesDir, "config")): StackConfig[] {
  const order = ["dev", "staging", "production"];
  const rank = (stack: string) => (order.includes(stack) ? order.indexOf(stack) : order.length);
  return readdirSync(dir)
    .filter((file) => file.endsWith(".json"))
    .map((file) => path.basename(file, ".json"))
    .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))
    .map((stack) => ({ stack, config: readPolicyConfig(path.join(dir, `${stack}.json`)) }));
}

/** The profiles for YAML this program did not render (policies/config/profiles/*.json). */
export function readProfiles(dir = path.join(policiesDir, "config", "profiles")): Profile[] {
  return profileNames(dir).map((name) => readProfile(dir, name, packPolicies));
}

/** A Markdown table. Not padded: rows stay as short as their text (Prettier skips this file). */
export function markdownTable(header: readonly string[], rows: readonly string[][]): string {
  const escape = (cell: string) => cell.replace(/\|/g, "\\|").replace(/\n/g, " ");
  const line = (row: readonly string[]) => `| ${row.map(escape).join(" | ")} |`;
  return [line(header), `| ${header.map(() => "---").join(" | ")} |`, ...rows.map(line)].join("\n");
}

function configDefaults(policy: Policy): string {
  const properties = Object.entries(policy.configSchema?.properties ?? {}).filter(
    ([key]) => key !== "exemptions",
  );
  return properties
    .map(([key, schema]) => `\`${key}\`: \`${describeValue(schema.default)}\``)
    .join("; ");
}

interface DeclaredExemption {
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
  readonly reason: string;
}

function exemptionsOf(policy: Policy, config: PolicyPackConfig): DeclaredExemption[] {
  return (resolvePolicy(policy, config).properties.exemptions ?? []) as DeclaredExemption[];
}

/** Per stack: levels and settings that differ from the defaults, and the exemptions used. */
function strictnessRows(stacks: readonly StackConfig[], policies: readonly Policy[]): string[][] {
  return stacks.map(({ stack, config }) => {
    const changes: string[] = [];
    for (const policy of policies) {
      const level = resolvePolicy(policy, config, "mandatory").enforcement;
      if (level !== policy.enforcementLevel) changes.push(`\`${policy.name}\` ${level}`);
      const entry = config[policy.name];
      const settings = Object.entries(typeof entry === "object" && entry ? entry : {}).filter(
        ([key]) => key !== "exemptions" && key !== "enforcementLevel",
      );
      for (const [key, value] of settings) {
        changes.push(`\`${policy.name}\` ${key} \`${JSON.stringify(value)}\``);
      }
      const exempted = exemptionsOf(policy, config).map((exemption) => exemption.name);
      if (exempted.length > 0) changes.push(`\`${policy.name}\` exempts ${exempted.join(", ")}`);
    }
    return [stack, changes.length > 0 ? changes.join("; ") : "none"];
  });
}

function exemptionList(stacks: readonly StackConfig[], policies: readonly Policy[]): string {
  const lines = stacks.flatMap(({ stack, config }) =>
    policies.flatMap((policy) =>
      exemptionsOf(policy, config).map(
        (exemption) =>
          `- ${stack}, \`${policy.name}\`, ${exemption.kind} ` +
          `${exemption.namespace ? `${exemption.namespace}/` : ""}${exemption.name}: ${exemption.reason}`,
      ),
    ),
  );
  return lines.length > 0 ? lines.join("\n") : "None.";
}

/** One profile: what it makes advisory, which settings it replaces, what it keeps; each with why. */
function profileSection(profile: Profile, policies: readonly Policy[]): string {
  const entries = policies.flatMap((policy) => {
    const entry = profile.policies[policy.name];
    return entry ? [{ name: `\`${policy.name}\``, ...entry }] : [];
  });
  const unlisted = policies.filter((policy) => !profile.policies[policy.name]);
  const advisory = entries.filter((entry) => entry.decision === "advisory");
  const settings = entries.filter((entry) => entry.settings);
  const kept = entries.filter((entry) => entry.decision === "kept" && !entry.settings);
  const settingsOf = (entry: (typeof entries)[number]) =>
    Object.entries(entry.settings ?? {})
      .map(([key, value]) => `\`${key}\`: \`${describeValue(value)}\``)
      .join("; ");
  return [
    `### \`--profile ${profile.name}\` (\`policies/config/profiles/${profile.name}.json\`)`,
    "",
    profile.description,
    "",
    `Advisory under this profile (${advisory.length}): reported, never failing.`,
    "",
    markdownTable(
      ["Policy", "Why"],
      advisory.map((entry) => [entry.name, entry.reason]),
    ),
    "",
    `Kept at the env's level with settings replaced (${settings.length}):`,
    "",
    markdownTable(
      ["Policy", "Settings", "Why"],
      settings.map((entry) => [entry.name, settingsOf(entry), entry.reason]),
    ),
    "",
    `Kept at the env's level (${kept.length + unlisted.length}):`,
    "",
    markdownTable(
      ["Policy", "Why"],
      [
        ...kept.map((entry) => [entry.name, entry.reason]),
        ...unlisted.map((policy) => [`\`${policy.name}\``, "Not listed in the profile."]),
      ],
    ),
  ].join("\n");
}

/** What a stack's admission policies do for `policy`: its binding's actions, or not bound. */
function admissionAction(policy: PackResourcePolicy, config: PolicyPackConfig): string {
  const objects = admissionPolicies([policy], config, { namespaces: ["docs"], namePrefix: "" });
  const binding = objects.find((object) => object.kind === "ValidatingAdmissionPolicyBinding");
  return binding ? binding.spec.validationActions.join(" + ") : "not bound";
}

/**
 * The rules the API server enforces, with each stack's action (from the generator, so this is
 * the generated set), and every other rule with why it is checked at preview only.
 */
function admissionSection(stacks: readonly StackConfig[]): string {
  const domains = Object.entries(policyDomains) as [string, PackResourcePolicy[]][];
  const all = domains.flatMap(([domain, policies]) =>
    policies.map((policy) => ({ domain, policy })),
  );
  const enforced = all.filter(({ policy }) => policy.admission);
  const names = (entries: typeof all) =>
    entries.map(({ policy }) => `\`${policy.name}\``).join(", ") || "none";
  const severalObjects = all.filter(({ policy }) => !policy.validateResource);
  const docker = all.filter(({ domain, policy }) => domain === "docker" && policy.validateResource);
  const explained = all.filter(({ policy }) => policy.validateResource && policy.packOnly);
  const notYet = all.filter(
    ({ domain, policy }) =>
      policy.validateResource && !policy.admission && !policy.packOnly && domain !== "docker",
  );
  return [
    `${enforced.length} rules are also ValidatingAdmissionPolicies, which the API server ` +
      "enforces on whatever is applied in the stack's namespaces (`toolboxai:admissionPolicies`, " +
      "[docs/ADMISSION.md](../docs/ADMISSION.md)). Each stack's action per rule, from its config " +
      "(`Deny`: refused; `Warn + Audit`: admitted with a warning and an audit annotation; not bound: " +
      "disabled, or nothing to check under its settings); `audit` mode makes every `Deny` a warning:",
    "",
    markdownTable(
      ["Policy", "Judges", ...stacks.map(({ stack }) => stack), "When CEL cannot be evaluated"],
      enforced.map(({ policy }) => [
        `\`${policy.name}\``,
        judgedKinds(policy.admission!),
        ...stacks.map(({ config }) => admissionAction(policy, config)),
        policy.admission!.failurePolicy === "Fail"
          ? "as a failed check (`Fail`)"
          : "admitted (`Ignore`)",
      ]),
    ),
    "",
    "Checked at preview only:",
    "",
    `- They judge several objects together (a stack policy): ${names(severalObjects)}.`,
    `- They judge Docker containers, which no API server admits: ${names(docker)}.`,
    ...explained.map(({ policy }) => `- \`${policy.name}\`: ${policy.packOnly}`),
    ...(notYet.length > 0
      ? [`- They judge one object, and have no admission form yet: ${names(notYet)}.`]
      : []),
  ].join("\n");
}

/** What an admission form judges: pod specs (every kind that runs pods), or its resources. */
function judgedKinds(form: AdmissionForm): string {
  const resources = form.resources.flatMap((rule) => rule.resources);
  const podKinds = podSpecOwners.map((owner) => owner.resource);
  return resources.length === podKinds.length && podKinds.every((kind) => resources.includes(kind))
    ? "pod specs"
    : resources.join(", ");
}

/** Where a domain's policies live: a module, or a folder with a file per concept. */
function domainSource(domain: string): string {
  const folder = path.join(policiesDir, domain);
  return existsSync(folder) ? `policies/${domain}/` : `policies/${domain}.ts`;
}

/** policies/README.md as it must read for the pack, configs and profiles as they are. */
export function renderPolicyReference(
  stacks: readonly StackConfig[] = readStackConfigs(),
  profiles: readonly Profile[] = readProfiles(),
): string {
  const all = Object.values(policyDomains).flat();
  const count = all.length + 1;
  const sections = Object.entries(policyDomains).map(([domain, policies]) =>
    [
      `### ${domain} (\`${domainSource(domain)}\`)`,
      "",
      markdownTable(
        ["Policy", "Severity", "Default", "What it enforces (sources)", "Settings (defaults)"],
        policies.map((policy) => [
          `\`${policy.name}\``,
          policy.severity ?? "",
          policy.enforcementLevel ?? "",
          policy.description,
          configDefaults(policy) || "none",
        ]),
      ),
    ].join("\n"),
  );
  const everyPolicy = [...all, exemptionsInUse];
  const profileText =
    profiles.length > 0
      ? profiles.map((profile) => profileSection(profile, everyPolicy)).join("\n\n")
      : "None.";
  return `<!-- Generated by \`npm run docs\` from policies/pack.ts, policies/config/*.json and policies/config/profiles/*.json; do not edit. -->

# The ${packName} policy pack

A CrossGuard policy pack (\`PulumiPolicy.yaml\`, installed by the root \`npm ci\` as a workspace)
with ${count} policies in ${Object.keys(policyDomains).length} domain modules, plus the advisory
\`${exemptionsInUse.name}\` report. \`index.ts\` only starts the pack; the policies are data in
\`pack.ts\`, so tests and tools import them without a policy server.

## Running it

\`\`\`sh
# With the Pulumi engine, on every pull request:
pulumi preview --stack production --policy-pack policies \\
  --policy-pack-config policies/config/production.json

# Offline, without credentials: the program under mocks, then the pack with that stack's config.
npm run policy -- --stack production
# Any Kubernetes YAML (Helm or kustomize output): a file or a folder of .yaml, .yml and .json.
npm run policy -- --manifests rendered/ --env production
# YAML this program did not render (a vendor's chart): house conventions become advisory.
npm run policy -- --manifests vendor/ --profile portable
npm run policy -- --list                       # every policy, its level for --env, its settings
npm run -s policy -- --stack dev --format json # machine-readable; -s keeps npm's banner out
\`\`\`

Exit codes: 0 when no mandatory policy is violated, 1 when one is, 2 for bad input (an unknown
stack, env or profile, an unreadable file, a run that checked nothing).

Without \`--env\`, \`--manifests\` and \`--list\` use \`policies/config/production.json\` and say so
on their first line (\`"envFrom": "default"\` in JSON).

## Strictness per environment

Every policy has a default level (below). \`policies/config/<stack>.json\` changes levels and
settings per stack, never code. A workload that cannot comply is exempted there by kind,
namespace and name with a written reason; an exempted object is skipped by that policy, and
every exemption used is reported by the advisory \`${exemptionsInUse.name}\`, so none goes unseen.

${markdownTable(["Stack", "Differences from the defaults"], strictnessRows(stacks, all))}

The exemptions, with their reasons:

${exemptionList(stacks, all)}

## Profiles for third-party YAML

The pack encodes this platform's house conventions beside its security rules, so YAML this
program did not render (a vendor's Helm or kustomize output) fails on conventions it never
followed. \`npm run policy -- --manifests <path> --profile <name>\` lays a profile over the env's
config: the policies it marks advisory drop from mandatory to advisory (they are still reported,
marked \`(profile <name>)\`, and never raise a disabled or advisory level), and the settings it
lists replace the env's; the env's levels and exemptions stand for everything else. A profile is
data, \`policies/config/profiles/<name>.json\`, with a decision and a reason for every policy.
\`--list --profile <name>\` shows its effect; \`--profile\` is refused with \`--stack\`, which
checks this program's own resources in full.

${profileText}

## At admission

${admissionSection(stacks)}

## Policies

Each description names the rule sets it follows (Pod Security Standards, Kyverno, Polaris,
kube-score, kube-linter, CIS Docker, Checkov ids). Remediation steps are printed with every
violation, and \`npm run policy -- --list\` shows them.

${sections.join("\n\n")}
`;
}

/** Rewrites policies/README.md; part of `npm run docs` (tools/docs.ts). */
export function writePolicyReference(): void {
  writeFileSync(policyReferenceFile, renderPolicyReference());
}
