// The restore runbooks of docs/DISASTER_RECOVERY.md, run as written: the shell blocks marked
// `<!-- runbook: bucket-fetch -->`, `<!-- runbook: volume-fetch -->`,
// `<!-- runbook: postgres-restore -->` and `<!-- runbook: redis-restore -->` are extracted here and run with bash against the cluster phase's
// node, after the stack is deployed and backed up (tests/e2e/restore-runbooks.ts holds the run and
// its checks). The doc is the single source: its variables (the only placeholders, assigned at the
// top of each block) get the deployed stack's values, and nothing else of the text changes.
//
// Every command runs for real. Two witnesses first on PATH (kubectl and sh) pass each command on
// unchanged, and record the cluster's state (delivery's pause, the replica counts) before each step
// that acts on the platform (an exec, cp or port-forward into a pod; the database's restore). The
// checks then judge the run: delivery paused and the writers stopped at every such step, resumed
// and back at their counts after, no drift left, nothing left behind, and the data back.
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
 * The kubectl witness (bash): every command goes to the real kubectl; before one that acts on the
 * platform through a pod (exec, cp, attach, port-forward) it records a line in $RUNBOOK_LOG: tool,
 * command, target, where it acts, PID, the output of $RUNBOOK_PROBE; tab-separated.
 */
export const kubectlWitness = shell`#!/usr/bin/env bash
# kubectl, for the restore runbooks' run in the e2e (tools/e2e/restore.ts): runs the real kubectl
# ($RUNBOOK_KUBECTL), and records the cluster's state (delivery's pause, the replica counts) in
# $RUNBOOK_LOG before each command that acts on the platform through a pod.
set -uo pipefail
real=\${RUNBOOK_KUBECTL:?}
verb="" operands=()
rest=("$@")
while [ \${#rest[@]} -gt 0 ]; do
  arg=\${rest[0]}
  rest=("\${rest[@]:1}")
  case $arg in
    --) break ;;
    -n | --namespace | -c | --container | --context | --kubeconfig | -l | --selector | -o | \
      --output | --timeout | -f | --filename | --image | --overrides | --replicas | --type | -p | \
      --patch | --for) rest=("\${rest[@]:1}") ;;
    -*) ;;
    *) if [ -z "$verb" ]; then verb=$arg; else operands+=("$arg"); fi ;;
  esac
done
case $verb in
  exec | attach | port-forward) target=\${operands[0]:-} ;;
  cp)
    target=""
    for operand in "\${operands[@]}"; do
      case $operand in *:*) target=\${operand%%:*} && target=\${target#*/} && break ;; esac
    done ;;
  *) exec "$real" "$@" ;;
esac
case $target in */*) ;; *) target=pod/$target ;; esac
command="kubectl $*"
command=\${command//$'\t'/ }
command=\${command//$'\n'/ }
state=$(bash -c "\${RUNBOOK_PROBE:-}" 2>&1 | tr '\t\n' '  ')
printf 'kubectl\t%s\t%s\tplatform\t%s\t%s\n' "$command" "$target" "$$" "$state" >>"\${RUNBOOK_LOG:?}"
# The same PID: a port-forward the runbook leaves running is found by it.
exec "$real" "$@"
`;

/**
 * The sh witness (bash): records the data scripts in $RUNBOOK_LOG as the kubectl witness does
 * (pg-restore.sh writes into the platform's database; redis-restore.sh into a folder on the
 * laptop), then runs everything with /bin/sh.
 */
export const shWitness = shell`#!/usr/bin/env bash
# sh, for the restore runbooks' run in the e2e (tools/e2e/restore.ts): runs /bin/sh, and records
# the cluster's state in $RUNBOOK_LOG before each data script.
case \${1:-} in
  *scripts/backup/pg-restore.sh) acts=platform ;;
  *scripts/backup/redis-restore.sh | *scripts/backup/backup-fetch.sh) acts=laptop ;;
  *) exec /bin/sh "$@" ;;
esac
command="sh $*"
state=$(bash -c "\${RUNBOOK_PROBE:-}" 2>&1 | tr '\t\n' '  ')
printf 'sh\t%s\t%s\t%s\t%s\t%s\n' "$command" "\${1##*/}" "$acts" "$$" "$state" >>"\${RUNBOOK_LOG:?}"
exec /bin/sh "$@"
`;

/** One witnessed command, as the witnesses record it. */
export interface Witnessed {
  readonly tool: string;
  readonly command: string;
  readonly target: string;
  /** `platform`: acts on the running platform; `laptop`: on the operator's files. */
  readonly acts: string;
  readonly pid: number;
  /** `paused` → the delivery object's field; `Kind/name` → replicas. */
  readonly state: ReadonlyMap<string, string>;
}

export function parseWitnessLog(text: string): Witnessed[] {
  return text
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const [tool, command, target, acts, pid, state = ""] = line.split("\t");
      const pairs = state
        .split(/\s+/)
        .map((pair) => /^([^=]+)=(.*)$/.exec(pair))
        .filter((match): match is RegExpExecArray => match !== null)
        .map((match): [string, string] => [match[1], match[2]]);
      return { tool, command, target, acts, pid: Number(pid), state: new Map(pairs) };
    });
}

/** Writes both witnesses into `dir` (executable); returns the folder to put first on PATH. */
export function writeWitnesses(dir: string): string {
  const bin = path.join(dir, "bin");
  mkdirSync(bin, { recursive: true });
  for (const [name, text] of [
    ["kubectl", kubectlWitness],
    ["sh", shWitness],
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

/** The runbook that fetches a set from a bucket onto the laptop (into `restore/`). */
export const fetchRunbook = "bucket-fetch";
/** The runbook that copies a set out of the backups volume onto the laptop (into `restore/`). */
export const volumeFetchRunbook = "volume-fetch";

/** The restore runbooks: the data store each restores, and what each stops while it restores. */
export const runbooks: readonly {
  readonly name: string;
  readonly service: "postgres" | "redis";
  readonly stopped: (block: RunbookBlock) => string[];
}[] = [
  {
    name: "postgres-restore",
    service: "postgres",
    stopped: (block) =>
      wordsOf(block.variables.get("WRITERS") ?? "").map((name) => `Deployment/${name}`),
  },
  { name: "redis-restore", service: "redis", stopped: () => ["StatefulSet/redis"] },
];
