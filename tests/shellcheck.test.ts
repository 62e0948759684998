// ShellCheck over every shell script of the repository, found by extension (`.sh`) and by shebang
// (sh, bash, dash, ksh), among the files git tracks or would track, so a new script is never
// missed. Each script is checked for the shell it names (backup-lib.sh, sourced and without a
// shebang, says `# shellcheck shell=sh`); .shellcheckrc lets ShellCheck follow `. backup-lib.sh`.
// A suppression (`# shellcheck disable=...`) must say why on the same line. Debian's `shellcheck`
// runs it; CI installs it (.ci/run).
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { projectRoot } from "../tools/project-root";

const shells = new Set(["sh", "bash", "dash", "ksh"]);

/** Whether a file is a shell script: by its name, or by the interpreter its shebang names. */
export function isShellScript(file: string, firstLine: string): boolean {
  if (file.endsWith(".sh")) return true;
  const shebang = /^#!\s*(\S+)(.*)$/.exec(firstLine);
  if (!shebang) return false;
  const program = path.basename(shebang[1]);
  // `#!/usr/bin/env [-S] bash`: the interpreter is env's first operand.
  const interpreter =
    program === "env"
      ? shebang[2]
          .trim()
          .split(/\s+/)
          .find((word) => !word.startsWith("-"))
      : program;
  return interpreter !== undefined && shells.has(interpreter);
}

/** The repository's shell scripts: tracked, or new and not ignored; relative paths, sorted. */
function shellScripts(): string[] {
  const files = execFileSync(
    "git",
    ["ls-files", "-z", "--cached", "--others", "--exclude-standard"],
    { cwd: projectRoot, maxBuffer: 64 * 1024 * 1024 },
  )
    .toString()
    .split("\0")
    .filter((file) => file !== "" && existsSync(path.join(projectRoot, file)));
  const firstLine = (file: string) =>
    readFileSync(path.join(projectRoot, file)).subarray(0, 200).toString().split("\n")[0];
  return [...new Set(files)].filter((file) => isShellScript(file, firstLine(file))).sort();
}

/** `# shellcheck disable=...` directives without a reason (`# why`) after them on their line. */
export function unexplainedSuppressions(file: string, text: string): string[] {
  return text
    .split("\n")
    .map((line, index) => ({ line, number: index + 1 }))
    .filter(({ line }) => /#\s*shellcheck\s+disable=/.test(line))
    .filter(({ line }) => !/#\s*shellcheck\s+disable=\S+\s+#\s*\S/.test(line))
    .map(({ line, number }) => `${file}:${number}: ${line.trim()}`);
}

const missing =
  "shellcheck is not installed. Install it (Debian/Ubuntu: `apt-get install -y shellcheck`).";
const installed = spawnSync("shellcheck", ["--version"]).status === 0;
const runsShellcheck = installed || process.env.CI === "true";
if (!runsShellcheck) console.warn(`Skipping ShellCheck (it runs when CI=true): ${missing}`);
const itRunsShellcheck = runsShellcheck ? it : it.skip;

describe("the shell scripts", () => {
  const scripts = shellScripts();

  it("are found by extension and by shebang", () => {
    expect(isShellScript("scripts/x.sh", "")).toBe(true);
    expect(isShellScript(".ci/run", "#!/usr/bin/env bash")).toBe(true);
    expect(isShellScript("tools/run", "#!/usr/bin/env -S bash -eu")).toBe(true);
    expect(isShellScript("tools/run", "#!/bin/sh")).toBe(true);
    expect(isShellScript("tools/run", "#! /bin/dash -e")).toBe(true);
    expect(isShellScript("scripts/tool.mjs", "#!/usr/bin/env node")).toBe(false);
    expect(isShellScript("scripts/shell.py", "#!/usr/bin/python3")).toBe(false);
    expect(isShellScript("README.md", "# sh")).toBe(false);
    expect(scripts).toEqual(
      expect.arrayContaining([
        ".ci/run",
        "scripts/backup/backup-lib.sh",
        "scripts/backup/pg-verify.sh",
        "scripts/install-backup-test-tools.sh",
      ]),
    );
  });

  it("suppress a ShellCheck warning only with a reason on the same line", () => {
    expect(
      unexplainedSuppressions(
        "a.sh",
        "# shellcheck disable=SC2086 # two words or none\nx\n# shellcheck disable=SC2034\n",
      ),
    ).toEqual(["a.sh:3: # shellcheck disable=SC2034"]);
    expect(unexplainedSuppressions("b.sh", "echo $a # shellcheck disable=SC2086 #\n")).toEqual([
      "b.sh:1: echo $a # shellcheck disable=SC2086 #",
    ]);
    const unexplained = scripts.flatMap((file) =>
      unexplainedSuppressions(file, readFileSync(path.join(projectRoot, file), "utf8")),
    );
    expect(unexplained).toEqual([]);
  });

  it("in scripts/backup/ are checked as POSIX sh (the jobs run them with Alpine's busybox sh)", () => {
    const backupScripts = scripts.filter((file) => file.startsWith("scripts/backup/"));
    expect(backupScripts.length).toBeGreaterThan(0);
    const notPosix = backupScripts.filter((file) => {
      const head = readFileSync(path.join(projectRoot, file), "utf8").split("\n")[0];
      return head !== "#!/bin/sh" && head !== "# shellcheck shell=sh";
    });
    expect(notPosix).toEqual([]);
  });

  itRunsShellcheck("pass ShellCheck, every severity", () => {
    const result = spawnSync("shellcheck", ["--format=gcc", ...scripts], {
      cwd: projectRoot,
      encoding: "utf8",
    });
    if (result.error)
      throw new Error(`shellcheck did not run (${result.error.message}): ${missing}`);
    // The findings themselves in the failure message: file, line, column and code.
    if (result.status !== 0) {
      throw new Error(`shellcheck exited with ${result.status}:\n${result.stdout}${result.stderr}`);
    }
    expect(result.stdout).toBe("");
  });
});
