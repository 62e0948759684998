// The workload model's pure parts: secure defaults, spec validation, zones, the pod template and
// the network policies derived from a spec.
import { drainSeconds, podSpec, writableVolumeName } from "../components/kubernetes/pod";
import { workloadPolicySpec } from "../components/kubernetes/network";
import { resolveSecurity, secureDefaults } from "../components/model/security";
import { workloadProblems } from "../components/model/validate";
import { clientZones, reachableZones } from "../components/model/zones";
import { httpProbes, secretFileVariable, type WorkloadSpec } from "../components/model/workload";

/* eslint-disable @typescript-eslint/no-explicit-any -- rendered objects are inspected as JSON */

const resources = {
  requests: { cpu: "100m", memory: "64Mi" },
  limits: { cpu: "200m", memory: "128Mi" },
};
const fakeSecret = { apply: () => undefined } as any;

function spec(overrides: Partial<WorkloadSpec> = {}): WorkloadSpec {
  return {
    name: "api",
    component: "api",
    zones: ["backend"],
    replicas: 1,
    secretFiles: [{ name: "database-password", value: fakeSecret }],
    metrics: [{ port: "http" }],
    containers: [
      {
        name: "api",
        image: { repository: "example/api", tag: "1.0.0" },
        ports: [{ name: "http", port: 8000 }],
        env: { MODE: "test" },
        probes: httpProbes("http", "/health"),
        resources,
        writablePaths: ["/tmp"],
      },
    ],
    ...overrides,
  };
}

const names = { serviceAccount: "api", secret: "api-secrets", configMap: "api-config" };

/** The spec with a metrics exporter as its second container. */
function withExporterSidecar(): WorkloadSpec {
  return spec({
    containers: [
      spec().containers[0],
      {
        name: "exporter",
        image: { repository: "example/exporter", tag: "v1" },
        ports: [{ name: "metrics", port: 9100, purpose: "metrics" }],
        probes: httpProbes("metrics", "/"),
        resources,
      },
    ],
  });
}

describe("security profile", () => {
  test("documented defaults", () => {
    expect(secureDefaults).toEqual({
      runAsUser: 10001,
      runAsGroup: 10001,
      fsGroup: 10001,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      addCapabilities: [],
      seccompProfile: "RuntimeDefault",
      automountServiceAccountToken: false,
    });
    expect(Object.isFrozen(secureDefaults)).toBe(true);
    expect(resolveSecurity("api")).toEqual(secureDefaults);
  });

  test("an explicit opt-out changes only the named field", () => {
    expect(resolveSecurity("api", { readOnlyRootFilesystem: false })).toEqual({
      ...secureDefaults,
      readOnlyRootFilesystem: false,
    });
  });

  test("root or low IDs and dangerous capabilities are refused with a clear message", () => {
    expect(() => resolveSecurity("api", { runAsUser: 0 })).toThrow(
      "api: security.runAsUser is 0; it must be an integer of at least 1001 (non-root)",
    );
    expect(() => resolveSecurity("db", { fsGroup: 999 })).toThrow(
      "db: security.fsGroup is 999; it must be an integer of at least 1001 (non-root)",
    );
    expect(() =>
      resolveSecurity("api", { addCapabilities: ["SYS_ADMIN", "NET_BIND_SERVICE"] }),
    ).toThrow(
      "api: security.addCapabilities has SYS_ADMIN; only NET_BIND_SERVICE may be added back",
    );
  });
});

test("host access only for daemons; a daemon neither autoscales nor keeps a volume", () => {
  const host = {
    pid: true,
    readOnlyPaths: [{ name: "proc", hostPath: "proc", mountPath: "/host/proc" }],
  };
  expect(workloadProblems(spec({ host }))).toEqual([
    'workload api: host access is only for node agents: kind must be "daemon"',
    'workload api: host path "proc" needs absolute hostPath and mountPath',
  ]);
  expect(
    workloadProblems(
      spec({
        kind: "daemon",
        autoscaling: { minReplicas: 1, maxReplicas: 2, targetCpuUtilizationPercent: 50 },
      }),
    ),
  ).toEqual(["workload api: a daemon has one pod per node: no autoscaling, no persistentVolume"]);
});

describe("apiAccess validation", () => {
  const withAccess = (apiAccess: WorkloadSpec["apiAccess"]) =>
    workloadProblems(spec({ apiAccess }));

  test("read-only, named, namespaced grants pass", () => {
    expect(
      withAccess({
        namespaced: [
          {
            namespaces: ["toolboxai"],
            rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["list", "watch"] }],
          },
        ],
        cluster: [{ apiGroups: [""], resources: ["nodes", "nodes/proxy"], verbs: ["get", "list"] }],
      }),
    ).toEqual([]);
  });

  test("writes, wildcards, and resources under the wrong scope are refused by name", () => {
    expect(
      withAccess({
        namespaced: [
          {
            namespaces: ["toolboxai"],
            rules: [
              { apiGroups: [""], resources: ["pods", "nodes"], verbs: ["get", "delete" as "get"] },
              { apiGroups: ["apps"], resources: ["*"], verbs: ["list"] },
            ],
          },
          { namespaces: [], rules: [] },
        ],
        cluster: [{ apiGroups: [""], resources: ["secrets"], verbs: ["get"] }],
      }),
    ).toEqual([
      'workload api: apiAccess.namespaced[0] grants "delete"; only get, list and watch',
      "workload api: apiAccess.namespaced[0] names cluster-scoped nodes; grant them under apiAccess.cluster",
      'workload api: apiAccess.namespaced[0] names "*"; name each resource',
      "workload api: apiAccess.namespaced[1] names no namespace",
      "workload api: apiAccess.cluster names secrets, which live in namespaces; grant them per namespace under apiAccess.namespaced",
    ]);
  });
});

describe("workload spec validation", () => {
  test("a well-formed spec has no problems", () => {
    expect(workloadProblems(spec())).toEqual([]);
  });

  test("each structural mistake is named", () => {
    const container = spec().containers[0];
    expect(
      workloadProblems(
        spec({
          name: "Bad_Name",
          zones: [],
          metrics: [{ port: "nope" }],
          containers: [
            {
              ...container,
              probes: { readiness: { tcp: { port: "http" } }, liveness: { tcp: { port: "http" } } },
              secretFiles: ["missing"],
              env: { DATABASE_PASSWORD_FILE: "/elsewhere" },
            },
          ],
        }),
      ),
    ).toEqual([
      "workload Bad_Name: name must be a DNS label",
      "workload Bad_Name: zones must name at least one zone",
      "workload Bad_Name: container api liveness probe must differ from its readiness probe",
      'workload Bad_Name: container api mounts unknown secret file "missing"',
      'workload Bad_Name: metrics port "nope" is not a container port',
    ]);
    expect(
      workloadProblems(
        spec({ containers: [{ ...container, env: { DATABASE_PASSWORD_FILE: "/x" } }] }),
      ),
    ).toEqual([
      'workload api: container api env DATABASE_PASSWORD_FILE is set by secret file "database-password"',
    ]);
    // The API server's rule for port names, before it refuses the workload mid-deploy.
    for (const name of ["sentinel-metrics", "Metrics", "9121", "a--b", "-metrics"]) {
      expect(
        workloadProblems(
          spec({
            containers: [{ ...container, ports: [{ name, port: 9121, purpose: "metrics" }] }],
          }),
        ),
      ).toContain(
        `workload api: container api port name "${name}" must be at most 15 lowercase letters, ` +
          "digits and '-', with a letter (the API server refuses it otherwise)",
      );
    }
    expect(workloadProblems(spec())).toEqual([]);
    expect(workloadProblems(spec({ publicEntry: { port: "admin", host: "" } }))).toEqual([
      'workload api: public entry port "admin" is not a port of the main container',
      "workload api: public entry needs the host users reach it at",
    ]);
    expect(workloadProblems(spec({ kind: "stateful" }))).toEqual([
      "workload api: a stateful workload needs a persistentVolume",
    ]);
  });
});

describe("zones", () => {
  test("database and cache accept only the backend zone (and Grafana, read-only, and the backup jobs); frontend cannot reach them", () => {
    expect(clientZones(["database"])).toEqual(["backend", "observability", "backup"]);
    expect(clientZones(["cache"])).toEqual(["backend", "backup"]);
    // Nothing reaches the backup jobs; they reach only the data stores.
    expect(clientZones(["backup"])).toEqual([]);
    expect(reachableZones(["backup"])).toEqual(["database", "cache"]);
    expect(reachableZones(["frontend"])).toEqual(["frontend", "backend", "observability"]);
    expect(reachableZones(["roblox"])).toEqual(["backend"]);
    // Grafana is reached from the gateway and reaches the monitoring tier and (as a read-only
    // role) PostgreSQL, nothing else.
    expect(clientZones(["observability"])).toEqual(["frontend"]);
    expect(reachableZones(["observability"])).toEqual(["database", "monitoring"]);
    expect(clientZones(["monitoring"])).toEqual(["monitoring", "observability"]);
    expect(reachableZones(["backend"])).toEqual(["backend", "database", "cache", "mcp"]);
    expect(reachableZones(["mcp"])).toEqual(["mcp"]);
  });

  test("a member of several zones admits only clients every one of them accepts", () => {
    // The MCP server and agent coordinator are in backend and mcp: the backend zone (which they
    // are part of) reaches them; the frontend and roblox zones, which backend alone admits, do not.
    expect(clientZones(["backend", "mcp"])).toEqual(["backend"]);
    expect(clientZones(["backend"])).toEqual(["frontend", "backend", "roblox"]);
  });
});

describe("pod template", () => {
  const pod: any = podSpec(spec(), secureDefaults, names);
  const container = pod.containers[0];

  test("hardened pod and container security contexts", () => {
    expect(pod).toMatchObject({
      serviceAccountName: "api",
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      securityContext: {
        runAsNonRoot: true,
        runAsUser: 10001,
        runAsGroup: 10001,
        fsGroup: 10001,
        seccompProfile: { type: "RuntimeDefault" },
      },
    });
    expect(container.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 10001,
      runAsGroup: 10001,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      privileged: false,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    });
  });

  test("secrets are read-only files with *_FILE variables; writable paths are sized emptyDirs", () => {
    expect(container.env).toEqual([
      { name: "DATABASE_PASSWORD_FILE", value: "/run/secrets/database-password" },
      { name: "MODE", value: "test" },
    ]);
    expect(container.volumeMounts).toEqual([
      {
        name: "secrets",
        mountPath: "/run/secrets/database-password",
        subPath: "database-password",
        readOnly: true,
      },
      { name: "api-tmp", mountPath: "/tmp" },
    ]);
    expect(pod.volumes).toEqual([
      { name: "secrets", secret: { secretName: "api-secrets", defaultMode: 0o440 } },
      { name: "api-tmp", emptyDir: { sizeLimit: "256Mi" } },
    ]);
    expect(secretFileVariable("celery-broker-url")).toBe("CELERY_BROKER_URL_FILE");
    expect(writableVolumeName("web", "/var/cache/nginx")).toBe("web-var-cache-nginx");
  });

  test("ephemeral storage: a small request, a limit covering the emptyDirs plus logs", () => {
    expect(container.resources).toEqual({
      requests: { cpu: "100m", memory: "64Mi", "ephemeral-storage": "64Mi" },
      limits: { cpu: "200m", memory: "128Mi", "ephemeral-storage": "512Mi" },
    });
  });

  test("probe timing defaults: 30s period, 3 failures, startup covers 40s", () => {
    expect(container.readinessProbe).toEqual({
      httpGet: { path: "/health", port: "http" },
      periodSeconds: 30,
      failureThreshold: 3,
      timeoutSeconds: 5,
    });
    expect(container.livenessProbe).toEqual({
      tcpSocket: { port: "http" },
      periodSeconds: 30,
      failureThreshold: 3,
      timeoutSeconds: 5,
    });
    expect(container.startupProbe).toEqual({
      httpGet: { path: "/health", port: "http" },
      periodSeconds: 10,
      failureThreshold: 4,
      timeoutSeconds: 5,
    });
  });

  test("a Deployment's serving container drains before SIGTERM; a store, a worker and a sidecar do not", () => {
    const lifecycleOf = (workload: WorkloadSpec, index = 0) =>
      (podSpec(workload, secureDefaults, names).containers as any[])[index].lifecycle;
    expect(lifecycleOf(spec())).toEqual({ preStop: { sleep: { seconds: drainSeconds } } });
    expect(lifecycleOf(spec({ kind: "stateful" }))).toBeUndefined();
    const worker = spec({ containers: [{ ...spec().containers[0], ports: [] }] });
    expect(lifecycleOf(worker)).toBeUndefined();
    expect(lifecycleOf(withExporterSidecar(), 1)).toBeUndefined();
  });

  test("a sidecar mounts only the secret files it names", () => {
    const withSidecar = withExporterSidecar();
    const sidecar: any = (podSpec(withSidecar, secureDefaults, names).containers as any[])[1];
    expect(sidecar.env).toEqual([]);
    expect(sidecar.volumeMounts).toEqual([]);
  });
});

describe("network policy of a workload", () => {
  const context = { instance: "toolboxai-test", ingressControllerNamespace: "ingress-nginx" };
  // Zone members in any namespace of this installation, never another environment's.
  const installationZone = (zone: string) => ({
    namespaceSelector: { matchLabels: { "app.kubernetes.io/instance": "toolboxai-test" } },
    podSelector: { matchLabels: { [`zone.toolboxai.io/${zone}`]: "true" } },
  });

  test("ingress from client zones and, on a scraped port, monitoring: one rule per audience; egress by zone", () => {
    expect(workloadPolicySpec(spec(), context)).toEqual({
      podSelector: {
        matchLabels: {
          "app.kubernetes.io/name": "api",
          "app.kubernetes.io/instance": "toolboxai-test",
        },
      },
      policyTypes: ["Ingress", "Egress"],
      // One rule per audience: the port serves the backend's clients and Prometheus scrapes it.
      ingress: [
        {
          from: ["frontend", "backend", "roblox", "monitoring"].map(installationZone),
          ports: [{ protocol: "TCP", port: "http" }],
        },
      ],
      egress: ["backend", "database", "cache", "mcp"].map((zone) => ({
        to: [installationZone(zone)],
      })),
    });
  });

  test("internet egress is HTTPS to public addresses only; a public entry admits the ingress controller", () => {
    const policy: any = workloadPolicySpec(
      spec({ internetEgress: true, publicEntry: { port: "http", host: "toolboxai.example" } }),
      context,
    );
    expect(policy.egress.at(-1)).toEqual({
      to: [
        {
          ipBlock: {
            cidr: "0.0.0.0/0",
            except: [
              "10.0.0.0/8",
              "172.16.0.0/12",
              "192.168.0.0/16",
              "100.64.0.0/10",
              "169.254.0.0/16",
              "127.0.0.0/8",
            ],
          },
        },
      ],
      ports: [{ protocol: "TCP", port: 443 }],
    });
    expect(policy.ingress).toContainEqual({
      from: [
        { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ingress-nginx" } } },
      ],
      ports: [{ protocol: "TCP", port: "http" }],
    });
    const plain: any = workloadPolicySpec(spec(), context);
    expect(plain.egress.some((rule: any) => rule.to.some((peer: any) => peer.ipBlock))).toBe(false);
  });

  test("scraping and API access never reach link-local addresses (the metadata server)", () => {
    const policy: any = workloadPolicySpec(
      spec({ scrapes: true, apiAccess: { cluster: [] } }),
      context,
    );
    const blocks = policy.egress.flatMap((rule: any) =>
      rule.to.filter((peer: any) => peer.ipBlock).map((peer: any) => peer.ipBlock),
    );
    expect(blocks).toEqual([
      { cidr: "10.0.0.0/8" },
      { cidr: "172.16.0.0/12" },
      { cidr: "192.168.0.0/16" },
      { cidr: "100.64.0.0/10" },
      { cidr: "0.0.0.0/0", except: ["169.254.0.0/16"] },
    ]);
  });
});
