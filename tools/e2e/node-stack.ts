// What the e2e's node runs of a stack file: a copy made for the node, and its policy config. The
// stack's services on the offline image set (Grafana, which has none, off), the local alert sink on
// (every routed alert is also logged there, where the e2e reads it), CPU requests fitted to the
// node's two cores (./node-fit.ts), the backups encrypted to the test's recovery key (in place of
// the examples, whose private keys nobody has) and, when they go to a bucket, kept in the bucket
// stand-in (./bucket-stand-in.ts), whose test CA it trusts. The policy config is the stack file's, whose registry allowlist
// also admits the local image set, as the rule's remediation says to add a reviewed registry (the
// render phase judges the stack files' own references), and which exempts the one-replica alert
// sink from the minimum replicas and the e2e's privileged Deployment from the rules it breaks on
// purpose, by name and with their reasons.
import { parseDocument } from "yaml";
import type { PlatformConfig } from "../../components/config";
import { alertSinkName } from "../../components/monitoring/alert-sink";
import { replicasMin } from "../../policies/availability/replicas";
import { noPrivilegeEscalation } from "../../policies/security/capabilities";
import { noPrivileged } from "../../policies/security/host-access";
import { runAsNonRoot } from "../../policies/security/users-and-groups";
import { defaultAllowedRegistries, registryAllowlist } from "../../policies/images";
import type { Exemption } from "../../policies/lib/exemptions";
import { localImagesOf, withLocalImages, type CatalogEntry } from "./images";
import { fitToNode, type NodeFit } from "./node-fit";

/** The local image set's registry (scripts/images.sh: toolboxai.local/NAME:VERSION). */
export const localRegistry = "toolboxai.local/";

/** The alert sink is a test receiver, one replica wherever it runs; the pack reports the use. */
export const alertSinkExemption: Exemption = {
  kind: "Deployment",
  name: alertSinkName,
  reason:
    "The e2e's local alert receiver (monitoring.alertSink), on in the node's copy of the stack " +
    "file so that the e2e can read delivered alerts: one replica, as a test receiver needs.",
};

/**
 * The cluster phase's proof that pods Pod Security refuses are reported (tests/e2e/
 * cluster-changes.ts) applies a privileged Deployment with kubectl: the rules it breaks on
 * purpose exempt it by name, so that the admission policies let it through to Pod Security.
 */
export const podSecurityProbeName = "e2e-privileged";
export const podSecurityProbeExemptions: Readonly<Record<string, Exemption>> = Object.fromEntries(
  [noPrivileged, noPrivilegeEscalation, runAsNonRoot].map((rule) => [
    rule.name,
    {
      kind: "Deployment",
      name: podSecurityProbeName,
      reason:
        "The e2e's privileged Deployment, applied with kubectl and deleted after: it proves " +
        "that the pods Pod Security refuses are reported, so it must reach Pod Security.",
    },
  ]),
);

/** Where the node's backups go: the test's recovery key, and the bucket stand-in. */
export interface NodeBackups {
  /** The recovery key's public half (`age1…`); the test keeps the private one. */
  readonly recipient: string;
  readonly bucket: { readonly endpoint: string; readonly caCertificates: string };
}

/** A stack file's text made for the node, and the CPU factor it was fitted with. */
export function nodeStackFile(
  text: string,
  config: PlatformConfig,
  catalog: readonly CatalogEntry[],
  backups: NodeBackups,
): NodeFit {
  const local = localImagesOf(config, Object.keys(config.services), catalog);
  const document = parseDocument(withLocalImages(text, local));
  document.setIn(["config", "toolboxai:grafanaEnabled"], false);
  document.setIn(["config", "toolboxai:monitoring", "alertSink"], true);
  // One node: a CloudNativePG cluster's instances share it.
  if (config.database.engine === "cloudnative-pg") {
    document.setIn(["config", "toolboxai:database", "antiAffinity"], "preferred");
  }
  const backup = ["config", "toolboxai:backup"];
  if (config.backup) {
    document.setIn([...backup, "recipients"], [backups.recipient]);
    if (config.backup.storage.type === "s3") {
      document.setIn([...backup, "storage", "endpoint"], backups.bucket.endpoint);
      document.setIn([...backup, "storage", "caCertificates"], backups.bucket.caCertificates);
    }
  }
  return fitToNode(document.toString(), config);
}

/** A policy config: each policy's settings by its name. */
export type PolicyConfig = Record<
  string,
  { allowedRegistries?: string[]; exemptions?: Exemption[]; [setting: string]: unknown }
>;

/**
 * The stack file's policy config with the local registry allowed, the alert sink exempted, and
 * the Pod Security probe exempted from the rules it breaks on purpose.
 */
export function nodePolicyConfig(policies: PolicyConfig): PolicyConfig {
  const allowlist = policies[registryAllowlist.name] ?? {};
  /** `rule`'s settings in `policies` (a bare level as its enforcementLevel), `exemption` added. */
  const withExemption = (rule: string, exemption: Exemption) => {
    const entry = policies[rule] as PolicyConfig[string] | string | undefined;
    const settings = typeof entry === "string" ? { enforcementLevel: entry } : (entry ?? {});
    return [rule, { ...settings, exemptions: [...(settings.exemptions ?? []), exemption] }];
  };
  const exemptions: [string, Exemption][] = [
    ...Object.entries(podSecurityProbeExemptions),
    [replicasMin.name, alertSinkExemption],
  ];
  return {
    ...policies,
    ...Object.fromEntries(exemptions.map(([rule, exemption]) => withExemption(rule, exemption))),
    [registryAllowlist.name]: {
      ...allowlist,
      allowedRegistries: [
        ...(allowlist.allowedRegistries ?? defaultAllowedRegistries),
        localRegistry,
      ],
    },
  };
}
