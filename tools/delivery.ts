// `npm run delivery -- settings --stack <name>`: the stack's delivery settings, resolved and
// validated from its stack file, as JSON (what CI's delivery workflow acts on).
// `npm run delivery -- check-tree <folder> [--state <file>]`: checks a stack's folder of the
// deploy branch (Argo CD delivery, components/delivery/argocd.ts) before CI commits it: every
// file is Kubernetes YAML, none is a Secret (the stack applies Secrets itself; git never holds
// one), and, given `pulumi stack export` of the stack, it holds exactly the objects the stack's
// state says were rendered there: a file lost by a failed push, or one left behind, is named with
// the command that mends it (not `--target-replace`: a replacement writes the new file, then
// deletes the old one of the same name). It reads the folder as Argo CD's directory source does
// (.yaml, .yml and .json, lists expanded into their items, with the policy runner's reader) and
// refuses anything else in it: a link, or a file that is no manifest (creds.txt, a README).
// Exit 0 when it passes, 1 when it does not (or holds nothing to check), 2 for bad arguments or
// a bad stack file.
import { existsSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import { Command } from "commander";
import { syncedProviderName } from "../components/platform/deploy-branch";
import { readManifests } from "../policies/runner/manifests";
import { ConfigError } from "../components/config/problems";
import { availableStacks, outputTo, parseArguments } from "./cli";
import { processIo, type CommandIo } from "./command-io";
import { manifestFiles } from "./engine/render";
import { validatedStackConfig } from "./engine/stack-config";

/* eslint-disable @typescript-eslint/no-explicit-any -- manifests and state are untyped JSON */

export interface TreeObject {
  readonly file: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

export interface TreeCheck {
  readonly objects: readonly TreeObject[];
  readonly problems: readonly string[];
}

const identity = (kind: string, namespace: string, name: string) =>
  `${kind} ${namespace ? `${namespace}/` : ""}${name}`;

/** The objects the state says the synced provider rendered: identity → URN. */
export function renderedInState(exported: any): Map<string, string> {
  const rendered = new Map<string, string>();
  for (const resource of exported?.deployment?.resources ?? []) {
    const provider = String(resource.provider ?? "");
    if (!String(resource.type).startsWith("kubernetes:")) continue;
    if (!provider.includes(`::${syncedProviderName}::`)) continue;
    const object = resource.outputs ?? {};
    rendered.set(
      identity(
        String(object.kind),
        String(object.metadata?.namespace ?? ""),
        String(object.metadata?.name),
      ),
      String(resource.urn),
    );
  }
  return rendered;
}

/** Checks the folder, and its agreement with the state when `exported` is given. */
export function checkDeployTree(folder: string, exported?: unknown): TreeCheck {
  if (!existsSync(folder) || !statSync(folder).isDirectory()) {
    return { objects: [], problems: [`${folder} is not a folder`] };
  }
  const objects: TreeObject[] = [];
  const { files, others } = manifestFiles(folder);
  const problems = others.map(
    (other) => `${other}: the folder Argo CD syncs holds manifests only; remove it`,
  );
  for (const relative of files) {
    let read;
    try {
      read = readManifests(path.join(folder, relative), new Set());
    } catch (error) {
      problems.push((error as Error).message);
      continue;
    }
    for (const { props: object } of read.resources) {
      const metadata = (object.metadata ?? {}) as { name?: unknown; namespace?: unknown };
      if (typeof metadata.name !== "string" || metadata.name === "") {
        problems.push(`${relative}: a ${String(object.kind)} without metadata.name`);
        continue;
      }
      const found = {
        file: relative,
        kind: String(object.kind),
        namespace: typeof metadata.namespace === "string" ? metadata.namespace : "",
        name: metadata.name,
      };
      if (Object.hasOwn(object, "items")) {
        // The reader expands lists into their items; one it did not is refused, not trusted.
        problems.push(
          `${relative}: ${identity(found.kind, found.namespace, found.name)} is a list`,
        );
        continue;
      }
      objects.push(found);
      if (found.kind === "Secret") {
        problems.push(
          `${relative}: ${identity(found.kind, found.namespace, found.name)} is a Secret; a ` +
            "Secret is never committed (the stack applies Secrets itself): remove the file and " +
            "rotate its values",
        );
      }
    }
  }
  if (objects.length === 0) problems.push(`${folder} holds no Kubernetes object: nothing checked`);
  if (exported !== undefined) {
    const rendered = renderedInState(exported);
    if (rendered.size === 0) {
      problems.push(
        `the state names no object rendered by ${syncedProviderName}: nothing compared`,
      );
    }
    const inTree = new Map(objects.map((o) => [identity(o.kind, o.namespace, o.name), o.file]));
    for (const [object, urn] of rendered) {
      if (!inTree.has(object)) {
        problems.push(
          `${object} is in the stack but not in the folder (a lost write); render it again: ` +
            `pulumi state delete --target-dependents '${urn}' && pulumi up`,
        );
      }
    }
    for (const [object, file] of inTree) {
      if (!rendered.has(object)) {
        problems.push(
          `${object} is in the folder but not in the stack (left behind): git rm ${file}`,
        );
      }
    }
  }
  return { objects, problems };
}

/** `npm run delivery`: parses `argv`, writes to `io`, and returns the exit code. */
export async function main(argv: readonly string[], io: CommandIo = processIo()): Promise<number> {
  let exitCode = 0;
  const program = new Command("delivery")
    .description("What CI's delivery workflow asks of a stack (docs/DELIVERY.md).")
    .configureOutput(outputTo(io));
  program
    .command("settings")
    .description("Print the stack's delivery settings, resolved from its stack file, as JSON.")
    .requiredOption("-s, --stack <name>", `the stack (${availableStacks().join(", ")})`)
    .action(({ stack }: { stack: string }) => {
      if (!availableStacks().includes(stack)) {
        io.stderr.write(`--stack ${stack}: no Pulumi.${stack}.yaml here\n`);
        exitCode = 2;
        return;
      }
      try {
        io.stdout.write(`${JSON.stringify(validatedStackConfig(stack).delivery)}\n`);
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        io.stderr.write(`${error.message}\n`);
        exitCode = 2;
      }
    });
  program
    .command("check-tree")
    .description("Check a stack's folder of the deploy branch before it is committed.")
    .argument("<folder>", "the stack's folder in the deploy branch's checkout")
    .option("--state <file>", "`pulumi stack export` of the stack, to compare with")
    .action((folder: string, { state }: { state?: string }) => {
      exitCode = checkTreeCommand(path.resolve(io.cwd, folder), state, io);
    });
  const exit = parseArguments(program, argv);
  return exit ?? exitCode;
}

function checkTreeCommand(folder: string, state: string | undefined, io: CommandIo): number {
  let exported: unknown;
  if (state !== undefined) {
    try {
      exported = JSON.parse(readFileSync(state, "utf8"));
    } catch (error) {
      io.stderr.write(`--state ${state}: not a readable pulumi stack export: ${String(error)}\n`);
      return 2;
    }
  }
  const { objects, problems } = checkDeployTree(folder, exported);
  for (const problem of problems) io.stderr.write(`FAIL ${problem}\n`);
  if (problems.length > 0) return 1;
  io.stdout.write(
    `${objects.length} objects in ${folder}: no Secret` +
      (exported === undefined ? "" : "; exactly the objects the stack rendered there") +
      "\n",
  );
  return 0;
}
