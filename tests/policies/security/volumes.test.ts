// Volumes and the filesystem: volume types, read-only root filesystem, hostPath PersistentVolumes.
import {
  noHostPathPersistentVolumes,
  readOnlyRootFilesystem,
  volumeTypeAllowlist,
} from "../../../policies/security/volumes";
import {
  compliantPersistentVolume,
  compliantPod,
  compliantWorkloads,
  container,
  specOf,
  withInitContainer,
} from "../fixtures/security";
import { compliantDeployment, messagesOf } from "../support";

describe("volume-type-allowlist", () => {
  test("the compliant fixtures pass, with every allowed type", async () => {
    const deployment = compliantDeployment();
    specOf(deployment).volumes.push(
      { name: "data", persistentVolumeClaim: { claimName: "data" } },
      { name: "token", projected: { sources: [{ serviceAccountToken: { path: "token" } }] } },
      { name: "config", configMap: { name: "api-config" } },
      { name: "info", downwardAPI: { items: [] } },
      { name: "store", csi: { driver: "secrets-store.csi.k8s.io" } },
      { name: "scratch", ephemeral: { volumeClaimTemplate: { spec: {} } } },
    );
    expect(await messagesOf(volumeTypeAllowlist, [...compliantWorkloads(), deployment])).toEqual(
      [],
    );
  });
  test("other volume types are reported", async () => {
    const pod = compliantPod();
    pod.spec.volumes.push(
      { name: "logs", hostPath: { path: "/var/log" } },
      { name: "shared", nfs: { server: "nfs.local", path: "/exports" } },
    );
    const allowed =
      "configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected, secret";
    expect(await messagesOf(volumeTypeAllowlist, [pod])).toEqual([
      `Pod toolboxai/api: volume "logs" is of type hostPath; allowed types: ${allowed}`,
      `Pod toolboxai/api: volume "shared" is of type nfs; allowed types: ${allowed}`,
    ]);
  });
  test("the allowed types are configurable", async () => {
    const pod = compliantPod();
    pod.spec.volumes.push({ name: "shared", nfs: { server: "nfs.local", path: "/exports" } });
    const config = {
      "volume-type-allowlist": { allowedTypes: ["secret", "emptyDir", "nfs"] },
    };
    expect(await messagesOf(volumeTypeAllowlist, [pod], config)).toEqual([]);
  });
});

describe("readonly-root-filesystem", () => {
  test("the compliant fixtures pass", async () => {
    expect(await messagesOf(readOnlyRootFilesystem, compliantWorkloads())).toEqual([]);
  });
  test("false and unset are reported", async () => {
    const deployment = compliantDeployment();
    container(deployment).securityContext.readOnlyRootFilesystem = false;
    delete withInitContainer(deployment).securityContext.readOnlyRootFilesystem;
    expect(await messagesOf(readOnlyRootFilesystem, [deployment])).toEqual([
      'Deployment toolboxai/api: container "api" readOnlyRootFilesystem is false; it must be true',
      'Deployment toolboxai/api: initContainer "migrate" readOnlyRootFilesystem is unset; it must be true',
    ]);
  });
});

describe("no-host-path-persistent-volumes", () => {
  test("the compliant fixtures pass: a CSI volume, and objects of other kinds", async () => {
    expect(
      await messagesOf(noHostPathPersistentVolumes, [
        compliantPersistentVolume(),
        ...compliantWorkloads(),
      ]),
    ).toEqual([]);
  });
  test("hostPath and local volumes are reported with the node's path", async () => {
    const hostPath = compliantPersistentVolume("run");
    delete hostPath.spec.csi;
    hostPath.spec.hostPath = { path: "/var/run", type: "Directory" };
    const local = compliantPersistentVolume("disk");
    delete local.spec.csi;
    local.spec.local = { path: "/" };
    local.spec.nodeAffinity = { required: { nodeSelectorTerms: [] } };
    expect(await messagesOf(noHostPathPersistentVolumes, [hostPath, local])).toEqual([
      "PersistentVolume run: spec.hostPath exposes the node's path /var/run to every pod whose claim binds this volume; hostPath, local volumes are not allowed",
      "PersistentVolume disk: spec.local exposes the node's path / to every pod whose claim binds this volume; hostPath, local volumes are not allowed",
    ]);
  });
  test("the sources are configurable, and a dedicated disk is exempted by name", async () => {
    const local = compliantPersistentVolume("ssd");
    delete local.spec.csi;
    local.spec.local = { path: "/mnt/disks/ssd0" };
    expect(
      await messagesOf(noHostPathPersistentVolumes, [local], {
        "no-host-path-persistent-volumes": { forbiddenSources: ["hostPath"] },
      }),
    ).toEqual([]);
    const exemptions = [
      {
        kind: "PersistentVolume",
        name: "ssd",
        reason: "A local NVMe disk mounted for Postgres alone.",
      },
    ];
    expect(
      await messagesOf(noHostPathPersistentVolumes, [local], {
        "no-host-path-persistent-volumes": { exemptions },
      }),
    ).toEqual([]);
  });
});
