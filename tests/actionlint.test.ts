// actionlint over the GitHub workflows (.github/workflows/*.yml and *.yaml): their syntax, the
// expressions and contexts they use, the job graph, the inputs of actions and of the reusable
// workflow, script injection and, with ShellCheck on PATH, their `run:` scripts. No finding is
// ignored here (no `-ignore`); the policy packs they run get their stack's configuration. The
// pinned release is built outside the clone by scripts/install-actionlint.sh
// (~/.cache/toolboxai/actionlint-<version>/bin); an `actionlint` on PATH serves too. Without it the
// checks are skipped, saying how to install it, except with CI=true (.ci/run installs it first),
// where they fail. A deliberately broken workflow shows that the check can fail.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { projectRoot } from "../tools/project-root";
import { withScratchDir } from "../tools/scratch";

/** The release scripts/install-actionlint.sh pins: its `ACTIONLINT_VERSION=` line. */
export function pinnedVersion(script: string): string {
  const match = /^ACTIONLINT_VERSION=(\d+\.\d+\.\d+)$/m.exec(script);
  if (!match) throw new Error("scripts/install-actionlint.sh pins no ACTIONLINT_VERSION=x.y.z");
  return match[1];
}

const version = pinnedVersion(
  readFileSync(path.join(projectRoot, "scripts", "install-actionlint.sh"), "utf8"),
);
const cacheDir = process.env.TOOLBOXAI_CACHE ?? path.join(homedir(), ".cache", "toolboxai");
const cached = path.join(cacheDir, `actionlint-${version}`, "bin", "actionlint");
const missing =
  `actionlint is not installed. Install it: \`bash scripts/install-actionlint.sh\` ` +
  `(actionlint ${version} from the Go module proxy into ${path.dirname(cached)}), ` +
  "or put an actionlint on PATH.";

/** The cached build of the pinned release, else an `actionlint` on PATH, else undefined. */
function findActionlint(): string | undefined {
  if (existsSync(cached)) return cached;
  return spawnSync("actionlint", ["-version"]).status === 0 ? "actionlint" : undefined;
}

const actionlint = findActionlint();
const runsActionlint = actionlint !== undefined || process.env.CI === "true";
if (!runsActionlint) console.warn(`Skipping actionlint (it runs when CI=true): ${missing}`);
const itRunsActionlint = runsActionlint ? it : it.skip;

// actionlint runs ShellCheck on `run:` scripts when `shellcheck` is on PATH, and silently does
// not when it is missing: so in CI, or wherever it is installed, the broken workflow must get a
// ShellCheck finding.
const shellcheckInstalled = spawnSync("shellcheck", ["--version"]).status === 0;
const expectsShellcheck = shellcheckInstalled || process.env.CI === "true";
if (runsActionlint && !expectsShellcheck) {
  console.warn(
    "actionlint does not check the workflows' run: scripts: shellcheck is not installed " +
      "(Debian/Ubuntu: `apt-get install -y shellcheck`).",
  );
}

interface Finding {
  readonly filepath: string;
  readonly line: number;
  readonly column: number;
  readonly message: string;
  readonly kind: string;
}

/** actionlint on `files` (relative to `cwd`, the root of a repository with .github/workflows). */
function runActionlint(cwd: string, files: readonly string[]): Finding[] {
  if (actionlint === undefined) throw new Error(missing);
  const result = spawnSync(actionlint, ["-format", "{{json .}}", ...files], {
    cwd,
    encoding: "utf8",
  });
  if (result.error) throw new Error(`actionlint did not run (${result.error.message}): ${missing}`);
  // 0: no finding, 1: findings (as JSON on stdout); anything else is a failure of actionlint.
  if (result.status !== 0 && result.status !== 1) {
    throw new Error(`actionlint exited with ${result.status}:\n${result.stdout}${result.stderr}`);
  }
  const findings = JSON.parse(result.stdout || "[]") as Finding[] | null;
  return findings ?? [];
}

const describeFinding = (finding: Finding) =>
  `${finding.filepath}:${finding.line}:${finding.column}: ${finding.message} [${finding.kind}]`;

const workflowsDir = path.join(projectRoot, ".github", "workflows");
const workflows = readdirSync(workflowsDir)
  .filter((file) => /\.ya?ml$/.test(file))
  .sort()
  .map((file) => path.join(".github", "workflows", file));

/**
 * Where a workflow runs a policy pack without its stack's configuration: a `run:` script with
 * more `--policy-pack` than `--policy-pack-config` flags, a step whose `with:` has `policyPacks`
 * but fewer `policyPackConfigs` (pulumi/actions), or a configuration that is not a
 * policies/config/<stack>.json. One line per gap: `file: job/step: what`.
 */
export function policyPackGaps(file: string, text: string): string[] {
  interface Step {
    readonly name?: string;
    readonly run?: string;
    readonly uses?: string;
    readonly with?: Record<string, unknown>;
  }
  const workflow = parse(text) as { jobs?: Record<string, { steps?: Step[] }> } | null;
  const entries = (value: unknown) =>
    String(value ?? "")
      .split(/[\n,]/)
      .map((entry) => entry.trim())
      .filter((entry) => entry !== "");
  const gaps: string[] = [];
  for (const [jobName, job] of Object.entries(workflow?.jobs ?? {})) {
    (job.steps ?? []).forEach((step, index) => {
      const where = `${file}: ${jobName}/${step.name ?? step.uses ?? `step ${index + 1}`}`;
      const script = step.run ?? "";
      const packs = [...script.matchAll(/--policy-pack[ =](\S+)/g)].map((match) => match[1]);
      const scriptConfigs = [...script.matchAll(/--policy-pack-config[ =](\S+)/g)].map(
        (match) => match[1],
      );
      if (packs.length > scriptConfigs.length) {
        gaps.push(`${where}: --policy-pack without --policy-pack-config`);
      }
      const withConfigs = entries(step.with?.policyPackConfigs);
      if (entries(step.with?.policyPacks).length > withConfigs.length) {
        gaps.push(`${where}: policyPacks without policyPackConfigs`);
      }
      for (const config of [...scriptConfigs, ...withConfigs]) {
        if (!/^"?policies\/config\/[^/]+\.json"?$/.test(config)) {
          gaps.push(`${where}: ${config} is not policies/config/<stack>.json`);
        }
      }
    });
  }
  return gaps;
}

describe("the GitHub workflows", () => {
  it("are found", () => {
    expect(workflows).toEqual(
      expect.arrayContaining([
        ".github/workflows/deliver.yml",
        ".github/workflows/deliver-stack.yml",
        ".github/workflows/pull-request.yml",
      ]),
    );
  });

  it("pass each policy pack its stack's configuration (policies/config/<stack>.json)", () => {
    const broken = [
      "jobs:",
      "  up:",
      "    steps:",
      "      - run: pulumi up --policy-pack policies",
      "      - uses: pulumi/actions@v6",
      "        with: { policyPacks: policies }",
      "      - run: pulumi up --policy-pack policies --policy-pack-config policies/config/dev.json",
      "      - run: pulumi up --policy-pack policies --policy-pack-config config.json",
    ].join("\n");
    expect(policyPackGaps("b.yml", broken)).toEqual([
      "b.yml: up/step 1: --policy-pack without --policy-pack-config",
      "b.yml: up/pulumi/actions@v6: policyPacks without policyPackConfigs",
      "b.yml: up/step 4: config.json is not policies/config/<stack>.json",
    ]);
    const read = (file: string) => readFileSync(path.join(projectRoot, file), "utf8");
    expect(workflows.flatMap((file) => policyPackGaps(file, read(file)))).toEqual([]);
    // The check sees the workflows' real policy packs: without their configuration, it fails.
    const deliver = ".github/workflows/deliver-stack.yml";
    const pullRequest = ".github/workflows/pull-request.yml";
    expect(
      policyPackGaps(deliver, read(deliver).replace(/--policy-pack-config \S+/, "")),
    ).toHaveLength(1);
    expect(
      policyPackGaps(pullRequest, read(pullRequest).replace(/^ *policyPackConfigs:.*\n/m, "")),
    ).toHaveLength(1);
  });

  itRunsActionlint("pass actionlint, ShellCheck on their run: scripts included", () => {
    const findings = runActionlint(projectRoot, workflows);
    if (findings.length > 0) {
      throw new Error(`actionlint ${version} found:\n${findings.map(describeFinding).join("\n")}`);
    }
  });

  itRunsActionlint("fail actionlint when broken (a workflow written to fail it)", () => {
    const broken = [
      "name: broken",
      "on:",
      "  pull_request:",
      "jobs:",
      "  test:",
      "    runs-on: ubuntu-24.04",
      "    needs: build", // no such job
      "    steps:",
      "      - uses: actions/checkout@v4",
      "        with:",
      "          fetch-dept: 0", // a misspelt input
      '      - run: echo "${{ github.event.pull_request.title }}"', // script injection
      "      - run: echo $RUNNER_TEMP", // SC2086: unquoted
      "",
    ].join("\n");
    const kinds = withScratchDir("toolboxai-actionlint-", (dir) => {
      mkdirSync(path.join(dir, ".github", "workflows"), { recursive: true });
      writeFileSync(path.join(dir, ".github", "workflows", "broken.yml"), broken);
      return runActionlint(dir, [".github/workflows/broken.yml"]).map(
        (finding) => `${finding.line} ${finding.kind}`,
      );
    });
    expect(kinds).toEqual(expect.arrayContaining(["5 job-needs", "11 action", "12 expression"]));
    if (expectsShellcheck) expect(kinds).toContain("13 shellcheck");
  });
});
