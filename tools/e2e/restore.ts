// The restore runbook of docs/DISASTER_RECOVERY.md, run as written: the shell blocks marked
// `<!-- runbook: postgres-restore -->` and `<!-- runbook: redis-restore -->` are extracted and run
// with bash against the cluster phase's local API server, after the stack is deployed. The doc is
// the single source: its variables (the only placeholders, assigned at the top of each block) get
// the deployed stack's values, and nothing else of the text changes.
//
// Everything that talks only to the API server runs for real: pausing and resuming delivery,
// recording and scaling replica counts, reading the password Secret, creating and deleting the
// restore pod, `pulumi up --refresh` with the policy pack. The server has no kubelet, so pods never
// start: a kubectl stand-in first on PATH passes every command to the real kubectl except the
// node-bound ones (exec, cp, port-forward, attach, logs, and a wait for a pod's Ready condition),
// and an sh stand-in catches the data scripts (pg-restore.sh, redis-restore.sh: no backup set, no
// reachable server; `npm run test:backups` runs them against real PostgreSQL and Redis). Each
// stand-in checks that what the command names exists, records the cluster's state at that moment
// and reports "not run: needs a node". The checks then judge the run: delivery paused at every
// stood-in step and resumed after, every workload back at its count, no drift left, nothing left
// behind.
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { ControlPlane } from "./cluster";
import { isAlive, type Harness } from "./harness";

/** The file the runbooks live in, relative to the project. */
export const runbookFile = "docs/DISASTER_RECOVERY.md";

/** A marked shell block: its variables (assigned at its top) and its text. */
export interface RunbookBlock {
  readonly name: string;
  /** 1-based line of the block's first line in the file. */
  readonly line: number;
  /** Variable → its value as written (quotes and parentheses included). */
  readonly variables: ReadonlyMap<string, string>;
  readonly text: string;
}

const markerOf = (name: string) => `<!-- runbook: ${name} -->`;

/** `NAME=value  # comment`: value quoted, a bash array, or one word. */
const assignment = /^([A-Z][A-Z0-9_]*)=("[^"]*"|'[^']*'|\([^)]*\)|[^\s#]+)(\s+#.*)?$/;

/**
 * The shell block after `<!-- runbook: <name> -->` in `markdown` (blank lines between them
 * allowed). Throws, naming `file` and the marker, when the marker is missing or repeated, is not
 * followed by a ```sh block, or the block assigns no variable at its top.
 */
export function extractRunbook(markdown: string, file: string, name: string): RunbookBlock {
  const marker = markerOf(name);
  const lines = markdown.split("\n");
  const at = lines.flatMap((line, index) => (line.trim() === marker ? [index] : []));
  if (at.length === 0) throw new Error(`${file}: no "${marker}" marker: nothing to run`);
  if (at.length > 1) {
    throw new Error(
      `${file}: "${marker}" marks ${at.length} blocks (lines ${at.map((i) => i + 1).join(", ")})`,
    );
  }
  let open = at[0] + 1;
  while (open < lines.length && lines[open].trim() === "") open++;
  if (!/^```(sh|bash)\s*$/.test(lines[open] ?? "")) {
    throw new Error(`${file}:${at[0] + 1}: "${marker}" is not followed by a \`\`\`sh block`);
  }
  const close = lines.findIndex((line, index) => index > open && line.trim() === "```");
  if (close < 0) throw new Error(`${file}:${open + 1}: the block after "${marker}" is not closed`);
  const body = lines.slice(open + 1, close);
  const variables = new Map<string, string>();
  for (const line of body.slice(0, headerLength(body))) {
    const match = assignment.exec(line);
    if (match) variables.set(match[1], match[2]);
  }
  if (variables.size === 0) {
    throw new Error(
      `${file}:${open + 2}: the block after "${marker}" assigns no variable at its top (NAME=value)`,
    );
  }
  return { name, line: open + 2, variables, text: body.join("\n") + "\n" };
}

/** How many lines the block's top holds: assignments and the comments between them. */
function headerLength(lines: readonly string[]): number {
  const end = lines.findIndex((line) => !assignment.test(line) && !/^\s*#/.test(line));
  return end < 0 ? lines.length : end;
}

/** The variables a block uses (`$NAME`, `${NAME…}`) but never assigns. */
export function undeclaredVariables(block: RunbookBlock): string[] {
  const assigned = new Set([
    ...block.variables.keys(),
    ...[...block.text.matchAll(/(?:^|[\s;&|(])([A-Z][A-Z0-9_]*)=/gm)].map((match) => match[1]),
  ]);
  const used = [...block.text.matchAll(/\$\{?([A-Z][A-Z0-9_]*)/g)].map((match) => match[1]);
  return [...new Set(used)].filter((name) => !assigned.has(name));
}

/** A value as one word for bash. */
export function shellQuote(value: string): string {
  return /^[\w./:@=+-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * The block's text with the `overrides` assigned instead of the doc's values (each assignment's
 * comment kept). Throws when an override names a variable the block does not assign.
 */
export function renderRunbook(block: RunbookBlock, overrides: Readonly<Record<string, string>>) {
  const unknown = Object.keys(overrides).filter((name) => !block.variables.has(name));
  if (unknown.length > 0) {
    throw new Error(
      `the runbook ${block.name} assigns no ${unknown.join(", ")} (it assigns ${[...block.variables.keys()].join(", ")})`,
    );
  }
  const lines = block.text.split("\n");
  for (let index = 0; index < headerLength(lines); index++) {
    const match = assignment.exec(lines[index]);
    if (match && match[1] in overrides) {
      lines[index] = `${match[1]}=${shellQuote(overrides[match[1]])}${match[3] ?? ""}`;
    }
  }
  return lines.join("\n");
}

/** The words of a variable's value: `(a b)` → [a, b], `"a b"` → [a, b]. */
export function wordsOf(value: string): string[] {
  return value
    .replace(/^[("']|[)"']$/g, "")
    .split(/\s+/)
    .filter(Boolean);
}

/** Shell text as written; `\${` stands for `${`, which a template literal would substitute. */
function shell(strings: TemplateStringsArray): string {
  return strings.raw.join("").replaceAll("\\${", "${");
}

/**
 * The kubectl stand-in (bash). Node-bound commands are recorded in $RUNBOOK_LOG, one line each:
 * tool, command, target, outcome, PID, the output of $RUNBOOK_PROBE; tab-separated.
 */
export const kubectlStandIn = shell`#!/usr/bin/env bash
# kubectl, for the restore runbook's run in the e2e (tools/e2e/restore.ts): every command goes to
# the real kubectl ($RUNBOOK_KUBECTL) except those that need a node (a kubelet), which this
# records in $RUNBOOK_LOG after checking that the pod or service they name exists.
set -uo pipefail
real=\${RUNBOOK_KUBECTL:?}
verb="" namespace="" waitfor="" stdin=false operands=()
rest=("$@")
while [ \${#rest[@]} -gt 0 ]; do
  arg=\${rest[0]}
  rest=("\${rest[@]:1}")
  case $arg in
    --) break ;;
    -n | --namespace) namespace=\${rest[0]:-} && rest=("\${rest[@]:1}") ;;
    --namespace=*) namespace=\${arg#*=} ;;
    --for) waitfor=\${rest[0]:-} && rest=("\${rest[@]:1}") ;;
    --for=*) waitfor=\${arg#*=} ;;
    -i | --stdin | -it | -ti) stdin=true ;;
    -c | --container | --context | --kubeconfig | -l | --selector | -o | --output | --timeout | \
      -f | --filename | --as | --cluster | --user | -s | --server | --token | --type | -p | --patch | \
      --request-timeout | --pod-running-timeout | --address | --image | --overrides | --replicas)
      rest=("\${rest[@]:1}") ;;
    -*) ;;
    *) if [ -z "$verb" ]; then verb=$arg; else operands+=("$arg"); fi ;;
  esac
done
target=""
nodebound=false
case $verb in
  exec | attach | logs | port-forward) nodebound=true && target=\${operands[0]:-} ;;
  cp)
    nodebound=true
    for operand in "\${operands[@]}"; do
      case $operand in *:*) target=\${operand%%:*} && break ;; esac
    done
    # [namespace/]pod:path
    case $target in */*) namespace=\${target%%/*} && target=\${target#*/} ;; esac ;;
  wait) case \${waitfor,,} in condition=ready*) nodebound=true && target=\${operands[0]:-} ;; esac ;;
esac
$nodebound || exec "$real" "$@"
case $target in "") ;; */*) ;; *) target=pod/$target ;; esac
command="kubectl $*"
command=\${command//$'\t'/ }
command=\${command//$'\n'/ }
state=$(bash -c "\${RUNBOOK_PROBE:-}" 2>&1 | tr '\t\n' '  ')
record() { printf 'kubectl\t%s\t%s\t%s\t%s\t%s\n' "$command" "$target" "$1" "$$" "$state" >>"\${RUNBOOK_LOG:?}"; }
if [ -z "$target" ]; then
  record "failed: names no pod or service"
  echo "stand-in kubectl: $command names no pod or service" >&2
  exit 1
fi
if ! found=$("$real" \${namespace:+--namespace "$namespace"} get "$target" -o name 2>&1); then
  record "failed: $target not found"
  echo "stand-in kubectl: $target not found: $found" >&2
  exit 1
fi
record "not run: needs a node"
echo "stand-in kubectl: $verb $target not run: needs a node ($target exists)" >&2
case $verb in
  # Holds like the real forward, until the runbook kills it.
  port-forward) exec sleep 3600 >/dev/null 2>&1 ;;
  # Takes what it is piped, like the real one.
  exec | attach) if $stdin; then cat >/dev/null; fi ;;
esac
exit 0
`;

/** The sh stand-in (bash): the data scripts are recorded, anything else goes to /bin/sh. */
export const shStandIn = shell`#!/usr/bin/env bash
# sh, for the restore runbook's run in the e2e (tools/e2e/restore.ts): the data scripts need a
# backup set, and pg-restore.sh the database through a port-forward (a node); npm run
# test:backups runs them against real PostgreSQL and Redis. Recorded in $RUNBOOK_LOG after the
# checks the real script makes before touching data; anything else goes to /bin/sh.
case \${1:-} in
  *scripts/backup/pg-restore.sh | *scripts/backup/redis-restore.sh) ;;
  *) exec /bin/sh "$@" ;;
esac
script=\${1##*/}
problem=""
# pg-restore.sh writes into the platform's database; redis-restore.sh into a folder here.
reason="needs a node"
case $script in
  pg-restore.sh)
    file=\${DATABASE_PASSWORD_FILE:-}
    if [ ! -s "$file" ]; then problem="DATABASE_PASSWORD_FILE ($file) is not a file with a password"
    elif [ "$(stat -c %a "$file")" != 600 ]; then problem="$file is readable by others ($(stat -c %a "$file"))"
    fi ;;
  redis-restore.sh)
    reason="needs a backup set"
    data=\${!#}
    [ -d "$data" ] || problem="data folder $data does not exist" ;;
esac
command="sh $*"
state=$(bash -c "\${RUNBOOK_PROBE:-}" 2>&1 | tr '\t\n' '  ')
outcome=\${problem:+failed: $problem}
printf 'sh\t%s\t%s\t%s\t%s\t%s\n' "$command" "$script" "\${outcome:-not run: $reason}" "$$" "$state" >>"\${RUNBOOK_LOG:?}"
if [ -n "$problem" ]; then echo "stand-in sh: $script: $problem" >&2 && exit 1; fi
echo "stand-in sh: $script not run: $reason (tested by npm run test:backups)" >&2
`;

/** The outcome the stand-ins record for a step that acts on the platform through a node. */
export const nodeBound = "not run: needs a node";

/** One stood-in command, as the stand-ins record it. */
export interface StoodIn {
  readonly tool: string;
  readonly command: string;
  readonly target: string;
  readonly outcome: string;
  readonly pid: number;
  /** `paused` → the delivery object's field; `Kind/name` → replicas. */
  readonly state: ReadonlyMap<string, string>;
}

export function parseStandInLog(text: string): StoodIn[] {
  return text
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const [tool, command, target, outcome, pid, state = ""] = line.split("\t");
      const pairs = state
        .split(/\s+/)
        .map((pair) => /^([^=]+)=(.*)$/.exec(pair))
        .filter((match): match is RegExpExecArray => match !== null)
        .map((match): [string, string] => [match[1], match[2]]);
      return { tool, command, target, outcome, pid: Number(pid), state: new Map(pairs) };
    });
}

/** Writes both stand-ins into `dir` (executable); returns the folder to put first on PATH. */
export function writeStandIns(dir: string): string {
  const bin = path.join(dir, "bin");
  mkdirSync(bin, { recursive: true });
  for (const [name, text] of [
    ["kubectl", kubectlStandIn],
    ["sh", shStandIn],
  ]) {
    writeFileSync(path.join(bin, name), text);
    chmodSync(path.join(bin, name), 0o755);
  }
  return bin;
}

/** Delivery as the stack's `delivery` output describes it. */
export interface Delivery {
  readonly mode: string;
  readonly namespace?: string;
  readonly stackObject?: string;
  readonly application?: string;
}

/** Where delivery's pause shows: the object and field; undefined for a mode with none. */
export function pauseField(delivery: Delivery) {
  if (delivery.mode === "operator" && delivery.namespace && delivery.stackObject) {
    return {
      kind: "stack",
      namespace: delivery.namespace,
      name: delivery.stackObject,
      jsonPath: "{.spec.preview}",
      paused: (value: string) => value === "true",
    };
  }
  if (delivery.mode === "argocd" && delivery.namespace && delivery.application) {
    return {
      kind: "application",
      namespace: delivery.namespace,
      name: delivery.application,
      jsonPath: "{.spec.syncPolicy.automated.enabled}",
      paused: (value: string) => value === "false",
    };
  }
  return undefined;
}

/** The runbooks, and what each stops while it restores. */
const runbooks: readonly {
  readonly name: string;
  readonly stopped: (block: RunbookBlock) => string[];
}[] = [
  {
    name: "postgres-restore",
    stopped: (block) =>
      wordsOf(block.variables.get("WRITERS") ?? "").map((name) => `Deployment/${name}`),
  },
  { name: "redis-restore", stopped: () => ["StatefulSet/redis"] },
];

export interface RestoreOptions {
  readonly harness: Harness;
  readonly controlPlane: ControlPlane;
  /** The scratch copy of the project: the runbooks run there. */
  readonly project: string;
  /** The repository (its scripts/control-plane.sh knows where kubectl is). */
  readonly root: string;
  /** The environment the harness runs pulumi with (backend, passphrase, PATH); required. */
  readonly env?: NodeJS.ProcessEnv;
  /** The Pulumi stack deployed into the local API server (`cluster-production`). */
  readonly stack: string;
  /** The stack file it came from, whose policy config applies (`production`). */
  readonly configStack: string;
}

interface Workload {
  kind: string;
  metadata: { name: string; ownerReferences?: unknown[] };
  spec?: {
    replicas?: number;
    minReplicas?: number;
    scaleTargetRef?: { kind: string; name: string };
  };
}

/** Runs both runbooks of docs/DISASTER_RECOVERY.md against the deployed stack, with checks. */
export function runRestoreRunbooks(options: RestoreOptions): void {
  const { harness, controlPlane, project, stack, configStack } = options;
  const { check, expectExit } = harness;
  const kubectl = (args: readonly string[]) => controlPlane.kubectl(args);
  const items = (args: readonly string[]): Workload[] => {
    const result = kubectl([...args, "-o", "json"]);
    if (result.code !== 0) throw new Error(`kubectl ${args.join(" ")}: ${result.output}`);
    return (JSON.parse(result.output) as { items: Workload[] }).items;
  };

  // The deployed stack's values for the doc's variables.
  let namespace = "";
  let delivery: Delivery = { mode: "" };
  const ready = check(
    stack,
    "restore runbooks: the stack's namespace and delivery are known",
    () => {
      if (!options.env) return "no environment to run pulumi with (ClusterPhaseOptions.env)";
      const configured = harness.pulumi(stack, "config", "get", "toolboxai:namespace");
      if (configured.code !== 0) return expectExit(configured, 0);
      namespace = configured.output.trim();
      const output = harness.pulumi(stack, "stack", "output", "delivery", "--json");
      if (output.code !== 0) return expectExit(output, 0);
      delivery = JSON.parse(output.output) as Delivery;
      return pauseField(delivery)
        ? undefined
        : `delivery ${JSON.stringify(delivery)}: no Stack or Application to pause, nothing to check`;
    },
  );
  if (!ready) return;
  const env = options.env!;
  const pause = pauseField(delivery)!;
  const pausedNow = () => {
    const value = kubectl([
      "get",
      pause.kind,
      pause.name,
      "--namespace",
      pause.namespace,
      "-o",
      `jsonpath=${pause.jsonPath}`,
    ]);
    if (value.code !== 0) throw new Error(`${pause.kind} ${pause.name}: ${value.output}`);
    return pause.paused(value.output.trim());
  };
  const replicas = () =>
    new Map(
      items(["get", "deployments,statefulsets", "--namespace", namespace]).map((workload) => [
        `${workload.kind}/${workload.metadata.name}`,
        workload.spec?.replicas ?? 1,
      ]),
    );
  const barePods = () =>
    items(["get", "pods", "--namespace", namespace])
      .filter((pod) => (pod.metadata.ownerReferences ?? []).length === 0)
      .map((pod) => pod.metadata.name);

  const bin = spawnSync("bash", [path.join(options.root, "scripts", "control-plane.sh"), "bin"], {
    encoding: "utf8",
  });
  const work = mkdtempSync(path.join(env.TMPDIR ?? os.tmpdir(), "runbook-"));
  const standIns = writeStandIns(work);
  const log = path.join(work, "stood-in.log");
  const q = shellQuote;
  const probe =
    `printf 'paused='; "$RUNBOOK_KUBECTL" get ${pause.kind} ${q(pause.name)} --namespace ${q(pause.namespace)} ` +
    `-o ${q(`jsonpath=${pause.jsonPath}`)}; printf ' '; ` +
    `"$RUNBOOK_KUBECTL" get deployments,statefulsets --namespace ${q(namespace)} ` +
    `-o ${q("jsonpath={range .items[*]}{.kind}/{.metadata.name}={.spec.replicas} {end}")}`;
  // `policies/config/$STACK.json`, as the doc writes it: the stack's policy config under the
  // deployed stack's name (the harness maps cluster-<stack> to <stack>'s config the same way).
  const policyConfig = path.join(project, "policies", "config", `${stack}.json`);
  copyFileSync(path.join(project, "policies", "config", `${configStack}.json`), policyConfig);
  const markdown = readFileSync(path.join(project, runbookFile), "utf8");

  try {
    for (const runbook of runbooks) {
      const label = `restore runbook ${runbook.name} (${runbookFile})`;
      let block: RunbookBlock | undefined;
      let records: StoodIn[] = [];
      let before = new Map<string, number>();
      let podsBefore: string[] = [];
      const ran = check(
        stack,
        `${label} runs with bash against the API server, node-bound steps stood in`,
        () => {
          if (bin.status !== 0) return `no kubectl: scripts/control-plane.sh bin: ${bin.stderr}`;
          block = extractRunbook(markdown, runbookFile, runbook.name);
          const undeclared = undeclaredVariables(block);
          if (undeclared.length > 0) return `uses undeclared variables: ${undeclared.join(", ")}`;
          const script = renderRunbook(block, {
            NAMESPACE: namespace,
            STACK: stack,
            DELIVERY: delivery.mode,
            DELIVERY_NAMESPACE: pause.namespace,
            DELIVERY_OBJECT: pause.name,
          });
          if (pausedNow()) return `delivery is paused before the runbook runs: nothing to judge`;
          before = replicas();
          podsBefore = barePods();
          writeFileSync(log, "");
          const run = spawnSync("bash", ["-c", `set -euxo pipefail\n${script}`], {
            cwd: project,
            env: {
              ...env,
              PATH: `${standIns}:${env.PATH ?? ""}`,
              KUBECONFIG: controlPlane.kubeconfig,
              PULUMI_SKIP_CONFIRMATIONS: "true",
              RUNBOOK_KUBECTL: path.join(bin.stdout.trim(), "kubectl"),
              RUNBOOK_LOG: log,
              RUNBOOK_PROBE: probe,
            },
            stdio: ["ignore", "pipe", "pipe"],
            encoding: "utf8",
            maxBuffer: 256 * 1024 * 1024,
            timeout: 20 * 60 * 1000,
          });
          records = parseStandInLog(readFileSync(log, "utf8"));
          for (const record of records) {
            console.log(`        ${record.outcome}: ${record.command.slice(0, 110)}`);
          }
          if (run.status !== 0) {
            return `bash exited ${run.status ?? run.signal}:\n${run.stdout}${run.stderr}`;
          }
          const failed = records.filter((record) => !record.outcome.startsWith("not run"));
          if (failed.length > 0) return failed.map((record) => record.outcome).join("\n");
          return records.length === 0
            ? "no step was stood in: the restore itself did not run"
            : undefined;
        },
      );
      if (!block) continue;
      const stopped = runbook.stopped(block);
      // The restore steps proper: those that act on the platform (a node-bound kubectl, the
      // database restore through the forward), not the laptop's decryption of a set.
      const restoreSteps = records.filter((record) => record.outcome === nodeBound);

      check(stack, `${label}: delivery paused during every restore step, resumed after`, () => {
        if (restoreSteps.length === 0) return "no restore step recorded: nothing to judge";
        const unpaused = restoreSteps
          .filter((record) => !pause.paused(record.state.get("paused") ?? ""))
          .map(
            (record) =>
              `not paused (${pause.jsonPath} = "${record.state.get("paused")}"): ${record.command}`,
          );
        if (!ran) unpaused.push("the runbook did not finish");
        else if (pausedNow()) unpaused.push(`${pause.kind} ${pause.name} is still paused`);
        return unpaused.length > 0 ? unpaused.join("\n") : undefined;
      });

      check(
        stack,
        `${label}: ${stopped.join(", ")} at 0 during every restore step; every workload back at its count (autoscaled: at least the HPA's minimum)`,
        () => {
          if (restoreSteps.length === 0 || stopped.length === 0)
            return "no restore step recorded, or nothing stopped: nothing to judge";
          const problems: string[] = [];
          for (const record of restoreSteps) {
            for (const workload of stopped) {
              const count = record.state.get(workload);
              if (count !== "0")
                problems.push(`${workload} at ${count ?? "?"} during: ${record.command}`);
            }
          }
          const minimum = new Map(
            items(["get", "horizontalpodautoscalers", "--namespace", namespace]).map((hpa) => [
              `${hpa.spec!.scaleTargetRef!.kind}/${hpa.spec!.scaleTargetRef!.name}`,
              hpa.spec!.minReplicas ?? 1,
            ]),
          );
          const after = replicas();
          for (const [workload, count] of before) {
            const now = after.get(workload);
            const floor = minimum.get(workload);
            if (floor !== undefined ? (now ?? 0) < floor : now !== count) {
              problems.push(
                `${workload}: ${now ?? "gone"}, was ${count}` +
                  (floor !== undefined ? ` (HPA minimum ${floor})` : ""),
              );
            }
          }
          for (const workload of stopped) {
            if (!before.has(workload)) problems.push(`${workload} is not in ${namespace}`);
          }
          return problems.length > 0 ? problems.join("\n") : undefined;
        },
      );

      check(stack, `${label}: pulumi preview --refresh afterwards shows no changes`, () =>
        expectExit(
          harness.pulumi(
            stack,
            "preview",
            "--refresh",
            "--expect-no-changes",
            ...harness.policyArgs(configStack),
          ),
          0,
        ),
      );

      check(
        stack,
        `${label}: nothing left behind (restore pods, port-forwards, files in restore/)`,
        () => {
          const problems = barePods()
            .filter((pod) => !podsBefore.includes(pod))
            .map((pod) => `pod ${pod} left in ${namespace}`);
          for (const record of records.filter((record) =>
            record.command.includes(" port-forward "),
          )) {
            if (isAlive(record.pid)) {
              problems.push(
                `the port-forward is still running (PID ${record.pid}): ${record.command}`,
              );
              process.kill(record.pid);
            }
          }
          const restore = path.join(project, "restore");
          const files = existsSync(restore) ? readdirSync(restore, { recursive: true }) : [];
          problems.push(...files.map((file) => `restore/${String(file)} left on disk`));
          if (restoreSteps.length === 0)
            problems.push("no restore step recorded: nothing to judge");
          return problems.length > 0 ? problems.join("\n") : undefined;
        },
      );

      // Whatever happened, the next checks find the stack as deployed: delivery resumed, every
      // workload at its count.
      repair(kubectl, pause, namespace, before);
      rmSync(path.join(project, "restore"), { recursive: true, force: true });
    }
  } finally {
    rmSync(policyConfig, { force: true });
    rmSync(work, { recursive: true, force: true });
  }
}

function repair(
  kubectl: (args: readonly string[]) => { code: number },
  pause: NonNullable<ReturnType<typeof pauseField>>,
  namespace: string,
  counts: ReadonlyMap<string, number>,
): void {
  const resume =
    pause.kind === "stack"
      ? { spec: { preview: null } }
      : { spec: { syncPolicy: { automated: { enabled: true } } } };
  kubectl([
    "patch",
    pause.kind,
    pause.name,
    "--namespace",
    pause.namespace,
    "--type",
    "merge",
    "-p",
    JSON.stringify(resume),
  ]);
  for (const [workload, count] of counts) {
    kubectl(["scale", workload.toLowerCase(), `--replicas=${count}`, "--namespace", namespace]);
  }
}
