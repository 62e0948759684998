// A CloudNativePG Cluster as the pack reads it (policies/lib/cloudnative-pg.ts): the instance pod
// CloudNativePG 1.29 makes from it, so that the pod rules judge it like any workload's, a Cluster
// that weakens the operator's defaults fails, and its budgets come from the operator.
import { pdbExists, replicasMin, topologySpread } from "../../policies/availability";
import { cloudNativePgInstancePod } from "../../policies/lib/cloudnative-pg";
import { dataTierIsolation } from "../../policies/network/zone-isolation";
import { noPrivilegeEscalation } from "../../policies/security/capabilities";
import { runAsNonRoot } from "../../policies/security/users-and-groups";
import { messagesOf } from "./support";

/* eslint-disable @typescript-eslint/no-explicit-any -- fixtures are untyped JSON */

const labels = {
  "app.kubernetes.io/name": "postgres",
  "app.kubernetes.io/instance": "toolboxai-production",
  "zone.toolboxai.io/database": "true",
};

function cluster(spec: Record<string, unknown> = {}): any {
  return {
    apiVersion: "postgresql.cnpg.io/v1",
    kind: "Cluster",
    metadata: { name: "postgres", namespace: "toolboxai" },
    spec: {
      instances: 3,
      imageName: "ghcr.io/cloudnative-pg/postgresql:16.10-system-bookworm",
      postgresUID: 10001,
      postgresGID: 10001,
      inheritedMetadata: { labels },
      resources: { requests: { cpu: "1", memory: "2Gi" }, limits: { cpu: "2", memory: "4Gi" } },
      ...spec,
    },
  };
}

describe("the instance pod a Cluster makes", () => {
  test("the operator's hardened defaults, the Cluster's labels, image and resources", () => {
    const pod = cloudNativePgInstancePod(cluster());
    expect(pod.metadata.labels).toMatchObject({ ...labels, "cnpg.io/cluster": "postgres" });
    expect(pod.spec.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 10001,
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(pod.spec.containers[0]).toMatchObject({
      image: "ghcr.io/cloudnative-pg/postgresql:16.10-system-bookworm",
      securityContext: {
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ["ALL"] },
      },
    });
  });

  test("the Cluster's probe timing and volume limits are the pod's", () => {
    const pod = cloudNativePgInstancePod(
      cluster({
        probes: { readiness: { periodSeconds: 30, failureThreshold: 3, type: "streaming" } },
        ephemeralVolumesSizeLimit: { temporaryData: "1Gi", shm: "256Mi" },
      }),
    );
    expect(pod.spec.containers[0].readinessProbe).toEqual({
      httpGet: { path: "/readyz", port: 8000 },
      periodSeconds: 30,
      failureThreshold: 3,
      timeoutSeconds: 5,
    });
    expect(pod.spec.volumes).toContainEqual({
      name: "shm",
      emptyDir: { medium: "Memory", sizeLimit: "256Mi" },
    });
  });
});

describe("the pod rules judge it", () => {
  test("as hardened by default: no finding", async () => {
    expect(await messagesOf(noPrivilegeEscalation, [cluster()])).toEqual([]);
    expect(await messagesOf(runAsNonRoot, [cluster()])).toEqual([]);
  });

  test("a Cluster that weakens the operator's security context is reported", async () => {
    const weakened = cluster({
      securityContext: { allowPrivilegeEscalation: true },
      podSecurityContext: { runAsNonRoot: false, runAsUser: 0 },
    });
    expect(await messagesOf(noPrivilegeEscalation, [weakened])).toEqual([
      expect.stringContaining("Cluster toolboxai/postgres"),
    ]);
    expect((await messagesOf(runAsNonRoot, [weakened])).length).toBeGreaterThan(0);
  });

  test("its replicas are its instances; its budgets the operator's, unless it turns them off", async () => {
    expect(await messagesOf(replicasMin, [cluster({ instances: 1 })])).toEqual([
      "Cluster toolboxai/postgres: runs 1 replica(s) (spec.instances); at least 2 are required",
    ]);
    expect(await messagesOf(pdbExists, [cluster()])).toEqual([]);
    expect(await messagesOf(pdbExists, [cluster({ enablePDB: false })])).toEqual([
      expect.stringContaining("no PodDisruptionBudget"),
    ]);
    expect(await messagesOf(topologySpread, [cluster()])).toEqual([]);
    expect(
      await messagesOf(topologySpread, [cluster({ affinity: { enablePodAntiAffinity: false } })]),
    ).toEqual([expect.stringContaining("sets neither topologySpreadConstraints")]);
  });
});

describe("data-tier isolation and a cluster's replication", () => {
  const policy = (from: object[]) => ({
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name: "postgres", namespace: "toolboxai" },
    spec: {
      podSelector: {
        matchLabels: {
          "app.kubernetes.io/name": "postgres",
          "app.kubernetes.io/instance": "toolboxai-production",
        },
      },
      policyTypes: ["Ingress"],
      ingress: [{ from, ports: [{ protocol: "TCP", port: "postgresql" }] }],
    },
  });
  const config = { "data-tier-isolation": { isolatedZones: { database: ["backend"] } } };

  test("the instances' own pods may connect: exactly the policy's selector", async () => {
    const own = {
      podSelector: {
        matchLabels: {
          "app.kubernetes.io/name": "postgres",
          "app.kubernetes.io/instance": "toolboxai-production",
        },
      },
    };
    expect(await messagesOf(dataTierIsolation, [cluster(), policy([own])], config)).toEqual([]);
  });

  test("a broader selector, or one from another namespace, is still reported", async () => {
    const broader = {
      podSelector: { matchLabels: { "app.kubernetes.io/instance": "toolboxai-production" } },
    };
    const elsewhere = {
      namespaceSelector: {},
      podSelector: {
        matchLabels: {
          "app.kubernetes.io/name": "postgres",
          "app.kubernetes.io/instance": "toolboxai-production",
        },
      },
    };
    expect(
      await messagesOf(dataTierIsolation, [cluster(), policy([broader])], config),
    ).toHaveLength(1);
    expect(
      await messagesOf(dataTierIsolation, [cluster(), policy([elsewhere])], config),
    ).toHaveLength(1);
  });
});
