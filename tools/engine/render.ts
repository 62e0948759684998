// Turns a mocked program run into files a person or another tool can read: one YAML manifest per
// Kubernetes resource (secret data replaced by a placeholder) and resources.json with every
// registered resource, secrets redacted.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import type { ProgramRun, RegisteredResource } from "./mock-engine";

export const secretPlaceholder = "[secret]";

/** Kubernetes objects, not providers or components. */
export function isKubernetesObject(resource: RegisteredResource): boolean {
  return (
    resource.custom &&
    resource.type.startsWith("kubernetes:") &&
    !resource.type.startsWith("pulumi:providers")
  );
}

/** The manifest of a Kubernetes resource as the provider would send it, secrets redacted. */
export function manifestOf(resource: RegisteredResource): Record<string, unknown> {
  const manifest = { ...resource.redactedInputs };
  if (manifest.kind === "Secret") {
    // A Secret's whole data map is secret; keep its keys so the manifest still validates.
    for (const field of ["data", "stringData"]) {
      const values = resource.inputs[field] as Record<string, unknown> | undefined;
      if (values)
        manifest[field] = Object.fromEntries(
          Object.keys(values).map((key) => [key, secretPlaceholder]),
        );
    }
  }
  return manifest;
}

export function manifestFileName(manifest: Record<string, unknown>): string {
  const metadata = (manifest.metadata ?? {}) as { name?: string; namespace?: string };
  const kind = String(manifest.kind ?? "unknown").toLowerCase();
  return `${metadata.namespace ?? "cluster"}_${kind}_${metadata.name ?? "unnamed"}.yaml`;
}

/** Writes DIR/kubernetes/*.yaml and DIR/resources.json; returns how many manifests. */
export function writeRenderedOutput(run: ProgramRun, outDir: string): number {
  const manifestDir = path.join(outDir, "kubernetes");
  rmSync(manifestDir, { recursive: true, force: true });
  mkdirSync(manifestDir, { recursive: true });
  const objects = run.resources.filter(isKubernetesObject);
  for (const resource of objects) {
    const manifest = manifestOf(resource);
    writeFileSync(
      path.join(manifestDir, manifestFileName(manifest)),
      stringify(manifest, { lineWidth: 0 }),
    );
  }
  const summary = run.resources.map((resource) => ({
    type: resource.type,
    name: resource.name,
    parent: resource.parent ?? null,
    inputs: resource.redactedInputs,
  }));
  writeFileSync(path.join(outDir, "resources.json"), `${JSON.stringify(summary, null, 2)}\n`);
  return objects.length;
}
