// `npm run preview`, run in-process through runPreviewCommand: the plan's arithmetic, the stack
// outputs, and the --out rules (never delete or overwrite what the command did not write). The
// program runs once (the SDK's runtime is global per process); each command gets that run.
import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import * as path from "node:path";
import { projectRoot, runProgram, type ProgramRun } from "../tools/engine/mock-engine";
import type { StackConfigFile } from "../tools/engine/stack-config";
import { tempDir as makeTempDir, tempFolder } from "./support/temp";
import {
  isKubernetesObject,
  manifestFileName,
  manifestOf,
  outputMarkerFile,
  outputMarkerLine,
} from "../tools/engine/render";
import { formatOutputs, runPreviewCommand } from "../tools/preview";

let run: ProgramRun;
beforeAll(async () => {
  run = await runProgram("production");
});

const tempDir = () => makeTempDir("toolboxai-preview-");

interface Result {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** How many times the command ran the program. */
  readonly runs: number;
}

/** Runs the command with `argv`; the program's run is `programRun` (production by default). */
async function preview(
  argv: string[],
  options: {
    cwd?: string;
    /** The project folder the stack files are read from (the repository's by default). */
    root?: string;
    programRun?: (stack: string, config: StackConfigFile) => Promise<ProgramRun>;
  } = {},
): Promise<Result> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  let runs = 0;
  const code = await runPreviewCommand(
    argv,
    {
      stdout: { write: (text: string) => stdout.push(text) },
      stderr: { write: (text: string) => stderr.push(text) },
      env: {},
      cwd: options.cwd ?? tempDir(),
    },
    {
      projectRoot: options.root ?? projectRoot,
      runProgram: async (stack, config) => {
        runs++;
        return options.programRun ? options.programRun(stack, config) : run;
      },
    },
  );
  return { code, stdout: stdout.join(""), stderr: stderr.join(""), runs };
}

/** Every file under `dir`, relative, sorted. */
function listing(dir: string): string[] {
  return (readdirSync(dir, { recursive: true, withFileTypes: true }) as import("node:fs").Dirent[])
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
    .sort();
}

/** The production run without its Ingress, and the Ingress's manifest path in the output. */
function withoutIngress(): { run: ProgramRun; ingressFile: string } {
  const ingress = run.resources.find(
    (resource) => isKubernetesObject(resource) && resource.inputs.kind === "Ingress",
  );
  if (!ingress) throw new Error("production renders no Ingress");
  return {
    run: { ...run, resources: run.resources.filter((resource) => resource !== ingress) },
    ingressFile: path.join("kubernetes", manifestFileName(manifestOf(ingress))),
  };
}

describe("the plan", () => {
  test("the rows by type add up to the resources line, and with the components to the total", async () => {
    const { code, stdout } = await preview(["--stack", "production"]);
    expect(code).toBe(0);
    const lines = stdout.split("\n");
    const start = lines.indexOf("Resources by type") + 1;
    const rule = lines.findIndex((line, index) => index >= start && /^ {2}─+$/.test(line));
    expect(start).toBeGreaterThan(0);
    expect(rule).toBeGreaterThan(start);
    const rows = lines.slice(start, rule).map((line) => {
      const match = /^ {2}(\S+) +(\d+)$/.exec(line);
      if (!match) throw new Error(`not a row: ${line}`);
      return Number(match[2]);
    });
    const number = (label: RegExp) => {
      const line = lines.find((candidate) => label.test(candidate));
      if (!line) throw new Error(`no line ${label}`);
      return Number(/(\d+)$/.exec(line)?.[1]);
    };
    const resources = number(/^ {2}resources \(the rows above\) +\d+$/);
    const components = number(/^ {2}components \(the stack included\) +\d+$/);
    const total = number(new RegExp(`^ {2}total: ${resources} \\+ ${components} +\\d+$`));

    expect(rows.reduce((sum, count) => sum + count, 0)).toBe(resources);
    expect(resources + components).toBe(total);
    expect(total).toBe(run.resources.length);
    expect(resources).toBe(run.resources.filter((resource) => resource.custom).length);
    // Right below the rule, numbers aligned with the rows' counts.
    const [resourcesLine, componentsLine, totalLine] = lines.slice(rule + 1, rule + 4);
    expect(resourcesLine).toMatch(new RegExp(`^ {2}resources \\(the rows above\\) +${resources}$`));
    expect(componentsLine).toMatch(
      new RegExp(`^ {2}components \\(the stack included\\) +${components}$`),
    );
    expect(totalLine).toMatch(new RegExp(`^ {2}total: ${resources} \\+ ${components} +${total}$`));
    expect(
      new Set([resourcesLine, componentsLine, totalLine].map((line) => line.length)).size,
    ).toBe(1);
  });

  test("the stack outputs follow the plan, as pulumi preview prints them", async () => {
    const { stdout } = await preview(["--stack", "production"]);
    expect(stdout.indexOf("\nOutputs:\n")).toBeGreaterThan(stdout.indexOf("  total: "));
    expect(stdout).toContain(
      [
        "Outputs:",
        "    backup     : {",
        "        jobs                 : [",
        '            [0]: "postgres-backup"',
        '            [1]: "redis-backup"',
        '            [2]: "postgres-restore-check"',
        "        ]",
      ].join("\n"),
    );
    expect(stdout).toMatch(/ {8}restoreCheckRecipient: "age1[02-9ac-hj-np-z]{58}"\n {4}\}\n/);
    expect(stdout).toContain(
      [
        "    endpoints  : {",
        "        agentCoordinator: {",
        '            host: "agent-coordinator.toolboxai.svc.cluster.local"',
        "            port: 8888",
        "        }",
      ].join("\n"),
    );
    expect(stdout).toContain(
      [
        '    publicUrl  : "https://app.toolboxai.example"',
        "    runsOn     : {",
        "        namespaces: [",
        '            [0]: "toolboxai"',
        '            [1]: "toolboxai-monitoring"',
        '            [2]: "toolboxai-node-exporter"',
        '            [3]: "toolboxai-delivery"',
        "        ]",
        '        platform  : "kubernetes"',
        "    }",
        "    secretNames: {",
        "        generated        : [",
        '            [0]: "postgresPassword"',
      ].join("\n"),
    );
  });

  test("--config sets a value over the stack file's, as pulumi preview --config does", async () => {
    let seen: StackConfigFile | undefined;
    const result = await preview(
      ["--stack", "dev", "--config", "platform=kubernetes", "-c", "toolboxai:docker={}"],
      {
        programRun: async (_stack, config) => {
          seen = config;
          return run;
        },
      },
    );
    expect(result.code).toBe(0);
    expect(seen?.values).toMatchObject({
      "toolboxai:platform": "kubernetes",
      "toolboxai:docker": "{}",
      // The rest is the stack file's.
      "toolboxai:environment": "dev",
    });
    const bad = await preview(["--stack", "dev", "--config", "platform"]);
    expect({ code: bad.code, stderr: bad.stderr, runs: bad.runs }).toEqual({
      code: 2,
      stderr: "--config platform: must be key=value, such as platform=kubernetes\n",
      runs: 0,
    });
  });

  test("a bad --config value is named as the command line's, before the program runs", async () => {
    const bad = await preview(["--stack", "dev", "--config", "logLevel=verbose"]);
    expect({ code: bad.code, stderr: bad.stderr, runs: bad.runs }).toEqual({
      code: 2,
      stderr:
        "Pulumi.dev.yaml with the command line's --config has 1 configuration problem:\n" +
        '  toolboxai:logLevel (--config, on the command line) = "verbose": must be one of: ' +
        "debug, info, warning, error\n",
      runs: 0,
    });
  });

  test("secret outputs are shown as [secret], never their value", async () => {
    // Another program: the real one exports no secret. Its entry differs, so it runs afresh.
    const fixture = await runProgram("fixture", {
      entry: path.join(__dirname, "fixtures", "secret-outputs"),
      config: { values: {}, secretKeys: [] },
    });
    const text = formatOutputs(fixture.redactedOutputs);
    expect(text).toBe(
      [
        "Outputs:",
        "    apiToken : [secret]",
        "    database : [secret]",
        "    ports    : [",
        "        [0]: 80",
        "        [1]: 443",
        "    ]",
        '    publicUrl: "https://fixture.example"',
      ].join("\n"),
    );
    expect(fixture.outputs.apiToken).toBe("fixture-token-value");
  });
});

describe("arguments", () => {
  test("an unknown stack is refused with the stacks there are, before running anything", async () => {
    const result = await preview(["--stack", "prod"]);
    expect(result).toEqual({
      code: 2,
      stdout: "",
      stderr: "No stack file Pulumi.prod.yaml; stacks: dev, production, staging\n",
      runs: 0,
    });
  });

  test("a missing --stack is a usage error", async () => {
    const result = await preview([]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe("error: required option '-s, --stack <name>' not specified\n");
  });

  test("a program that fails (bad config) prints its message and exits 2", async () => {
    const result = await preview(["--stack", "production"], {
      programRun: () =>
        Promise.reject(new Error("Pulumi.production.yaml has 1 configuration problem: ...")),
    });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe("Pulumi.production.yaml has 1 configuration problem: ...\n");
  });
});

describe("a stack file that is not valid YAML", () => {
  const projectYaml = readFileSync(path.join(projectRoot, "Pulumi.yaml"), "utf8");
  const stackYaml = readFileSync(path.join(projectRoot, "Pulumi.production.yaml"), "utf8");
  /** A project folder: the real Pulumi.yaml and Pulumi.production.yaml, or these texts. */
  const project = (files: { stack?: string; project?: string }) =>
    tempFolder("toolboxai-stackfile-", {
      "Pulumi.yaml": files.project ?? projectYaml,
      "Pulumi.production.yaml": files.stack ?? stackYaml,
    });
  const aliasBomb = [
    "config:",
    "  a: &a [x, x, x, x, x, x, x, x, x]",
    ...["b", "c", "d", "e", "f", "g"].map(
      (name, index) => `  ${name}: &${name} [${Array(9).fill(`*${"abcdefg"[index]}`).join(", ")}]`,
    ),
  ].join("\n");

  test.each([
    [
      "a duplicate key",
      `${stackYaml}  toolboxai:logLevel: debug\n`,
      `not valid YAML: Map keys must be unique at line ${stackYaml.split("\n").length}, column 3`,
    ],
    [
      "a syntax error",
      "config:\n  toolboxai:namespace: [toolboxai\n",
      "not valid YAML: Flow sequence in block collection must be sufficiently indented and end " +
        "with a ] at line 3, column 1",
    ],
    [
      "an alias bomb",
      aliasBomb,
      "not valid YAML: Excessive alias count indicates a resource exhaustion attack",
    ],
    ["a list at the top", "- config\n", "not a mapping of keys (such as config:) to values"],
    [
      "config that is not a mapping",
      "config: production\n",
      "config: is not a mapping of keys to values",
    ],
  ])(
    "%s: exit 2 naming the file and where, no stack trace, nothing run",
    async (_, text, reason) => {
      const root = project({ stack: text });
      const result = await preview(["--stack", "production"], { root });
      expect(result).toEqual({
        code: 2,
        stdout: "",
        stderr: `${path.join(root, "Pulumi.production.yaml")}: ${reason}\n`,
        runs: 0,
      });
    },
  );

  test("Pulumi.yaml is read the same way", async () => {
    const root = project({ project: "name: toolboxai\nname: again\n" });
    const result = await preview(["--stack", "production"], { root });
    expect(result).toEqual({
      code: 2,
      stdout: "",
      stderr: `${path.join(root, "Pulumi.yaml")}: not valid YAML: Map keys must be unique at line 2, column 1\n`,
      runs: 0,
    });
  });

  test("a valid copy of the project runs", async () => {
    const result = await preview(["--stack", "production"], { root: project({}) });
    expect([result.code, result.runs]).toEqual([0, 1]);
  });
});

describe("--out DIR", () => {
  test("creates a missing folder, relative to the working folder, marked and ignored by git", async () => {
    const cwd = tempDir();
    const result = await preview(["--stack", "production", "--out", "rendered/production"], {
      cwd,
    });
    expect(result.code).toBe(0);
    const outDir = path.join(cwd, "rendered", "production");
    const manifests = run.resources.filter(isKubernetesObject).length;
    expect(result.stdout).toContain(
      `Wrote ${manifests} manifests to rendered/production/kubernetes and resources.json`,
    );
    const marker = readFileSync(path.join(outDir, outputMarkerFile), "utf8").split("\n");
    expect(marker[0]).toBe(outputMarkerLine);
    expect(marker[0]).toBe(
      "# Written by `npm run preview -- --out` (tools/preview.ts): rendered output, not source.",
    );
    expect(marker).toContain("*");
    const written = listing(outDir);
    expect(written).toHaveLength(manifests + 2);
    expect(written).toContain("resources.json");
    // The marker lists every file it wrote, the ones the next render deletes.
    for (const file of written.filter((name) => name !== outputMarkerFile)) {
      expect(marker).toContain(`# ${file}`);
    }
  });

  test("writes into an empty folder", async () => {
    const outDir = tempDir();
    const result = await preview(["--stack", "production", "--out", outDir]);
    expect(result.code).toBe(0);
    expect(listing(outDir)).toContain("resources.json");
  });

  test("the same plan registered in another order writes the same bytes", async () => {
    const first = tempDir();
    const second = tempDir();
    expect((await preview(["--stack", "production", "--out", first])).code).toBe(0);
    const reversed: ProgramRun = { ...run, resources: [...run.resources].reverse() };
    const again = await preview(["--stack", "production", "--out", second], {
      programRun: async () => reversed,
    });
    expect(again.code).toBe(0);
    const read = (dir: string, file: string) => readFileSync(path.join(dir, file), "utf8");
    for (const file of [outputMarkerFile, "resources.json"]) {
      expect(read(second, file)).toBe(read(first, file));
    }
  });

  test("rendering again into its own folder deletes only the files it wrote", async () => {
    const outDir = tempDir();
    expect((await preview(["--stack", "production", "--out", outDir])).code).toBe(0);
    writeFileSync(path.join(outDir, "notes.md"), "mine\n");
    writeFileSync(path.join(outDir, "kubernetes", "my-patch.yaml"), "mine: true\n");

    // The next render has no Ingress: its stale manifest goes, the user's files stay.
    const { run: smaller, ingressFile } = withoutIngress();
    expect(existsSync(path.join(outDir, ingressFile))).toBe(true);
    const again = await preview(["--stack", "production", "--out", outDir], {
      programRun: async () => smaller,
    });
    expect(again.code).toBe(0);
    expect(existsSync(path.join(outDir, ingressFile))).toBe(false);
    expect(readFileSync(path.join(outDir, "notes.md"), "utf8")).toBe("mine\n");
    expect(readFileSync(path.join(outDir, "kubernetes", "my-patch.yaml"), "utf8")).toBe(
      "mine: true\n",
    );
    expect(readFileSync(path.join(outDir, outputMarkerFile), "utf8")).not.toContain(ingressFile);
  });

  test("a folder that is neither empty nor its own is refused: exit 2, nothing written", async () => {
    const cwd = tempDir();
    mkdirSync(path.join(cwd, "kubernetes"));
    writeFileSync(path.join(cwd, "kubernetes", "deployment.yaml"), "kind: Deployment\n");
    writeFileSync(path.join(cwd, ".gitignore"), "node_modules/\n");
    const before = listing(cwd);

    const result = await preview(["--stack", "production", "--out", "."], { cwd });
    expect(result).toEqual({
      code: 2,
      stdout: "",
      stderr:
        `--out .: ${cwd} is not empty and no earlier render wrote it (it has no .gitignore ` +
        "saying so), so nothing was written. The render writes only into a missing or empty " +
        "folder, or one it wrote before: name another folder, such as out/production, or " +
        "empty this one.\n",
      runs: 0,
    });
    expect(listing(cwd)).toEqual(before);
    expect(readFileSync(path.join(cwd, "kubernetes", "deployment.yaml"), "utf8")).toBe(
      "kind: Deployment\n",
    );
  });

  test("a file is refused with a message, not a stack trace", async () => {
    const cwd = tempDir();
    writeFileSync(path.join(cwd, "README.md"), "# mine\n");
    const result = await preview(["--stack", "production", "--out", "README.md"], { cwd });
    expect(result).toEqual({
      code: 2,
      stdout: "",
      stderr:
        `--out README.md: ${path.join(cwd, "README.md")} is a file, not a folder. Name a ` +
        "folder for the render (it is created if missing), such as out/production.\n",
      runs: 0,
    });
    expect(readFileSync(path.join(cwd, "README.md"), "utf8")).toBe("# mine\n");
  });

  test("in its own folder, a file it did not write where it would write one is refused", async () => {
    const outDir = tempDir();
    const { run: smaller, ingressFile } = withoutIngress();
    await preview(["--stack", "production", "--out", outDir], { programRun: async () => smaller });
    writeFileSync(path.join(outDir, ingressFile), "my own ingress\n");
    const before = listing(outDir);
    const marker = readFileSync(path.join(outDir, outputMarkerFile), "utf8");

    const result = await preview(["--stack", "production", "--out", outDir]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `--out ${outDir}: ${outDir} was written by an earlier render, but not ${ingressFile}, ` +
        "which this render would overwrite, so nothing was written. Move it out of the folder " +
        "first.\n",
    );
    expect(readFileSync(path.join(outDir, ingressFile), "utf8")).toBe("my own ingress\n");
    expect(listing(outDir)).toEqual(before);
    expect(readFileSync(path.join(outDir, outputMarkerFile), "utf8")).toBe(marker);
  });

  describe("a link in its folder is never followed", () => {
    /** A marked output folder (an earlier render's) and, beside it, a folder of someone else's. */
    const markedFolderAndVictim = async () => {
      const parent = tempDir();
      const outDir = path.join(parent, "out");
      const victim = path.join(parent, "victim");
      mkdirSync(victim);
      writeFileSync(path.join(victim, "important.txt"), "precious\n");
      expect((await preview(["--stack", "production", "--out", outDir])).code).toBe(0);
      return { outDir, victim };
    };
    const refusal = (what: string, outDir: string) =>
      `--out ${outDir}: ${what}: the render writes and deletes only inside ${outDir}, never ` +
      "through a link, so nothing was written. Remove it, or name another folder.\n";

    test("kubernetes/ linked to another folder, the marker listing a file there: exit 2, nothing touched (F7)", async () => {
      const { outDir, victim } = await markedFolderAndVictim();
      rmSync(path.join(outDir, "kubernetes"), { recursive: true });
      symlinkSync(victim, path.join(outDir, "kubernetes"));
      const markerPath = path.join(outDir, outputMarkerFile);
      writeFileSync(markerPath, `${readFileSync(markerPath, "utf8")}# kubernetes/important.txt\n`);
      const before = readFileSync(markerPath, "utf8");

      const result = await preview(["--stack", "production", "--out", outDir]);
      expect(result).toEqual({
        code: 2,
        stdout: "",
        stderr: refusal(
          `${path.join(outDir, "kubernetes")} is a link (to ${victim}), not a folder`,
          outDir,
        ),
        runs: 0,
      });
      expect(listing(victim)).toEqual(["important.txt"]);
      expect(readFileSync(path.join(victim, "important.txt"), "utf8")).toBe("precious\n");
      expect(readFileSync(markerPath, "utf8")).toBe(before);
    });

    test("a listed file under a linked folder is not deleted", async () => {
      const { outDir, victim } = await markedFolderAndVictim();
      symlinkSync(victim, path.join(outDir, "elsewhere"));
      const markerPath = path.join(outDir, outputMarkerFile);
      writeFileSync(markerPath, `${readFileSync(markerPath, "utf8")}# elsewhere/important.txt\n`);

      const result = await preview(["--stack", "production", "--out", outDir]);
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(
        refusal(`${path.join(outDir, "elsewhere")} is a link (to ${victim}), not a folder`, outDir),
      );
      expect(listing(victim)).toEqual(["important.txt"]);
    });

    test("a marker that is a link is not written through", async () => {
      const { outDir, victim } = await markedFolderAndVictim();
      const markerPath = path.join(outDir, outputMarkerFile);
      const elsewhere = path.join(victim, "marker-copy");
      writeFileSync(elsewhere, readFileSync(markerPath, "utf8"));
      rmSync(markerPath);
      symlinkSync(elsewhere, markerPath);

      const result = await preview(["--stack", "production", "--out", outDir]);
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(
        `--out ${outDir}: ${markerPath} is a link, not the render's own file, so nothing was ` +
          "written. Remove it, or name another folder.\n",
      );
      expect(readFileSync(elsewhere, "utf8")).toMatch(/^# Written by/);
      expect(listing(victim)).toEqual(["important.txt", "marker-copy"]);
    });

    test("kubernetes/ that is a file is refused before anything is deleted", async () => {
      const { outDir } = await markedFolderAndVictim();
      rmSync(path.join(outDir, "kubernetes"), { recursive: true });
      writeFileSync(path.join(outDir, "kubernetes"), "not a folder\n");
      const result = await preview(["--stack", "production", "--out", outDir]);
      expect(result.stderr).toBe(
        refusal(`${path.join(outDir, "kubernetes")} is a file, not a folder`, outDir),
      );
      expect(listing(outDir)).toEqual([".gitignore", "kubernetes", "resources.json"]);
    });
  });

  test("an edited marker cannot make it delete anything outside its folder", async () => {
    const parent = tempDir();
    const outDir = path.join(parent, "rendered");
    writeFileSync(path.join(parent, "victim.txt"), "keep\n");
    expect((await preview(["--stack", "production", "--out", outDir])).code).toBe(0);
    const markerPath = path.join(outDir, outputMarkerFile);
    writeFileSync(
      markerPath,
      `${readFileSync(markerPath, "utf8")}# ../victim.txt\n# ${path.join(parent, "victim.txt")}\n`,
    );
    expect((await preview(["--stack", "production", "--out", outDir])).code).toBe(0);
    expect(readFileSync(path.join(parent, "victim.txt"), "utf8")).toBe("keep\n");
  });
});

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
