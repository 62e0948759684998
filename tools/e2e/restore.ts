// The restore runbook of docs/DISASTER_RECOVERY.md, run as written: the shell blocks marked
// `<!-- runbook: postgres-restore -->` and `<!-- runbook: redis-restore -->` are extracted here and
// run with bash against the cluster phase's local API server, after the stack is deployed
// (tests/e2e/restore-runbooks.ts holds the run and its checks). The doc is
// the single source: its variables (the only placeholders, assigned at the top of each block) get
// the deployed stack's values, and nothing else of the text changes.
//
// Everything that talks only to the API server runs for real: pausing and resuming delivery,
// recording and scaling replica counts, reading the password Secret, creating and deleting the
// restore pod, `pulumi up --refresh` with the policy pack. The steps that act through a running
// pod are not run yet (the stack holds no backup set to restore there): a kubectl stand-in first
// on PATH passes every command to the real kubectl except the
// node-bound ones (exec, cp, port-forward, attach, logs, and a wait for a pod's Ready condition),
// and an sh stand-in catches the data scripts (pg-restore.sh, redis-restore.sh: no backup set, no
// reachable server; `npm run test:backups` runs them against real PostgreSQL and Redis). Each
// stand-in checks that what the command names exists, records the cluster's state at that moment
// and reports "not run: needs a node". The checks then judge the run: delivery paused at every
// stood-in step and resumed after, every workload back at its count, no drift left, nothing left
// behind.
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";

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
export const runbooks: readonly {
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
