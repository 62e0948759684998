// CloudNativePG's release manifest, vendored unchanged from the module's release tag
// (vendor/cloudnative-pg/README.md): the stack applies its CRDs, its operator's ClusterRole rules,
// its default monitoring queries and its webhook configurations from it, and builds the
// operator's Deployment, Service and namespace itself, hardened like every workload here.
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { parseAllDocuments } from "yaml";

export const cloudNativePgVersion = "1.29.2";

/** One object of the manifest, as Kubernetes reads it. */
export interface ManifestObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string };
  readonly [field: string]: unknown;
}

/** The manifest's path: vendor/ beside Pulumi.yaml, wherever the bundle runs from. */
export function releaseManifestPath(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, "Pulumi.yaml"))) {
      return path.join(dir, "vendor", "cloudnative-pg", `cnpg-${cloudNativePgVersion}.yaml`);
    }
    if (path.dirname(dir) === dir) throw new Error(`no Pulumi.yaml above ${__dirname}`);
  }
}

let cached: readonly ManifestObject[] | undefined;

/** Every object of the release manifest (parsed once: it is 1.2 MB, nearly all CRD schemas). */
export function releaseObjects(): readonly ManifestObject[] {
  cached ??= parseAllDocuments(readFileSync(releaseManifestPath(), "utf8"))
    .map((document) => document.toJS() as ManifestObject | null)
    .filter((object): object is ManifestObject => object !== null);
  return cached;
}

/** The one object of `kind` named `name`; throws, naming both, when the release has none. */
export function releaseObject(kind: string, name: string): ManifestObject {
  const found = releaseObjects().find(
    (object) => object.kind === kind && object.metadata.name === name,
  );
  if (!found)
    throw new Error(`CloudNativePG ${cloudNativePgVersion}'s manifest has no ${kind} ${name}`);
  return found;
}

/** The release's CustomResourceDefinitions. */
export function releaseCrds(): readonly ManifestObject[] {
  return releaseObjects().filter((object) => object.kind === "CustomResourceDefinition");
}
