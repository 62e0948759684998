// `npm run policy -- --stack <name>`: runs the program under mocks with Pulumi.<name>.yaml, then
// the whole policy pack with policies/config/<name>.json.
// `npm run policy -- --manifests <file-or-dir> [--env production]`: the same pack on plain
// Kubernetes YAML (Helm or kustomize output).
// Prints violations the way `pulumi preview` does; exits 1 on any mandatory violation.
import { existsSync } from "node:fs";
import * as path from "node:path";
import { Command, Option } from "commander";
import { packName, policies } from "../policies/pack";
import { checkedKubernetesTypes } from "../policies/lib/kubernetes";
import {
  readPolicyConfig,
  resolvePolicy,
  runPolicies,
  type Finding,
  type RunnerResource,
} from "../policies/runner";
import { readManifests, type SkippedDocument } from "../policies/runner/manifests";
import { projectRoot, runProgram } from "./engine/mock-engine";
import { toRunnerResources } from "./policy-resources";

interface Options {
  stack?: string;
  manifests?: string;
  env: string;
  format: "text" | "json";
  list?: boolean;
}

const useColour = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code: number) => (text: string) =>
  useColour ? `\x1b[${code}m${text}\x1b[0m` : text;
const red = paint(31);
const yellow = paint(33);
const dim = paint(2);
const bold = paint(1);

function configFile(environment: string): string {
  return path.join(projectRoot, "policies", "config", `${environment}.json`);
}

function summaryOf(findings: readonly Finding[], skipped: readonly SkippedDocument[]) {
  const count = (level: string) =>
    findings.filter((finding) => finding.enforcement === level).length;
  return {
    mandatory: count("mandatory"),
    advisory: count("advisory"),
    skipped: skipped.length,
    passed: count("mandatory") === 0,
  };
}

function printText(
  findings: readonly Finding[],
  skipped: readonly SkippedDocument[],
  label: string,
) {
  const summary = summaryOf(findings, skipped);
  console.log(bold("Policies:"));
  console.log(`    ${summary.passed ? "✅" : "❌"} ${packName} (local: policies) on ${label}`);
  const ordered = [...findings].sort(
    (a, b) =>
      Number(b.enforcement === "mandatory") - Number(a.enforcement === "mandatory") ||
      a.policy.localeCompare(b.policy),
  );
  for (const finding of ordered) {
    const level =
      finding.enforcement === "mandatory" ? red("[mandatory]") : yellow(`[${finding.enforcement}]`);
    const resource = finding.resource
      ? `  (${finding.resource.type}: ${finding.resource.name})`
      : "";
    console.log(
      `        - ${level}  [severity: ${finding.severity ?? "none"}]  ${finding.policy}${dim(resource)}`,
    );
    console.log(`          ${finding.message}`);
  }
  for (const document of skipped) {
    console.log(
      dim(`        - skipped ${document.file} document ${document.index}: ${document.reason}`),
    );
  }
  console.log(
    `\n${summary.mandatory} mandatory, ${summary.advisory} advisory violation(s)` +
      (skipped.length ? `, ${skipped.length} document(s) skipped` : ""),
  );
}

function printList(environment: string) {
  const config = readPolicyConfig(configFile(environment));
  for (const policy of policies) {
    const { enforcement } = resolvePolicy(policy, config);
    console.log(
      `${policy.name.padEnd(40)} ${String(policy.severity).padEnd(9)} ${enforcement.padEnd(10)} ${policy.description}`,
    );
  }
}

async function main(): Promise<void> {
  const program = new Command()
    .name("npm run policy --")
    .description(`Run the ${packName} policy pack on a stack (under mocks) or on Kubernetes YAML.`)
    .option(
      "-s, --stack <name>",
      "run the program with Pulumi.<name>.yaml and policies/config/<name>.json",
    )
    .option("-m, --manifests <path>", "check a YAML file or a folder of them instead")
    .option(
      "-e, --env <name>",
      "policy config for --manifests and --list: policies/config/<env>.json",
      "production",
    )
    .addOption(
      new Option("-f, --format <format>", "output format")
        .choices(["text", "json"])
        .default("text"),
    )
    .option("-l, --list", "list the policies with their severity and enforcement")
    .parse();
  const options = program.opts<Options>();
  const environment = options.stack ?? options.env;
  if (!existsSync(configFile(environment))) {
    throw new Error(`no policy config ${path.relative(projectRoot, configFile(environment))}`);
  }
  if (options.list) return printList(environment);
  if (Boolean(options.stack) === Boolean(options.manifests)) {
    throw new Error("give exactly one of --stack <name> or --manifests <path>");
  }

  let resources: RunnerResource[];
  let skipped: SkippedDocument[] = [];
  let label: string;
  if (options.stack) {
    resources = toRunnerResources(await runProgram(options.stack));
    label = `stack ${options.stack}`;
  } else {
    const manifests = readManifests(options.manifests!, checkedKubernetesTypes);
    resources = manifests.resources;
    skipped = manifests.skipped;
    label = `${options.manifests} (${environment} policy config)`;
  }
  const findings = await runPolicies(policies, resources, {
    config: readPolicyConfig(configFile(environment)),
    packEnforcementLevel: "mandatory",
  });
  if (options.format === "json") {
    console.log(
      JSON.stringify(
        { violations: findings, skipped, summary: summaryOf(findings, skipped) },
        null,
        2,
      ),
    );
  } else {
    printText(findings, skipped, label);
  }
  if (!summaryOf(findings, skipped).passed) process.exitCode = 1;
}

main().catch((error: Error) => {
  console.error(red(error.message));
  process.exitCode = 2;
});
