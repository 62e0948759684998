// The node's copy of a stack file and its policy config (tools/e2e/node-stack.ts): what each
// changes, and that the rest is the stack file's.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parseDocument } from "yaml";
import { ageKeyPairFromBytes } from "../components/backup/age-keys";
import { imageCatalog } from "../tools/e2e/images";
import {
  alertSinkExemption,
  localRegistry,
  nodePolicyConfig,
  nodeStackFile,
  podSecurityProbeExemptions,
  type NodeBackups,
  type PolicyConfig,
} from "../tools/e2e/node-stack";
import { validatedStackConfig } from "../tools/engine/stack-config";
import { projectRoot } from "../tools/project-root";

const read = (file: string) => readFileSync(path.join(projectRoot, file), "utf8");
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- YAML read back as plain data
type Values = Record<string, any>;
/** A stack file's `config` values, as plain data. */
const configOf = (text: string) =>
  (parseDocument(text).get("config") as { toJSON(): Values }).toJSON();

const backups: NodeBackups = {
  recipient: ageKeyPairFromBytes(new Uint8Array(32).fill(7)).recipient,
  bucket: {
    endpoint: "https://198.51.100.20",
    caCertificates: "-----BEGIN CERTIFICATE-----\nMIIB…\n-----END CERTIFICATE-----\n",
  },
};

test("staging on the node: local images, Grafana off, the alert sink on, CPU fitted, the backups to the test's key on their volume; the rest as it was", () => {
  const fit = nodeStackFile(
    read("Pulumi.staging.yaml"),
    validatedStackConfig("staging"),
    imageCatalog(),
    backups,
  );
  expect(fit.factor).toBeLessThan(1);
  const values = configOf(fit.stackFile);
  expect(values["toolboxai:grafanaEnabled"]).toBe(false);
  expect(values["toolboxai:monitoring"].alertSink).toBe(true);
  expect(values["toolboxai:services"].backend.image.repository).toMatch(/^toolboxai\.local\//);
  const { recipients, ...backup } = values["toolboxai:backup"];
  const { recipients: examples, ...stackBackup } = configOf(read("Pulumi.staging.yaml"))[
    "toolboxai:backup"
  ];
  expect(recipients).toEqual([backups.recipient]);
  expect(examples).not.toContain(backups.recipient);
  expect(backup).toEqual(stackBackup);
});

test("production on the node: its bucket's endpoint is the stand-in's, with its CA; bucket, region and prefix as they were", () => {
  const { stackFile } = nodeStackFile(
    read("Pulumi.production.yaml"),
    validatedStackConfig("production"),
    imageCatalog(),
    backups,
  );
  const { storage, recipients } = configOf(stackFile)["toolboxai:backup"];
  const stackStorage = configOf(read("Pulumi.production.yaml"))["toolboxai:backup"].storage;
  expect(recipients).toEqual([backups.recipient]);
  expect(storage).toEqual({ ...stackStorage, ...backups.bucket });
  expect(stackStorage.endpoint).not.toBe(backups.bucket.endpoint);
});

test("the policy config admits the local registry beside the stack's and exempts the alert sink and the Pod Security probe, by name", () => {
  const policies: PolicyConfig = JSON.parse(read("policies/config/production.json"));
  const node = nodePolicyConfig(policies);
  const registries = node["image-registry-allowlist"].allowedRegistries ?? [];
  expect(registries.at(-1)).toBe(localRegistry);
  expect(registries.length).toBeGreaterThan(1);
  expect(node["replicas-min"].exemptions).toContainEqual(alertSinkExemption);
  // The Pod Security probe, from the three rules it breaks on purpose; their other exemptions kept.
  const probeRules = ["no-privileged-containers", "no-privilege-escalation", "run-as-non-root"];
  expect(Object.keys(podSecurityProbeExemptions).sort()).toEqual([...probeRules].sort());
  for (const rule of probeRules) {
    expect(node[rule].exemptions).toEqual([
      ...(policies[rule]?.exemptions ?? []),
      {
        kind: "Deployment",
        name: "e2e-privileged",
        reason: expect.stringContaining("Pod Security"),
      },
    ]);
  }
  expect(node["run-as-non-root"].exemptions!.length).toBeGreaterThan(1);
  // Every other policy's settings as the stack's.
  const changed = ["image-registry-allowlist", "replicas-min", ...probeRules];
  const others = (config: PolicyConfig) =>
    Object.fromEntries(Object.entries(config).filter(([name]) => !changed.includes(name)));
  expect(others(node)).toEqual(others(policies));
});
