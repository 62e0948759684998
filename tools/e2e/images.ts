// The offline image set (scripts/images.sh) in the e2e: loaded into the private engine, and a copy
// of a stack file whose services run the local images. The stack files keep the upstream
// references, so the pack still judges those; only the e2e's copy names the local ones.
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { parseDocument } from "yaml";
import type { PlatformConfig } from "../../components/config";
import type { ImageRef } from "../../components/config/schema";
import { imageReference } from "../../components/model/workload";
import { projectRoot } from "../project-root";

const script = path.join(projectRoot, "scripts", "images.sh");

export interface CatalogEntry {
  readonly name: string;
  /** The reference the stacks pin; "-" for the reference service, which stands in for several. */
  readonly pinned: string;
  /** What the image set names it: toolboxai.local/NAME:VERSION. */
  readonly local: string;
  /** The version built, which can differ from the pinned one (docs/IMAGES.md). */
  readonly version: string;
}

/**
 * ToolboxAI's own images, which this repository does not hold: the reference service (the
 * platform's contract test, images/reference-service) runs in their place.
 */
export const applicationImage =
  /^ghcr\.io\/toolboxai\/(backend|dashboard|mcp-server|agent-coordinator|roblox-sync)$/;

function images(...args: string[]): string {
  const result = spawnSync("bash", [script, ...args], { encoding: "utf8" });
  if (result.status !== 0) {
    throw new Error(`bash scripts/images.sh ${args.join(" ")} failed:\n${result.stderr}`);
  }
  return result.stdout;
}

/** The folder of an image's binaries built from source (`images.sh bin NAME`). */
export function binariesOf(name: string): string {
  return images("bin", name).trim();
}

export function imageCatalog(): CatalogEntry[] {
  return images("catalog")
    .trim()
    .split("\n")
    .map((line) => {
      const [name, pinned, local, version] = line.split("|");
      return { name, pinned, local, version };
    });
}

/** Imports the cached images into the engine at `dockerHost`; throws naming what is not built. */
export function loadImages(dockerHost: string, names: readonly string[]): void {
  const result = spawnSync("bash", [script, "load", ...names], {
    encoding: "utf8",
    env: { ...process.env, DOCKER_HOST: dockerHost },
  });
  if (result.status !== 0) {
    throw new Error(`the image set is not loaded (docs/IMAGES.md):\n${result.stderr}`);
  }
}

/** The cached images as OCI archives, for containerd (the cluster phase's node). */
export function ociArchives(names: readonly string[]): string[] {
  return images("oci", ...names)
    .trim()
    .split("\n");
}

export interface LocalImages {
  /** Service → the local image it runs instead. */
  readonly images: Readonly<Record<string, { readonly name: string; readonly image: ImageRef }>>;
  /** Services whose pinned image has no local build (Grafana: no offline route). */
  readonly unmapped: readonly string[];
}

function asImageRef(local: string): ImageRef {
  const colon = local.lastIndexOf(":");
  return { repository: local.slice(0, colon), tag: local.slice(colon + 1) };
}

/** For each of `services` of `config`, the local image that stands for its pinned one. */
export function localImagesOf(
  config: PlatformConfig,
  services: readonly string[],
  catalog: readonly CatalogEntry[],
): LocalImages {
  const byPinned = new Map(catalog.map((entry) => [entry.pinned, entry]));
  const reference = catalog.find((entry) => entry.name === "reference-service");
  if (!reference) throw new Error("scripts/images.sh has no reference-service");
  const mapped: Record<string, { name: string; image: ImageRef }> = {};
  const unmapped: string[] = [];
  for (const [service, settings] of Object.entries(config.services)) {
    if (!settings || !services.includes(service)) continue;
    const entry = applicationImage.test(settings.image.repository)
      ? reference
      : byPinned.get(imageReference(settings.image));
    if (entry) mapped[service] = { name: entry.name, image: asImageRef(entry.local) };
    else unmapped.push(service);
  }
  return { images: mapped, unmapped };
}

/** `stackFile` (YAML text) with each service's image set to its local one. */
export function withLocalImages(stackFile: string, local: LocalImages): string {
  const document = parseDocument(stackFile);
  for (const [service, { image }] of Object.entries(local.images)) {
    document.setIn(["config", "toolboxai:services", service, "image"], document.createNode(image));
  }
  return document.toString();
}
