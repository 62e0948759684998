// The restore runbooks' extraction (tools/e2e/restore.ts) from docs/DISASTER_RECOVERY.md, and the
// witnesses the e2e puts first on PATH: every command passes to the real kubectl and sh, and those
// that act on the platform are recorded with the cluster's state first. The witnesses run here as
// bash scripts, against a fake kubectl and fake data scripts that print what they were given.
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import {
  extractRunbook,
  fetchRunbook,
  parseWitnessLog,
  pauseField,
  renderRunbook,
  runbookFile,
  shellQuote,
  undeclaredVariables,
  volumeFetchRunbook,
  wordsOf,
  writeWitnesses,
} from "../tools/e2e/restore";
import { projectRoot } from "../tools/project-root";
import { tempDir } from "./support/temp";

const doc = readFileSync(path.join(projectRoot, runbookFile), "utf8");
const variables = [
  "NAMESPACE",
  "STACK",
  "DELIVERY",
  "DELIVERY_NAMESPACE",
  "DELIVERY_OBJECT",
  "SET",
];

describe("the runbooks in docs/DISASTER_RECOVERY.md", () => {
  it.each(["postgres-restore", "redis-restore"])("%s: found, its variables declared", (name) => {
    const block = extractRunbook(doc, runbookFile, name);
    expect([...block.variables.keys()]).toEqual(expect.arrayContaining(variables));
    expect(undeclaredVariables(block)).toEqual([]);
    expect(block.text).toContain("pulumi up --refresh");
    expect(block.text).toContain('--policy-pack-config "policies/config/$STACK.json"');
    // The doc's values are production's, which the e2e's deployed stack also has.
    expect(block.variables.get("NAMESPACE")).toBe("toolboxai");
    expect(block.variables.get("DELIVERY_OBJECT")).toBe("toolboxai-production");
  });

  it("the PostgreSQL block stops every Deployment holding the database's password", () => {
    const block = extractRunbook(doc, runbookFile, "postgres-restore");
    expect(wordsOf(block.variables.get("WRITERS")!)).toEqual([
      "backend",
      "celery-worker",
      "celery-beat",
      "mcp-server",
      "agent-coordinator",
    ]);
  });

  it(`${fetchRunbook}: the bucket's settings and the credentials' files at its top, nothing on a command line`, () => {
    const block = extractRunbook(doc, runbookFile, fetchRunbook);
    expect([...block.variables.keys()]).toEqual([
      "SERVICE",
      "ENDPOINT",
      "BUCKET",
      "REGION",
      "PREFIX",
      "CA_FILE",
      "ACCESS_KEY_ID_FILE",
      "SECRET_ACCESS_KEY_FILE",
      "SET",
    ]);
    expect(undeclaredVariables(block)).toEqual([]);
    expect(block.text).toContain("sh scripts/backup/backup-fetch.sh");
    expect(block.text).toContain("S3_SECRET_ACCESS_KEY_FILE=$SECRET_ACCESS_KEY_FILE");
  });

  it(`${volumeFetchRunbook}: the namespace, the set and the image at its top; the volume mounted read-only`, () => {
    const block = extractRunbook(doc, runbookFile, volumeFetchRunbook);
    expect([...block.variables.keys()]).toEqual(["NAMESPACE", "SET", "IMAGE"]);
    expect(undeclaredVariables(block)).toEqual([]);
    expect(block.text).toContain('"readOnly":true}}]}}');
    expect(block.text).toContain("delete pod backup-shell");
  });

  it("every --policy-pack in the doc comes with its --policy-pack-config", () => {
    const lines = doc.split("\n");
    const commands = lines
      .map((line, index) => (line.endsWith("\\") ? `${line} ${lines[index + 1]}` : line))
      .filter((line) => line.includes("--policy-pack "));
    expect(commands.length).toBeGreaterThan(2);
    for (const command of commands) expect(command).toContain("--policy-pack-config");
  });

  const shellcheck = spawnSync("shellcheck", ["--version"]).status === 0;
  (shellcheck || process.env.CI === "true" ? it.each : it.skip.each)([
    fetchRunbook,
    volumeFetchRunbook,
    "postgres-restore",
    "redis-restore",
  ])("%s passes ShellCheck as bash", (name) => {
    const block = extractRunbook(doc, runbookFile, name);
    const result = spawnSync("shellcheck", ["--shell=bash", "-"], {
      input: block.text,
      encoding: "utf8",
    });
    expect(result.stdout).toBe("");
    expect(result.status).toBe(0);
  });
});

describe("the Docker rehearsal in docs/DISASTER_RECOVERY.md (docker-postgres-verify)", () => {
  const block = () => extractRunbook(doc, runbookFile, "docker-postgres-verify");

  it("sets its key, prefix and image at its top, and uses nothing else but $PWD", () => {
    expect([...block().variables.keys()]).toEqual(["KEY", "PREFIX", "IMAGE"]);
    expect(undeclaredVariables(block())).toEqual(["PWD"]);
    // The upstream reference, as in the stack file; the e2e sets the local one.
    expect(block().variables.get("IMAGE")).toBe("ghcr.io/toolboxai/backup-tools:1.0.0");
  });

  it("passes the key on standard input only, to a hardened container with no network", () => {
    const text = block().text;
    expect(text.trimEnd().endsWith('<"$KEY"')).toBe(true);
    expect(text.match(/\$KEY/g)).toHaveLength(1);
    for (const option of [
      "--network none",
      "--user 10001:10001",
      "--read-only",
      "--cap-drop ALL",
      "no-new-privileges:true",
      "target=/backups,readonly",
    ]) {
      expect(text).toContain(option);
    }
  });

  const shellcheck = spawnSync("shellcheck", ["--version"]).status === 0;
  (shellcheck || process.env.CI === "true" ? it : it.skip)("passes ShellCheck as bash", () => {
    const result = spawnSync("shellcheck", ["--shell=bash", "-"], {
      input: block().text,
      encoding: "utf8",
    });
    expect(result.stdout).toBe("");
    expect(result.status).toBe(0);
  });
});

describe("extractRunbook", () => {
  const markdown = [
    "# Doc",
    "",
    "<!-- runbook: demo -->",
    "",
    "```sh",
    "NAMESPACE=toolboxai  # where",
    'WORDS="a b"',
    'kubectl -n "$NAMESPACE" get pods $WORDS',
    "```",
    "",
  ].join("\n");

  it("reads the variables at the block's top and the text after them", () => {
    const block = extractRunbook(markdown, "doc.md", "demo");
    expect([...block.variables]).toEqual([
      ["NAMESPACE", "toolboxai"],
      ["WORDS", '"a b"'],
    ]);
    expect(block.line).toBe(6);
    expect(block.text.split("\n")[2]).toBe('kubectl -n "$NAMESPACE" get pods $WORDS');
  });

  it("fails naming the file and the marker when the marker is missing", () => {
    expect(() => extractRunbook(markdown, "docs/DISASTER_RECOVERY.md", "postgres-restore")).toThrow(
      'docs/DISASTER_RECOVERY.md: no "<!-- runbook: postgres-restore -->" marker: nothing to run',
    );
    const unmarked = doc.replace("<!-- runbook: redis-restore -->", "");
    expect(() => extractRunbook(unmarked, runbookFile, "redis-restore")).toThrow(
      `${runbookFile}: no "<!-- runbook: redis-restore -->" marker`,
    );
  });

  it("fails on a marker used twice, one without a block, and a block without variables", () => {
    expect(() => extractRunbook(`${markdown}\n${markdown}`, "doc.md", "demo")).toThrow(
      '"<!-- runbook: demo -->" marks 2 blocks (lines 3, 13)',
    );
    expect(() => extractRunbook("<!-- runbook: demo -->\nSome text.\n", "doc.md", "demo")).toThrow(
      'doc.md:1: "<!-- runbook: demo -->" is not followed by a ```sh block',
    );
    expect(() =>
      extractRunbook("<!-- runbook: demo -->\n```sh\nkubectl get pods\n```\n", "doc.md", "demo"),
    ).toThrow('doc.md:3: the block after "<!-- runbook: demo -->" assigns no variable');
  });

  it("finds a variable used but never assigned", () => {
    const block = extractRunbook(
      markdown.replace("get pods", 'get pods "$MISSING" ${OTHER:-x}'),
      "doc.md",
      "demo",
    );
    expect(undeclaredVariables(block)).toEqual(["MISSING", "OTHER"]);
  });
});

describe("renderRunbook", () => {
  const block = extractRunbook(doc, runbookFile, "postgres-restore");

  it("assigns the overrides, keeps the comments and every other line", () => {
    const rendered = renderRunbook(block, { STACK: "cluster-production", NAMESPACE: "it's" });
    const lines = rendered.split("\n");
    expect(lines[0]).toMatch(/^NAMESPACE='it'\\''s' +# the platform's namespace$/);
    expect(lines[1]).toMatch(/^STACK=cluster-production +# the Pulumi stack/);
    expect(lines.slice(2)).toEqual(block.text.split("\n").slice(2));
  });

  it("refuses an override of a variable the block does not assign", () => {
    expect(() => renderRunbook(block, { STACKS: "x" })).toThrow(
      "the runbook postgres-restore assigns no STACKS (it assigns NAMESPACE, STACK,",
    );
  });

  it("quotes for bash only what needs it", () => {
    expect(shellQuote("toolboxai-delivery")).toBe("toolboxai-delivery");
    expect(shellQuote("a b")).toBe("'a b'");
  });
});

describe("pauseField", () => {
  it("names the operator's Stack and Argo CD's Application, and nothing for mode none", () => {
    const operator = pauseField({ mode: "operator", namespace: "d", stackObject: "s" })!;
    expect([
      operator.kind,
      operator.jsonPath,
      operator.paused("true"),
      operator.paused(""),
    ]).toEqual(["stack", "{.spec.preview}", true, false]);
    const argocd = pauseField({ mode: "argocd", namespace: "argocd", application: "a" })!;
    expect([argocd.kind, argocd.paused("false"), argocd.paused("true")]).toEqual([
      "application",
      true,
      false,
    ]);
    expect(pauseField({ mode: "none" })).toBeUndefined();
  });
});

describe("the witnesses", () => {
  const dir = tempDir("runbook-witnesses-");
  const bin = writeWitnesses(dir);
  // The real kubectl here: prints its arguments, and what it was piped.
  const fake = path.join(dir, "fake-kubectl");
  writeFileSync(fake, '#!/usr/bin/env bash\necho "REAL $*"\n[ -t 0 ] || head -c 20\n');
  chmodSync(fake, 0o755);
  // The data scripts here: print their arguments.
  mkdirSync(path.join(dir, "scripts", "backup"), { recursive: true });
  for (const script of ["pg-restore.sh", "redis-restore.sh", "backup-fetch.sh", "other.sh"]) {
    writeFileSync(path.join(dir, "scripts", "backup", script), `echo "RAN ${script} $*"\n`);
  }
  const log = path.join(dir, "log");

  function run(command: string, input = "") {
    writeFileSync(log, "");
    const result = spawnSync("bash", ["-c", command], {
      cwd: dir,
      input,
      encoding: "utf8",
      env: {
        PATH: `${bin}:${process.env.PATH}`,
        RUNBOOK_KUBECTL: fake,
        RUNBOOK_LOG: log,
        RUNBOOK_PROBE: "echo 'paused=true Deployment/backend=0'",
      },
    });
    return { ...result, records: parseWitnessLog(readFileSync(log, "utf8")) };
  }
  const state = new Map([
    ["paused", "true"],
    ["Deployment/backend", "0"],
  ]);

  it.each([
    "kubectl -n toolboxai get pods",
    "kubectl -n toolboxai-delivery patch stack toolboxai-production --type merge -p '{\"spec\":{}}'",
    "kubectl -n toolboxai scale deployment backend celery-worker --replicas=0",
    "kubectl -n toolboxai wait --for=condition=Ready pod/redis-restore --timeout=5m",
    "kubectl -n toolboxai run redis-restore --image=x --restart=Never --overrides='{}'",
    "kubectl -n toolboxai delete pod redis-restore --wait",
    "kubectl -n toolboxai logs pod/redis-restore",
  ])("passes %s to the real kubectl, unrecorded", (command) => {
    const result = run(command);
    expect(result.stdout).toBe(`REAL ${command.replace(/^kubectl /, "").replace(/'/g, "")}\n`);
    expect(result.records).toEqual([]);
    expect(result.status).toBe(0);
  });

  it.each([
    ["kubectl -n toolboxai exec redis-restore -- rm -rf /data/dump.rdb", "pod/redis-restore"],
    ["kubectl -n toolboxai cp scripts/backup redis-restore:/tmp/scripts", "pod/redis-restore"],
    ["kubectl cp toolboxai/backup-shell:/backups/a.age restore/a.age", "pod/backup-shell"],
    ["kubectl -n toolboxai port-forward svc/postgres 15432:5432", "svc/postgres"],
  ])("records %s (acting on %s) with the state, then runs it", (command, target) => {
    const result = run(command);
    expect(result.stdout).toBe(`REAL ${command.replace(/^kubectl /, "")}\n`);
    expect(result.records).toEqual([
      { tool: "kubectl", command, target, acts: "platform", pid: expect.any(Number), state },
    ]);
    expect(result.status).toBe(0);
  });

  it("passes an exec -i what it is piped, and keeps the command's PID (a port-forward is found by it)", () => {
    const piped = run("printf data | kubectl -n toolboxai exec -i redis-restore -- tar -xf -");
    expect(piped.stdout).toBe("REAL -n toolboxai exec -i redis-restore -- tar -xf -\ndata");
    const forward = run(
      "kubectl -n toolboxai port-forward svc/postgres 15432:5432 >/dev/null & echo $!; wait",
    );
    expect(forward.records.map((record) => record.pid)).toEqual([Number(forward.stdout)]);
  });

  it("records the data scripts (the database's restore on the platform, the rest on the laptop) and runs them", () => {
    expect(run("sh -c 'echo real sh'").stdout).toBe("real sh\n");
    const other = run("sh scripts/backup/other.sh x");
    expect([other.stdout, other.records]).toEqual(["RAN other.sh x\n", []]);
    const restore = run("sh scripts/backup/pg-restore.sh --force restore/s.age toolboxai");
    expect(restore.stdout).toBe("RAN pg-restore.sh --force restore/s.age toolboxai\n");
    expect(restore.records.map((record) => [record.target, record.acts])).toEqual([
      ["pg-restore.sh", "platform"],
    ]);
    const laptop = run(
      "sh scripts/backup/redis-restore.sh s data; sh scripts/backup/backup-fetch.sh redis restore",
    );
    expect(laptop.records.map((record) => [record.target, record.acts])).toEqual([
      ["redis-restore.sh", "laptop"],
      ["backup-fetch.sh", "laptop"],
    ]);
    const failing = run("sh scripts/backup/missing.sh");
    expect(failing.status).not.toBe(0);
  });
});
