// The real provider's manifests (`renderYamlToDirectory`) against the offline preview's
// (`npm run preview -- --out`): the same objects with the same specs, once both are written the
// way the provider writes them. What the provider changes on the way, and nothing else, is
// normalised away; every other difference is reported, so the offline preview stays honest.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parseAllDocuments } from "yaml";
import { parseCpu, parseMemory } from "../../components/config/quantity";
import { manifestFiles } from "../engine/render";

/* eslint-disable @typescript-eslint/no-explicit-any -- manifests are untyped JSON */

export type ManifestSet = Map<string, any>;

/** "Deployment toolboxai/backend": how objects are paired and named in differences. */
export function objectKey(manifest: any): string {
  const namespace = manifest?.metadata?.namespace;
  return `${manifest?.kind} ${namespace ? `${namespace}/` : ""}${manifest?.metadata?.name}`;
}

/** Every object of every manifest under `dir` (sub-folders included); a link or other file throws. */
export function readManifestDir(dir: string): ManifestSet {
  const manifests: ManifestSet = new Map();
  const { files, others } = manifestFiles(dir);
  if (others.length > 0) throw new Error(`${dir} holds more than manifests: ${others.join("; ")}`);
  for (const file of files) {
    for (const document of parseAllDocuments(readFileSync(path.join(dir, file), "utf8"))) {
      const manifest = document.toJS();
      if (manifest) manifests.set(objectKey(manifest), manifest);
    }
  }
  return manifests;
}

/** Fields holding Kubernetes quantities, which the provider writes in canonical form. */
const quantityParents = new Set([
  "requests",
  "limits",
  "hard",
  "max",
  "min",
  "default",
  "defaultRequest",
]);

function canonicalQuantity(key: string, value: unknown): unknown {
  if (typeof value !== "string" && typeof value !== "number") return value;
  const text = String(value);
  const bytes = parseMemory(text);
  if (key === "cpu" || key.endsWith(".cpu")) return `cpu:${parseCpu(text)}`;
  if (bytes !== undefined && !/^\d+$/.test(text)) return `bytes:${bytes}`;
  return value;
}

/**
 * A manifest as compared: empty maps and lists dropped, quantities canonical, `globalDefault:
 * false` dropped, a Secret's `stringData` as `data` keys only (values are secret and differ
 * between runs), and the secret checksum annotation (derived from generated passwords) blanked.
 */
export function normalise(value: any, key = "", parent = ""): any {
  if (Array.isArray(value)) {
    const items = value.map((item) => normalise(item, "", key));
    return items.length === 0 ? undefined : items;
  }
  if (value && typeof value === "object") {
    const entries = Object.entries(value)
      .map(([childKey, child]) => [childKey, normalise(child, childKey, key)] as const)
      .filter(([, child]) => child !== undefined);
    return entries.length === 0 ? undefined : Object.fromEntries(entries);
  }
  if (key === "globalDefault" && value === false) return undefined;
  if (key === "checksum.toolboxai.io/secrets") return "<secret checksum>";
  if (quantityParents.has(parent)) return canonicalQuantity(key, value);
  return value;
}

function comparable(manifest: any): any {
  if (manifest?.kind !== "Secret") return normalise(manifest);
  const { data, stringData, ...rest } = manifest;
  const keys = Object.keys({ ...(data ?? {}), ...(stringData ?? {}) }).sort();
  return normalise({ ...rest, data: keys });
}

/** Paths where `a` and `b` differ, as `path: a ≠ b`. */
function differences(a: any, b: any, at: string): string[] {
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  if (
    a &&
    b &&
    typeof a === "object" &&
    typeof b === "object" &&
    !Array.isArray(a) &&
    !Array.isArray(b)
  ) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((key) => differences(a[key], b[key], `${at}.${key}`));
  }
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    return a.flatMap((item, index) => differences(item, b[index], `${at}[${index}]`));
  }
  return [`${at}: ${JSON.stringify(a)} ≠ ${JSON.stringify(b)}`];
}

/** Every difference between the provider's set and the offline one; empty when they agree. */
export function compareManifests(provider: ManifestSet, offline: ManifestSet): string[] {
  const problems: string[] = [];
  for (const key of provider.keys()) {
    if (!offline.has(key)) problems.push(`${key}: written by the provider, not by the preview`);
  }
  for (const [key, manifest] of offline) {
    const real = provider.get(key);
    if (!real) {
      problems.push(`${key}: written by the preview, not by the provider`);
      continue;
    }
    problems.push(
      ...differences(comparable(real), comparable(manifest), "").map(
        (difference) => `${key}${difference} (provider ≠ preview)`,
      ),
    );
  }
  return problems;
}
