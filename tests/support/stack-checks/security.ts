// The stack's security: hardened and sized containers, secrets only as files, Pod Security
// and default-deny per namespace, and the network zones of the data stores and roblox-sync.
import type { FlowTable } from "../../../components/model/flows";
import { type ProgramRun } from "../../../tools/engine/mock-engine";
import {
  apiReadersOf,
  byKind,
  generatedPasswords,
  named,
  templateOf,
  type StackContext,
} from "./context";

/* eslint-disable @typescript-eslint/no-explicit-any -- manifests are untyped JSON here */

export function securityChecks(context: StackContext): void {
  const { stack, namespaces, pods, expected } = context;
  const readers = apiReadersOf(expected);
  /** CloudNativePG's instances run as its images' postgres user, 26 (a declared exemption). */
  const postgresUid = (workload: any) => (workload.kind === "Cluster" ? 26 : undefined);
  // The program ran once, in describeStack's beforeAll (registered first, so it has ended).
  let run: ProgramRun;
  beforeAll(() => {
    run = context.run();
  });

  test("every container is hardened and sized", () => {
    for (const workload of pods()) {
      const pod = templateOf(workload).spec;
      expect({
        workload: workload.metadata.name,
        // CloudNativePG leaves it unset on its pods: the ServiceAccount it makes mounts it.
        token: pod.automountServiceAccountToken ?? (workload.kind === "Cluster" || undefined),
      }).toEqual({
        workload: workload.metadata.name,
        token: readers.has(workload.metadata.name),
      });
      expect(pod.securityContext).toMatchObject({
        runAsNonRoot: true,
        seccompProfile: { type: "RuntimeDefault" },
      });
      const uid = postgresUid(workload);
      if (uid !== undefined) {
        expect(pod.securityContext).toMatchObject({ runAsUser: uid, fsGroup: uid });
      } else {
        expect(pod.securityContext.runAsUser).toBeGreaterThanOrEqual(1001);
        expect(pod.securityContext.fsGroup).toBeGreaterThanOrEqual(1001);
      }
      for (const container of pod.containers) {
        const where = `${workload.metadata.name}/${container.name}`;
        expect({ where, ...container.securityContext }).toMatchObject({
          where,
          runAsNonRoot: true,
          readOnlyRootFilesystem: true,
          allowPrivilegeEscalation: false,
          privileged: false,
          capabilities: { drop: ["ALL"] },
        });
        expect(container.securityContext.capabilities.add).toBeUndefined();
        // The pod's user, where the operator sets it on the pod alone.
        if (uid === undefined) {
          expect(container.securityContext.runAsUser).toBeGreaterThanOrEqual(1001);
        }
        expect(container.resources.requests.cpu).toBeDefined();
        expect(container.resources.requests.memory).toBeDefined();
        expect(container.resources.limits.cpu).toBeDefined();
        expect(container.resources.limits.memory).toBeDefined();
        if (workload.kind === "CronJob") {
          // A job runs to completion: no probes, and a failed run is a new pod.
          expect(container.readinessProbe).toBeUndefined();
          expect(pod.restartPolicy).toBe("Never");
        } else {
          expect(container.readinessProbe).toBeDefined();
          expect(container.livenessProbe).toBeDefined();
          expect(container.livenessProbe).not.toEqual(container.readinessProbe);
          expect(container.readinessProbe).toMatchObject({
            periodSeconds: 30,
            failureThreshold: 3,
          });
          const startup = container.startupProbe;
          expect(startup.periodSeconds * startup.failureThreshold).toBeGreaterThanOrEqual(40);
        }
        expect(container.image).toMatch(/:[A-Za-z0-9_][A-Za-z0-9_.-]*$|@sha256:[a-f0-9]{64}$/);
        expect(container.image).not.toMatch(/:latest$/);
        expect(container.imagePullPolicy).toBe("IfNotPresent");
      }
      for (const volume of pod.volumes) {
        if (volume.emptyDir) expect(volume.emptyDir.sizeLimit).toBeDefined();
        // Only the node agent reads the host, in its own namespace (policy exemption).
        if (workload.metadata.name !== "node-exporter") expect(volume.hostPath).toBeUndefined();
      }
      expect(pod.hostPID ?? false).toBe(workload.metadata.name === "node-exporter");
    }
  });

  test("secrets reach containers only as files under /run/secrets with *_FILE variables", () => {
    // Every value of every Secret but the public ones a Secret must hold beside its secrets: a
    // basic-auth Secret's user name (a role), the archive's bucket region (CloudNativePG reads
    // both from a Secret only).
    const isPublic = (secret: Record<string, unknown>, key: string) =>
      (secret.type === "kubernetes.io/basic-auth" && key === "username") ||
      ((secret.metadata as { name: string }).name === "postgres-archive" && key === "REGION");
    const secretValues = run.resources
      .filter((resource) => resource.inputs.kind === "Secret")
      .flatMap((resource) =>
        Object.entries(resource.inputs.stringData as Record<string, string>)
          .filter(([key]) => !isPublic(resource.inputs, key))
          .map(([, value]) => value),
      );
    expect(secretValues.length).toBeGreaterThan(0);
    const passwords = generatedPasswords(run);
    expect(passwords.length).toBe(7);
    for (const workload of pods()) {
      for (const container of templateOf(workload).spec.containers) {
        for (const variable of container.env ?? []) {
          expect(variable.valueFrom).toBeUndefined();
          for (const secret of [...secretValues, ...passwords]) {
            expect(String(variable.value)).not.toContain(secret);
          }
          if (
            variable.name.endsWith("_FILE") &&
            String(variable.value).startsWith("/run/secrets/")
          ) {
            const mount = container.volumeMounts.find((m: any) => m.mountPath === variable.value);
            expect({ variable: variable.name, readOnly: mount?.readOnly }).toEqual({
              variable: variable.name,
              readOnly: true,
            });
          }
        }
        expect(container.envFrom).toBeUndefined();
        for (const arg of [...(container.command ?? []), ...(container.args ?? [])]) {
          for (const secret of passwords) expect(arg).not.toContain(secret);
        }
      }
    }
    for (const configMap of byKind(run, "ConfigMap")) {
      for (const content of Object.values(configMap.inputs.data as Record<string, string>)) {
        for (const secret of passwords) expect(content).not.toContain(secret);
      }
    }
  });

  test("the namespace enforces Pod Security restricted and denies by default", () => {
    for (const name of Object.values(namespaces).filter(
      (candidate) => candidate !== namespaces.nodeExporter,
    )) {
      const namespace = named(run, "Namespace", name);
      for (const mode of ["enforce", "audit", "warn"]) {
        expect(namespace.metadata.labels[`pod-security.kubernetes.io/${mode}`]).toBe("restricted");
      }
    }
    // node-exporter's namespace alone admits host access, and still audits and warns.
    expect(named(run, "Namespace", namespaces.nodeExporter).metadata.labels).toMatchObject({
      "pod-security.kubernetes.io/enforce": "privileged",
      "pod-security.kubernetes.io/audit": "restricted",
      "pod-security.kubernetes.io/warn": "restricted",
    });
    expect(
      pods()
        .filter((workload) => workload.metadata.namespace === namespaces.nodeExporter)
        .map((workload) => workload.metadata.name),
    ).toEqual(["node-exporter"]);
    const deny = named(run, "NetworkPolicy", "default-deny");
    expect(deny.spec).toEqual({ podSelector: {}, policyTypes: ["Ingress", "Egress"] });
    expect(named(run, "NetworkPolicy", "allow-dns").spec.egress[0].ports).toContainEqual({
      protocol: "UDP",
      port: 53,
    });
    for (const workload of pods()) {
      const policy = named(run, "NetworkPolicy", workload.metadata.name);
      expect(policy.spec.policyTypes).toEqual(["Ingress", "Egress"]);
      // A CronJob has no selector: the policy must select its pods' labels.
      if (workload.spec.selector) {
        expect(policy.spec.podSelector.matchLabels).toEqual(workload.spec.selector.matchLabels);
      } else {
        expect(templateOf(workload).metadata.labels).toMatchObject(
          policy.spec.podSelector.matchLabels,
        );
      }
    }
  });

  test("the networkFlows output names who may reach each port, every Service port among them", () => {
    const table = run.outputs.networkFlows as FlowTable;
    const line = (port: string) =>
      Object.entries(table.ingress).find(([key]) => key.endsWith(`/${port}`))?.[1];
    // The single server's port is "postgres"; CloudNativePG names its instances' "postgresql".
    const database = expected.database ? "postgres:postgresql" : "postgres:postgres";
    // A cluster's instances also replicate from each other.
    expect(line(database)).toBe(
      `5432 ← backend, observability, backup${expected.database ? ", its own pods" : ""}`,
    );
    expect(line("postgres:metrics")).toBe("9187 ← monitoring");
    expect(line("gateway:http")).toBe("8080 ← frontend, the ingress controller");
    // The CloudNativePG operator's webhook, which the API server alone calls, is outside the
    // zone table: its own NetworkPolicy says so (components/data/cloudnative-pg/operator.ts).
    const zoned = byKind(run, "Service").filter(
      ({ inputs }: any) => inputs.metadata.namespace !== namespaces.postgresOperator,
    );
    const servicePorts = zoned.flatMap(({ inputs: service }: any) =>
      service.spec.ports.map(
        (port: any) => `${service.metadata.namespace}/${service.metadata.name}:${port.name}`,
      ),
    );
    expect(servicePorts.filter((port: string) => !(port in table.ingress))).toEqual([]);
    const outside = (workload: string) =>
      Object.entries(table.egress).find(([key]) => key.endsWith(`/${workload}`))?.[1];
    // CloudNativePG's instance manager reads its Cluster through the API; its WAL goes to the
    // stack's bucket, where it has one.
    const api = "443, 6443 to any address but link-local (the Kubernetes API)";
    const bucket = "443 to public addresses (HTTPS to the internet)";
    expect(outside("postgres")).toBe(
      expected.database ? (expected.backups.bucket ? `${api}; ${bucket}` : api) : undefined,
    );
    expect(outside("prometheus")).toBe(
      "9100, 10250 to private addresses (node-exporter and the kubelets); " +
        "443, 6443 to any address but link-local (the Kubernetes API)",
    );
  });

  test("database and cache accept only the backend zone and the backup jobs; roblox-sync reaches only backend, traces and HTTPS", () => {
    const sources = (name: string) =>
      named(run, "NetworkPolicy", name).spec.ingress.flatMap((rule: any) =>
        rule.from.map((peer: any) =>
          JSON.stringify(peer.podSelector?.matchLabels ?? peer.namespaceSelector),
        ),
      );
    const backendZone = JSON.stringify({ "zone.toolboxai.io/backend": "true" });
    const zoneSourcesOf = (name: string) =>
      sources(name).filter(
        (source: string) => source.includes("zone.toolboxai.io/") && !source.includes("monitoring"),
      );
    const backupZone = JSON.stringify({ "zone.toolboxai.io/backup": "true" });
    // PostgreSQL also admits Grafana (the observability zone), as a read-only role; both data
    // stores admit the backup jobs.
    expect(zoneSourcesOf("postgres")).toEqual([
      backendZone,
      JSON.stringify({ "zone.toolboxai.io/observability": "true" }),
      backupZone,
    ]);
    expect(zoneSourcesOf("redis")).toEqual([backendZone, backupZone]);
    for (const mcpMember of ["mcp-server", "agent-coordinator"]) {
      const zoneSources = sources(mcpMember).filter(
        (source: string) => source.includes("zone.toolboxai.io/") && !source.includes("monitoring"),
      );
      expect({ mcpMember, zoneSources }).toEqual({ mcpMember, zoneSources: [backendZone] });
    }
    const roblox = named(run, "NetworkPolicy", "roblox-sync").spec;
    expect(roblox.egress).toEqual([
      {
        to: [
          {
            namespaceSelector: {
              matchLabels: { "app.kubernetes.io/instance": `toolboxai-${stack}` },
            },
            podSelector: { matchLabels: { "zone.toolboxai.io/backend": "true" } },
          },
        ],
      },
      // Traces to Jaeger's OTLP/HTTP port, and nothing else of the monitoring tier.
      {
        to: [
          {
            namespaceSelector: {
              matchLabels: { "app.kubernetes.io/instance": `toolboxai-${stack}` },
            },
            podSelector: { matchLabels: { "zone.toolboxai.io/monitoring": "true" } },
          },
        ],
        ports: [{ protocol: "TCP", port: "otlp-http" }],
      },
      expect.objectContaining({ ports: [{ protocol: "TCP", port: 443 }] }),
    ]);
    const gatewayIngress = named(run, "NetworkPolicy", "gateway").spec.ingress;
    expect(gatewayIngress).toContainEqual(
      expect.objectContaining({
        from: [
          {
            namespaceSelector: {
              matchLabels: { "kubernetes.io/metadata.name": "ingress-nginx" },
            },
          },
        ],
      }),
    );
  });
}
