// Reads plain Kubernetes manifests (Helm or kustomize output, `kubectl get -o yaml|json`; a file or
// a folder of them, multi-document YAML files, single-object JSON files) into runner resources, so
// the same pack checks manifests this program never made. Every document reaches the runner: the
// generic rules (no-deprecated-apis, no-default-namespace) read every kind, and the kind-specific
// rules return notApplicable for kinds they do not handle.
import { readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import { parseAllDocuments } from "yaml";
import { kindOf, pulumiTypeOf } from "../lib/kubernetes";
import type { RunnerResource } from "./index";

/** A document of a kind no kind-specific policy reads: only the generic rules check it. */
export interface UnmodelledDocument {
  readonly file: string;
  readonly index: number;
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  /** The URN of its runner resource, to look up which policies read it. */
  readonly urn: string;
}

export interface ManifestSet {
  /** Every document read, whatever its kind. */
  readonly resources: RunnerResource[];
  /** The documents among `resources` whose kind the pack does not model. */
  readonly unmodelled: UnmodelledDocument[];
}

/** File names read from a folder; a file named on the command line is read whatever its name. */
export const manifestExtensions: readonly string[] = [".yaml", ".yml", ".json"];

/**
 * Is this a kind the pack models: a Pulumi type some policy reads, or an older apiVersion of the
 * same kind (kind-keyed stack rules read those too, and no-deprecated-apis reports them)?
 */
export function isKnownType(type: string, knownTypes: ReadonlySet<string>): boolean {
  if (knownTypes.has(type)) return true;
  const kind = kindOf(type);
  return [...knownTypes].some((known) => kindOf(known) === kind);
}

function manifestFiles(target: string): string[] {
  let stats;
  try {
    stats = statSync(target);
  } catch {
    throw new Error(`${target}: no such file or folder`);
  }
  if (stats.isFile()) return [target];
  const files = readdirSync(target, { recursive: true, encoding: "utf8" })
    .filter((file) => manifestExtensions.includes(path.extname(file).toLowerCase()))
    .map((file) => path.join(target, file))
    .filter((file) => {
      try {
        return statSync(file).isFile();
      } catch {
        return false; // a dangling link
      }
    })
    .sort();
  if (files.length === 0) {
    throw new Error(`${target}: no .yaml, .yml or .json file in this folder, so nothing to check`);
  }
  return files;
}

/** The objects of one file: a JSON file holds one object; a YAML file one per document. */
function objectsOf(file: string, text: string): unknown[] {
  if (path.extname(file).toLowerCase() === ".json") {
    if (text.trim() === "") return [];
    try {
      return [JSON.parse(text)];
    } catch (error) {
      throw new Error(`${file}: invalid JSON: ${(error as Error).message}`);
    }
  }
  return parseAllDocuments(text).map((document, index) => {
    if (document.errors.length > 0) {
      throw new Error(`${file}: document ${index}: invalid YAML: ${document.errors[0].message}`);
    }
    return document.toJS() as unknown;
  });
}

/**
 * Reads every document under `target`. Throws, naming the file and document index, on unreadable
 * files, invalid YAML or JSON, and objects without apiVersion and kind; and, naming `target`, when
 * there is no document at all (an empty file or folder is an error, never a pass). A `List`
 * (`kind: List` with `items`) is refused in YAML and JSON alike: write its items as documents.
 */
export function readManifests(target: string, knownTypes: ReadonlySet<string>): ManifestSet {
  const resources: RunnerResource[] = [];
  const unmodelled: UnmodelledDocument[] = [];
  const files = manifestFiles(target);
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (error) {
      throw new Error(`${file}: cannot read: ${(error as Error).message}`);
    }
    objectsOf(file, text).forEach((object, index) => {
      if (object === null || object === undefined) return; // an empty document between separators
      if (typeof object !== "object" || Array.isArray(object)) {
        throw new Error(`${file}: document ${index}: not a Kubernetes object (expected a mapping)`);
      }
      const { apiVersion, kind, items } = object as Record<string, unknown>;
      if (typeof apiVersion !== "string" || typeof kind !== "string") {
        throw new Error(`${file}: document ${index}: missing apiVersion or kind`);
      }
      if (kind === "List" && Array.isArray(items)) {
        throw new Error(
          `${file}: document ${index}: a List; write its items as separate documents`,
        );
      }
      const type = pulumiTypeOf(apiVersion, kind);
      const metadata = ((object as { metadata?: unknown }).metadata ?? {}) as {
        name?: unknown;
        namespace?: unknown;
      };
      const name =
        typeof metadata.name === "string" ? metadata.name : `${kind.toLowerCase()}-${index}`;
      const namespace = typeof metadata.namespace === "string" ? metadata.namespace : "";
      const urn = `manifest:${file}#${index}::${type}::${namespace}/${name}`;
      resources.push({ type, name, urn, props: object as Record<string, unknown> });
      if (!isKnownType(type, knownTypes)) {
        unmodelled.push({ file, index, apiVersion, kind, name, urn });
      }
    });
  }
  if (resources.length === 0) {
    throw new Error(
      files.length === 1 && files[0] === target
        ? `${target}: no Kubernetes object in this file (empty, or only "---" separators), so ` +
            "nothing to check"
        : `${target}: no Kubernetes object in its ${files.length} manifest file(s), so nothing ` +
            "to check",
    );
  }
  return { resources, unmodelled };
}
