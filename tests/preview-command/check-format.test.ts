// scripts/check-format.mjs: which files it checks, in and outside a git work tree. Runs no program.
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { projectRoot } from "../../tools/project-root";
import { tempDir as makeTempDir } from "../support/temp";

const tempDir = () => makeTempDir("toolboxai-preview-");

describe("scripts/check-format.mjs", () => {
  const script = path.join(projectRoot, "scripts", "check-format.mjs");
  const unformatted = "const  x = {a:1}\n";
  const checkFormat = (cwd: string) =>
    spawnSync(process.execPath, [script], {
      cwd,
      encoding: "utf8",
      // Git must not find a repository above the temporary folder.
      env: { ...process.env, GIT_CEILING_DIRECTORIES: path.dirname(cwd) },
    });

  test("checks the files git would track, so a folder ignoring itself is left alone", () => {
    const repo = tempDir();
    expect(spawnSync("git", ["init", "--quiet"], { cwd: repo }).status).toBe(0);
    writeFileSync(path.join(repo, "good.ts"), "export const x = { a: 1 };\n");
    writeFileSync(path.join(repo, "bad.ts"), unformatted);
    mkdirSync(path.join(repo, "rendered"));
    writeFileSync(path.join(repo, "rendered", ".gitignore"), "*\n");
    writeFileSync(path.join(repo, "rendered", "ignored.ts"), unformatted);

    const result = checkFormat(repo);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("bad.ts");
    expect(`${result.stdout}${result.stderr}`).not.toContain("ignored.ts");
    expect(`${result.stdout}${result.stderr}`).not.toContain("good.ts");
  });

  test("outside a git work tree it falls back to prettier --check .", () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, "bad.ts"), unformatted);
    const result = checkFormat(dir);
    expect(result.stderr).toContain(
      "check-format: not in a git work tree; running prettier --check .",
    );
    expect(result.stderr).toContain("bad.ts");
    expect(result.status).toBe(1);
  });
});
