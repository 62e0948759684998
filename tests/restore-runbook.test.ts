// The restore runbook's extraction (tools/e2e/restore.ts) from docs/DISASTER_RECOVERY.md, and the
// stand-ins the e2e puts first on PATH: which commands they pass to the real kubectl and sh, and
// which they record as needing a node. The stand-ins run here as bash scripts, against a fake
// kubectl that answers `get` for the objects a test says exist.
import { spawnSync } from "node:child_process";
import { chmodSync, readFileSync, statSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import {
  extractRunbook,
  nodeBound,
  parseStandInLog,
  pauseField,
  renderRunbook,
  runbookFile,
  shellQuote,
  undeclaredVariables,
  wordsOf,
  writeStandIns,
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

describe("the stand-ins", () => {
  const dir = tempDir("runbook-standins-");
  const bin = writeStandIns(dir);
  // The real kubectl's stand-in here: prints its arguments; `get <target> -o name` succeeds for
  // the objects in $EXISTING.
  const fake = path.join(dir, "fake-kubectl");
  writeFileSync(
    fake,
    [
      "#!/usr/bin/env bash",
      'if [ "${*: -2}" = "-o name" ]; then',
      "  for object in $EXISTING; do",
      '    if [ "${*: -3:1}" = "$object" ]; then echo "$* found"; exit 0; fi',
      "  done",
      '  echo "Error from server (NotFound)" >&2; exit 1',
      "fi",
      'echo "REAL $*"',
      "",
    ].join("\n"),
  );
  chmodSync(fake, 0o755);
  const log = path.join(dir, "log");

  function run(command: string, input = "", extra: NodeJS.ProcessEnv = {}) {
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
        EXISTING: "pod/redis-restore pod/backup-shell svc/postgres",
        ...extra,
      },
    });
    return { ...result, records: parseStandInLog(readFileSync(log, "utf8")) };
  }

  it.each([
    "kubectl -n toolboxai get pods",
    "kubectl -n toolboxai-delivery patch stack toolboxai-production --type merge -p '{\"spec\":{}}'",
    "kubectl -n toolboxai scale deployment backend celery-worker --replicas=0",
    "kubectl -n toolboxai wait --for=delete pod/redis-0 --timeout=10m",
    "kubectl -n toolboxai run redis-restore --image=x --restart=Never --overrides='{}'",
    "kubectl -n toolboxai delete pod redis-restore --wait",
  ])("passes %s to the real kubectl", (command) => {
    const result = run(command);
    expect(result.stdout).toBe(`REAL ${command.replace(/^kubectl /, "").replace(/'/g, "")}\n`);
    expect(result.records).toEqual([]);
    expect(result.status).toBe(0);
  });

  it.each([
    ["kubectl -n toolboxai exec redis-restore -- rm -rf /data/dump.rdb", "pod/redis-restore"],
    ["kubectl -n toolboxai cp scripts/backup redis-restore:/tmp/scripts", "pod/redis-restore"],
    ["kubectl cp toolboxai/backup-shell:/backups/a.age restore/a.age", "pod/backup-shell"],
    ["kubectl --namespace=toolboxai logs pod/redis-restore", "pod/redis-restore"],
    ["kubectl -n toolboxai wait --for=condition=Ready pod/redis-restore", "pod/redis-restore"],
    ["kubectl -n toolboxai wait --for condition=ready pod/redis-restore", "pod/redis-restore"],
  ])("stands in for %s: checks %s exists, records the state", (command, target) => {
    const result = run(command);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain(`not run: needs a node (${target} exists)`);
    expect(result.records).toEqual([
      {
        tool: "kubectl",
        command,
        target,
        outcome: nodeBound,
        pid: expect.any(Number),
        state: new Map([
          ["paused", "true"],
          ["Deployment/backend", "0"],
        ]),
      },
    ]);
    expect(result.status).toBe(0);
  });

  it("fails, as the real command would, when the pod or service does not exist", () => {
    const result = run("kubectl -n toolboxai exec backup-shel -- ls /backups");
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("pod/backup-shel not found");
    expect(result.records.map((record) => record.outcome)).toEqual([
      "failed: pod/backup-shel not found",
    ]);
  });

  it("takes what an exec -i is piped", () => {
    const result = run(
      "head -c 300000 /dev/zero | kubectl -n toolboxai exec -i redis-restore -- tar -xf -; " +
        'echo "pipe ${PIPESTATUS[*]}"',
    );
    expect(result.stdout).toBe("pipe 0 0\n");
  });

  it("holds a port-forward until it is killed, like the real one", () => {
    const result = run(
      "kubectl -n toolboxai port-forward svc/postgres 15432:5432 & forward=$!; sleep 0.5; " +
        'kill -0 "$forward" && echo running; kill "$forward"; wait "$forward"; echo "ended $?"',
    );
    expect(result.stdout).toBe("running\nended 143\n");
    expect(result.records.map((record) => record.target)).toEqual(["svc/postgres"]);
  });

  it("passes sh on, and stands in for the data scripts after their own first checks", () => {
    expect(run("sh -c 'echo real sh'").stdout).toBe("real sh\n");
    const password = path.join(dir, "password");
    writeFileSync(password, "secret", { mode: 0o600 });
    chmodSync(password, 0o600);
    const restore = "sh scripts/backup/pg-restore.sh --force --identity k restore/s.age toolboxai";
    const ok = run(restore, "", { DATABASE_PASSWORD_FILE: password });
    expect(ok.records.map((record) => [record.target, record.outcome])).toEqual([
      ["pg-restore.sh", nodeBound],
    ]);
    expect(ok.status).toBe(0);

    chmodSync(password, 0o644);
    expect(statSync(password).mode & 0o777).toBe(0o644);
    const open = run(restore, "", { DATABASE_PASSWORD_FILE: password });
    expect(open.status).toBe(1);
    expect(open.records[0].outcome).toBe(`failed: ${password} is readable by others (644)`);
    const none = run(restore);
    expect(none.status).toBe(1);
    expect(none.records[0].outcome).toMatch(/^failed: DATABASE_PASSWORD_FILE \(\) is not a file/);

    const redis = run("sh scripts/backup/redis-restore.sh --identity k restore/s.age nowhere");
    expect(redis.status).toBe(1);
    expect(redis.records[0].outcome).toBe("failed: data folder nowhere does not exist");
    const local = run("mkdir -p data && sh scripts/backup/redis-restore.sh --identity k s data");
    expect(local.records.map((record) => record.outcome)).toEqual(["not run: needs a backup set"]);
  });
});
