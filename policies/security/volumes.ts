// Volumes and the filesystem: allowed volume types, a read-only root filesystem, and no
// PersistentVolume that exposes a node's path.
import { celString, containerFlag, podAdmission } from "../lib/admission-form";
import { podRule, resourceRule } from "../lib/define";
import { joined, quoted } from "../lib/lists";
import { describeContainer, describeVolume, listOf, stringsOf } from "../lib/kubernetes";
import { containerContext } from "../lib/security-context";

/* eslint-disable @typescript-eslint/no-explicit-any -- policy props are untyped JSON */

/** The type of a volume: its one key besides `name` (an API volume has exactly one source). */
function volumeTypesOf(volume: any): string[] {
  return Object.keys(volume ?? {}).filter((key) => key !== "name");
}

/**
 * The volume sources of the core/v1 API (Volume). At admission a volume is typed: these are the
 * only fields besides `name` it can have, and the policy names the ones not allowed.
 */
export const apiVolumeTypes = [
  "awsElasticBlockStore",
  "azureDisk",
  "azureFile",
  "cephfs",
  "cinder",
  "configMap",
  "csi",
  "downwardAPI",
  "emptyDir",
  "ephemeral",
  "fc",
  "flexVolume",
  "flocker",
  "gcePersistentDisk",
  "gitRepo",
  "glusterfs",
  "hostPath",
  "image",
  "iscsi",
  "nfs",
  "persistentVolumeClaim",
  "photonPersistentDisk",
  "portworxVolume",
  "projected",
  "quobyte",
  "rbd",
  "scaleIO",
  "secret",
  "storageos",
  "vsphereVolume",
];

export const volumeTypeAllowlist = podRule({
  name: "volume-type-allowlist",
  description:
    "Pods use only volume types that cannot reach node or network storage outside the " +
    "cluster's control: configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, " +
    "projected, secret (PSS restricted; Kyverno).",
  severity: "medium",
  enforcementLevel: "mandatory",
  config: {
    allowedTypes: {
      type: "array",
      items: { type: "string" },
      default: [
        "configMap",
        "csi",
        "downwardAPI",
        "emptyDir",
        "ephemeral",
        "persistentVolumeClaim",
        "projected",
        "secret",
      ],
      description: "Volume source fields a pod volume may use.",
    },
  },
  remediationSteps:
    "Replace the volume with an allowed type: storage through a PersistentVolumeClaim, scratch " +
    "space through emptyDir, configuration through configMap/secret/projected.",
  check: (pod, config) => {
    const allowed = stringsOf(config.allowedTypes);
    const messages: string[] = [];
    for (const volume of listOf(pod.podSpec?.volumes)) {
      for (const type of volumeTypesOf(volume).filter((key) => !allowed.includes(key))) {
        messages.push(
          `${describeVolume(volume)} is of type ${type}; allowed types: ${joined(allowed)}`,
        );
      }
    }
    return messages;
  },
  admission: podAdmission((config) => {
    const allowed = stringsOf(config.allowedTypes);
    const refused = apiVolumeTypes.filter((type) => !allowed.includes(type));
    if (refused.length === 0) return [];
    const isRefused = refused.map((type) => `has(v.${type})`).join(" || ");
    const typeOf = refused.reduceRight(
      (otherwise, type) => `has(v.${type}) ? '${type}' : ${otherwise}`,
      "''",
    );
    return [
      {
        expression: `!has(variables.podSpec.volumes) || !variables.podSpec.volumes.exists(v, ${isRefused})`,
        messageExpression:
          `variables.podSpec.volumes.filter(v, ${isRefused}).map(v, 'volume "' + v.name + ` +
          `'" is of type ' + (${typeOf}) + ${celString(`; allowed types: ${joined(allowed)}`)})[0]`,
      },
    ];
  }),
});

export const readOnlyRootFilesystem = podRule({
  name: "readonly-root-filesystem",
  description:
    "Containers mount their root filesystem read-only; writable paths are emptyDir volumes " +
    "(Kyverno; Polaris; kube-score; CIS Docker 5.13; CKV_K8S_22).",
  severity: "medium",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Set `securityContext.readOnlyRootFilesystem: true` on the container and mount an emptyDir " +
    "(with a sizeLimit) at each path it writes (/tmp, caches, sockets).",
  check: (pod) =>
    pod.containers.flatMap((entry) => {
      const value = containerContext(entry).readOnlyRootFilesystem;
      if (value === true) return [];
      const shown = value === undefined ? "unset" : quoted(value);
      return [`${describeContainer(entry)} readOnlyRootFilesystem is ${shown}; it must be true`];
    }),
  admission: podAdmission(() => containerFlag("readOnlyRootFilesystem", true, "unset")),
});

const persistentVolumeType = "kubernetes:core/v1:PersistentVolume";

export const noHostPathPersistentVolumes = resourceRule({
  name: "no-host-path-persistent-volumes",
  description:
    "PersistentVolumes do not expose a node's filesystem: no hostPath and no local source. A pod " +
    "that mounts a claim bound to one gets that host path, while its own spec shows only a " +
    "PersistentVolumeClaim (the PSS baseline hostPath rule, applied to the volume behind the " +
    "claim). A local volume is a host directory bind-mounted the same way, and nothing in it " +
    "tells a dedicated disk from /, so it is refused too unless exempted.",
  severity: "high",
  enforcementLevel: "mandatory",
  packOnly:
    "PersistentVolumes are cluster-wide: a policy over them would judge every installation's and the cluster's own, not only the stack's.",
  config: {
    forbiddenSources: {
      type: "array",
      items: { type: "string" },
      default: ["hostPath", "local"],
      description: "PersistentVolume sources that mount a path of the node.",
    },
  },
  remediationSteps:
    "Provision the volume through a StorageClass (a CSI driver's dynamic volumes) and let the " +
    "claim bind it. A local PersistentVolume on a disk mounted for it alone is exempted by name " +
    "with a reason naming the disk.",
  appliesTo: (type) => type === persistentVolumeType,
  check: (resource, config) =>
    stringsOf(config.forbiddenSources)
      .filter((source) => resource.props?.spec?.[source] !== undefined)
      .map((source) => {
        const path = resource.props.spec[source]?.path;
        return (
          `spec.${source} exposes the node's path ${typeof path === "string" ? path : "(no path)"} ` +
          `to every pod whose claim binds this volume; ${joined(stringsOf(config.forbiddenSources))} ` +
          "volumes are not allowed"
        );
      }),
});
