// Reads plain Kubernetes YAML (Helm or kustomize output, a file or a folder of them, multi-document
// files) into runner resources, so the same pack checks manifests this program never made.
import { readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import { parseAllDocuments } from "yaml";
import { kindOf, pulumiTypeOf } from "../lib/kubernetes";
import type { RunnerResource } from "./index";

export interface SkippedDocument {
  readonly file: string;
  readonly index: number;
  readonly reason: string;
}

export interface ManifestSet {
  readonly resources: RunnerResource[];
  readonly skipped: SkippedDocument[];
}

/**
 * Pulumi types the pack reads, and older apiVersions of the same kinds (so that no-deprecated-apis
 * can report them); any other kind is reported as skipped.
 */
export function isKnownType(type: string, knownTypes: ReadonlySet<string>): boolean {
  if (knownTypes.has(type)) return true;
  const kind = kindOf(type);
  return [...knownTypes].some((known) => kindOf(known) === kind);
}

function yamlFiles(target: string): string[] {
  let stats;
  try {
    stats = statSync(target);
  } catch {
    throw new Error(`${target}: no such file or folder`);
  }
  if (stats.isFile()) return [target];
  return readdirSync(target, { recursive: true, encoding: "utf8" })
    .filter((file) => /\.ya?ml$/i.test(file))
    .sort()
    .map((file) => path.join(target, file));
}

/**
 * Reads every YAML document under `target`. Throws on unreadable files and invalid YAML, naming
 * the file and document index; documents of kinds the pack does not know are returned as skipped.
 */
export function readManifests(target: string, knownTypes: ReadonlySet<string>): ManifestSet {
  const resources: RunnerResource[] = [];
  const skipped: SkippedDocument[] = [];
  for (const file of yamlFiles(target)) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (error) {
      throw new Error(`${file}: cannot read: ${(error as Error).message}`);
    }
    parseAllDocuments(text).forEach((document, index) => {
      if (document.errors.length > 0) {
        throw new Error(`${file}: document ${index}: invalid YAML: ${document.errors[0].message}`);
      }
      const object = document.toJS() as Record<string, unknown> | null;
      if (object === null) return; // an empty document between separators
      if (typeof object !== "object" || Array.isArray(object)) {
        throw new Error(`${file}: document ${index}: not a Kubernetes object (expected a mapping)`);
      }
      const { apiVersion, kind } = object as { apiVersion?: unknown; kind?: unknown };
      if (typeof apiVersion !== "string" || typeof kind !== "string") {
        throw new Error(`${file}: document ${index}: missing apiVersion or kind`);
      }
      if (kind === "List" && Array.isArray(object.items)) {
        throw new Error(
          `${file}: document ${index}: a List; write its items as separate documents`,
        );
      }
      const type = pulumiTypeOf(apiVersion, kind);
      if (!isKnownType(type, knownTypes)) {
        skipped.push({ file, index, reason: `${apiVersion} ${kind} is not checked by this pack` });
        return;
      }
      const metadata = (object.metadata ?? {}) as { name?: string; namespace?: string };
      const name = metadata.name ?? `${kind.toLowerCase()}-${index}`;
      resources.push({
        type,
        name,
        urn: `manifest:${file}#${index}::${type}::${metadata.namespace ?? ""}/${name}`,
        props: object,
      });
    });
  }
  return { resources, skipped };
}
