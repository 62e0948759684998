// `npm run e2e` holds the offline preview to the real provider's manifests: the comparison
// forgives exactly what the provider rewrites, and reports anything else.
import { symlinkSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import { compareManifests, normalise, readManifestDir } from "../tools/e2e/compare";
import { tempDir } from "./support/temp";

/* eslint-disable @typescript-eslint/no-explicit-any -- manifests are untyped JSON */

const deployment = (cpu: string, memory: string, extra: any = {}) => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "api", namespace: "toolboxai", annotations: {}, ...extra.metadata },
  spec: {
    template: {
      metadata: { annotations: { "checksum.toolboxai.io/secrets": extra.checksum ?? "aaa" } },
      spec: {
        containers: [{ name: "api", env: [], resources: { limits: { cpu, memory } } }],
      },
    },
  },
});
const set = (...manifests: any[]) =>
  new Map(
    manifests.map((manifest) => [`${manifest.kind} toolboxai/${manifest.metadata.name}`, manifest]),
  );

test("what the provider rewrites is forgiven: quantities, empty fields, secret values, checksums", () => {
  const provider = set(deployment("2", "4Gi", { checksum: "bbb" }), {
    kind: "Secret",
    metadata: { name: "db", namespace: "toolboxai" },
    data: { password: "cGFzcw==" },
  });
  const preview = set(deployment("2000m", "4096Mi"), {
    kind: "Secret",
    metadata: { name: "db", namespace: "toolboxai" },
    stringData: { password: "[secret]" },
  });
  expect(compareManifests(provider, preview)).toEqual([]);
  expect(normalise({ spec: { globalDefault: false, items: [], labels: {} }, value: 1 })).toEqual({
    value: 1,
  });
});

test("any other difference is reported with its path, and so are missing objects", () => {
  const provider = set(deployment("3", "4Gi"), {
    kind: "ConfigMap",
    metadata: { name: "extra", namespace: "toolboxai" },
  });
  const preview = set(deployment("2", "4Gi"), {
    kind: "Secret",
    metadata: { name: "db", namespace: "toolboxai" },
    stringData: { password: "[secret]" },
  });
  expect(compareManifests(provider, preview)).toEqual([
    "ConfigMap toolboxai/extra: written by the provider, not by the preview",
    'Deployment toolboxai/api.spec.template.spec.containers[0].resources.limits.cpu: "cpu:3000" ≠ "cpu:2000" (provider ≠ preview)',
    "Secret toolboxai/db: written by the preview, not by the provider",
  ]);
  // A Secret with other keys differs too, though its values are never compared.
  const withKeys = (keys: string[]) =>
    set({
      kind: "Secret",
      metadata: { name: "db", namespace: "toolboxai" },
      data: Object.fromEntries(keys.map((key) => [key, "x"])),
    });
  expect(compareManifests(withKeys(["password"]), withKeys(["password", "user"]))).toHaveLength(1);
});

test("manifests are read from every YAML file of a folder, multi-document files included", () => {
  const dir = tempDir("toolboxai-compare-");
  writeFileSync(
    path.join(dir, "a.yaml"),
    `${stringify(deployment("1", "1Gi"))}---\n${stringify({ kind: "Namespace", metadata: { name: "toolboxai" } })}`,
  );
  expect([...readManifestDir(dir).keys()]).toEqual([
    "Deployment toolboxai/api",
    "Namespace toolboxai",
  ]);
});

test("a folder holding a link or a file that is no manifest is not compared", () => {
  const dir = tempDir("toolboxai-compare-");
  writeFileSync(path.join(dir, "a.yaml"), stringify(deployment("1", "1Gi")));
  writeFileSync(path.join(dir, "notes.txt"), "kept by hand\n");
  symlinkSync("a.yaml", path.join(dir, "b.yaml"));
  expect(() => readManifestDir(dir)).toThrow(
    `${dir} holds more than manifests: b.yaml: a link (to a.yaml); notes.txt: not a manifest ` +
      "(.yaml, .yml, .json)",
  );
});
