// A workload's files: the ConfigMap and the Secret its pods mount, with the checksums that roll
// the pods when either changes.
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { secretChecksum } from "../model/checksum";
import * as k8s from "./api";
import type { WorkloadScope } from "./workload-scope";

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** What the pods of a workload need before they can be created and started. */
export interface PodPrerequisite<Annotation> {
  /** The pod annotation that rolls the pods when the content changes. */
  readonly annotations: Record<string, Annotation>;
  readonly resource?: pulumi.Resource;
}

/** The ConfigMap of the workload's config files. */
export function createConfigFiles(scope: WorkloadScope): PodPrerequisite<string> {
  const { spec, namespace, labels, names, child } = scope;
  const configFiles = spec.configFiles ?? [];
  if (configFiles.length === 0) return { annotations: {} };
  const data = Object.fromEntries(configFiles.map((file) => [file.name, file.content]));
  const resource = new k8s.core.v1.ConfigMap(
    `${spec.name}-config`,
    { metadata: { name: names.configMap, namespace, labels }, data },
    child,
  );
  return {
    annotations: { "checksum.toolboxai.io/config": sha256(JSON.stringify(data)) },
    resource,
  };
}

/** The Secret of the workload's secret files. */
export function createSecretFiles(scope: WorkloadScope): PodPrerequisite<pulumi.Output<string>> {
  const { spec, context, namespace, labels, names, child } = scope;
  const secretFiles = spec.secretFiles ?? [];
  if (secretFiles.length === 0) return { annotations: {} };
  const stringData = pulumi.secret(
    pulumi
      .all(secretFiles.map((file) => file.value))
      .apply((values) =>
        Object.fromEntries(secretFiles.map((file, index) => [file.name, values[index]])),
      ),
  );
  const resource = new k8s.core.v1.Secret(
    `${spec.name}-secrets`,
    {
      metadata: { name: names.secret, namespace, labels },
      type: "Opaque",
      stringData,
    },
    context.secretsProvider ? { ...child, provider: context.secretsProvider } : child,
  );
  // Pods roll when a secret changes. The checksum is left unsecret so that the pod template
  // (and every diff of it) stays readable; keyed by a stack secret, it reveals nothing of the
  // values.
  return {
    annotations: {
      "checksum.toolboxai.io/secrets": pulumi.unsecret(
        pulumi
          .all([context.checksumKey, stringData])
          .apply(([key, data]) => secretChecksum(key, spec.name, JSON.stringify(data))),
      ),
    },
    resource,
  };
}
