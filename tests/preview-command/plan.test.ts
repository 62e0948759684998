// `npm run preview`: the plan's arithmetic and the stack outputs, the arguments, and stack files
// that are not valid YAML. The production program runs once for this file (support.ts).
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { projectRoot, runProgram, type ProgramRun } from "../../tools/engine/mock-engine";
import type { StackConfigFile } from "../../tools/engine/stack-config";
import { formatOutputs } from "../../tools/preview";
import { tempFolder } from "../support/temp";
import { preview, productionRun } from "./support";

let run: ProgramRun;
beforeAll(async () => {
  run = await productionRun();
});

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
        "    backup      : {",
        "        jobs                 : [",
        '            [0]: "postgres-backup"',
        '            [1]: "redis-backup"',
        '            [2]: "postgres-restore-check"',
        '            [3]: "postgres-archive-restore-check"',
        "        ]",
      ].join("\n"),
    );
    expect(stdout).toMatch(/ {8}restoreCheckRecipient: "age1[02-9ac-hj-np-z]{58}"\n {4}\}\n/);
    expect(stdout).toContain(
      [
        "    endpoints   : {",
        "        agentCoordinator: {",
        '            host: "agent-coordinator.toolboxai.svc.cluster.local"',
        "            port: 8888",
        "        }",
      ].join("\n"),
    );
    // The flow table: one line per port, who may connect to it (production's PostgreSQL is a
    // CloudNativePG cluster, whose instances also replicate from each other).
    expect(stdout).toMatch(
      / {12}toolboxai\/postgres:postgresql +: "5432 ← backend, observability, backup, its own pods"\n/,
    );
    expect(stdout).toContain(
      [
        '    publicUrl   : "https://app.toolboxai.example"',
        "    runsOn      : {",
        "        namespaces: [",
        '            [0]: "toolboxai"',
        '            [1]: "toolboxai-monitoring"',
        '            [2]: "toolboxai-node-exporter"',
        '            [3]: "toolboxai-delivery"',
        '            [4]: "cnpg-system"',
        "        ]",
        '        platform  : "kubernetes"',
        "    }",
        "    secretNames : {",
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
      entry: path.join(__dirname, "..", "fixtures", "secret-outputs"),
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
