// Reads plain Kubernetes manifests (Helm or kustomize output, `kubectl get -o yaml|json`; a file or
// a folder of them, multi-document YAML files, single-object JSON files) into runner resources, so
// the same pack checks manifests this program never made, read as kubectl reads them: YAML with
// Kubernetes' semantics (./kubernetes-yaml), lists expanded into their items, files found as
// ./manifest-files describes. Every object reaches the runner: the generic rules
// (no-deprecated-apis, no-default-namespace) read every kind, and the kind-specific rules return
// notApplicable for kinds they do not handle.
import * as path from "node:path";
import { kindOf, podTemplatesOf, pulumiTypeOf } from "../lib/kubernetes";
import type { RunnerResource } from "./index";
import { decodeYamlDocuments, DocumentError, maxNestingDepth } from "./kubernetes-yaml";
import { manifestFiles, readManifestFile, type ManifestFile } from "./manifest-files";

/** A document (or list item) of a kind no kind-specific policy reads: only the generic rules check it. */
export interface UnmodelledDocument {
  readonly file: string;
  readonly index: number;
  /** Its index in the document's `items`, when the document is a list. */
  readonly item?: number;
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  /** The URN of its runner resource, to look up which policies read it. */
  readonly urn: string;
}

export interface ManifestSet {
  /** Every object read, whatever its kind. */
  readonly resources: RunnerResource[];
  /** The objects among `resources` whose kind the pack does not model and that run no pod. */
  readonly unmodelled: UnmodelledDocument[];
}

/**
 * Is this a kind the pack models: a Pulumi type some policy reads, or an older apiVersion of the
 * same kind (kind-keyed stack rules read those too, and no-deprecated-apis reports them)?
 */
export function isKnownType(type: string, knownTypes: ReadonlySet<string>): boolean {
  if (knownTypes.has(type)) return true;
  const kind = kindOf(type);
  return [...knownTypes].some((known) => kindOf(known) === kind);
}

/** Refuses nesting deeper than maxNestingDepth; recursion stops there, so deep input is safe. */
function checkDepth(value: unknown, depth = 0): void {
  if (value === null || typeof value !== "object") return;
  if (depth >= maxNestingDepth) {
    throw new Error(
      `nested deeper than ${maxNestingDepth} levels; no Kubernetes object needs that`,
    );
  }
  for (const item of Object.values(value)) checkDepth(item, depth + 1);
}

/** The documents of one file: a JSON file holds one object; a YAML file one per document. */
function documentsOf(file: string, text: string): unknown[] {
  if (path.extname(file).toLowerCase() === ".json") {
    if (text.trim() === "") return [];
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new Error(`${file}: invalid JSON: ${(error as Error).message}`);
    }
    try {
      checkDepth(value);
    } catch (error) {
      throw new Error(`${file}: document 0: ${(error as Error).message}`);
    }
    return [value];
  }
  try {
    return decodeYamlDocuments(text);
  } catch (error) {
    if (!(error instanceof DocumentError)) throw error;
    const where = error.index === undefined ? "" : ` document ${error.index}:`;
    throw new Error(`${file}:${where} ${error.message}`);
  }
}

/** A Kubernetes object: a mapping with a non-empty apiVersion and kind. */
interface KubernetesObject extends Record<string, unknown> {
  apiVersion: string;
  kind: string;
}

function requireObject(value: unknown, where: string): KubernetesObject {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new Error(`${where}: not a Kubernetes object (expected a mapping)`);
  }
  const { apiVersion, kind } = value as Record<string, unknown>;
  if (typeof apiVersion !== "string" || typeof kind !== "string" || !apiVersion || !kind) {
    throw new Error(`${where}: missing apiVersion or kind`);
  }
  return value as KubernetesObject;
}

/**
 * The objects a document stands for, as kubectl expands them: any object with an `items` key is a
 * list (`List`, `PodList`, …, whatever its kind), and kubectl applies its items, not the list. An
 * item without apiVersion and kind takes the list's apiVersion and its kind minus "List".
 */
function objectsOf(
  document: unknown,
  where: string,
): { object: KubernetesObject; item?: number }[] {
  const list = requireObject(document, where);
  if (!Object.hasOwn(list, "items")) return [{ object: list }];
  const { items } = list;
  if (!Array.isArray(items)) {
    throw new Error(
      `${where}: a ${list.kind} whose items is ${items === null ? "null" : typeof items}; ` +
        "items must be a list of objects",
    );
  }
  return items.map((value: unknown, item) => {
    const at = `${where} item ${item}`;
    const given = value as Record<string, unknown> | null;
    const named = (field: unknown) => typeof field === "string" && field !== "";
    // As kubectl: only an item with neither (as strings) takes both from the list.
    const bare =
      given !== null &&
      typeof given === "object" &&
      !Array.isArray(given) &&
      !named(given.apiVersion) &&
      !named(given.kind);
    const object = requireObject(
      bare
        ? { ...given, apiVersion: list.apiVersion, kind: list.kind.replace(/List$/, "") }
        : value,
      at,
    );
    if (Object.hasOwn(object, "items")) {
      throw new Error(
        `${at}: a list inside a list; kubectl does not expand it, so write its items`,
      );
    }
    return { object, item };
  });
}

/**
 * Reads every object under `target`. Throws, naming the file, document and item, on unreadable or
 * oversized files, invalid YAML or JSON, what kubectl would refuse, and objects without apiVersion
 * and kind; and, naming `target`, when there is no object at all (an empty file or folder is an
 * error, never a pass).
 */
export function readManifests(target: string, knownTypes: ReadonlySet<string>): ManifestSet {
  const resources: RunnerResource[] = [];
  const unmodelled: UnmodelledDocument[] = [];
  const files: ManifestFile[] = manifestFiles(target);
  for (const { path: file, realPath } of files) {
    const text = readManifestFile({ path: file, realPath });
    documentsOf(file, text).forEach((document, index) => {
      if (document === null || document === undefined) return; // an empty document between separators
      for (const { object, item } of objectsOf(document, `${file}: document ${index}`)) {
        const { apiVersion, kind } = object;
        const type = pulumiTypeOf(apiVersion, kind);
        const metadata = (object.metadata ?? {}) as { name?: unknown; namespace?: unknown };
        const name =
          typeof metadata.name === "string" ? metadata.name : `${kind.toLowerCase()}-${index}`;
        const namespace = typeof metadata.namespace === "string" ? metadata.namespace : "";
        const at = item === undefined ? `${index}` : `${index}.items[${item}]`;
        const urn = `manifest:${file}#${at}::${type}::${namespace}/${name}`;
        const source = `${file} document ${index}${item === undefined ? "" : ` item ${item}`}`;
        resources.push({ type, name, urn, source, props: object });
        // A kind the pack does not know is still judged in full when it carries a pod template.
        if (!isKnownType(type, knownTypes) && podTemplatesOf(type, object).length === 0) {
          unmodelled.push({
            file,
            index,
            ...(item === undefined ? {} : { item }),
            apiVersion,
            kind,
            name,
            urn,
          });
        }
      }
    });
  }
  if (resources.length === 0) {
    throw new Error(
      files.length === 1 && files[0].path === target
        ? `${target}: no Kubernetes object in this file (empty, or only "---" separators), so ` +
            "nothing to check"
        : `${target}: no Kubernetes object in its ${files.length} manifest file(s), so nothing ` +
            "to check",
    );
  }
  return { resources, unmodelled };
}
