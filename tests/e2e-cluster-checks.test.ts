// The judgements of `npm run e2e`'s cluster phase, on the JSON shapes the real API server and the
// real Pulumi CLI return (seen on the local control plane): each must pass what is right and
// report, by name, what is wrong.
import {
  controllerShortfalls,
  jobsWithoutPods,
  declaredObjects,
  disruptiveSteps,
  grantedRules,
  normalizedRule,
  notServerSideApplied,
  podSecurityProbes,
  refusedPods,
  resourceOf,
  rightsBeyond,
  rulesOf,
  timesToReady,
  unreadyPods,
  updatedResources,
  workloadOf,
  type DeclaredObject,
  type KubernetesObject,
} from "../tools/e2e/cluster-checks";
import { failureSummary } from "../tools/e2e/engine-output";

const secret = (value: unknown) => ({
  "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
  plaintext: JSON.stringify(value),
});

const exported = JSON.stringify({
  deployment: {
    resources: [
      { type: "pulumi:providers:kubernetes", inputs: {} },
      { type: "random:index/randomPassword:RandomPassword", inputs: { length: 32 } },
      {
        type: "kubernetes:core/v1:Secret",
        inputs: {
          apiVersion: "v1",
          kind: "Secret",
          metadata: { name: "backend-secrets", namespace: "toolboxai" },
          data: secret({ "jwt-secret": "c2VjcmV0" }),
        },
        outputs: { __fieldManager: "pulumi-kubernetes-84bdc3e3" },
      },
      {
        type: "kubernetes:scheduling.k8s.io/v1:PriorityClass",
        inputs: {
          apiVersion: "scheduling.k8s.io/v1",
          kind: "PriorityClass",
          metadata: { name: "critical" },
        },
        outputs: { __fieldManager: "pulumi-kubernetes-0aef5075" },
      },
    ],
  },
});

describe("declaredObjects", () => {
  const objects = declaredObjects(exported);

  test("keeps the Kubernetes objects, with Pulumi's field manager and a readable label", () => {
    expect(objects.map((object) => [object.label, object.fieldManager])).toEqual([
      ["Secret toolboxai/backend-secrets", "pulumi-kubernetes-84bdc3e3"],
      ["PriorityClass critical", "pulumi-kubernetes-0aef5075"],
    ]);
  });

  test("reveals secret values, which kubectl diff needs to compare them", () => {
    expect(objects[0].manifest.data).toEqual({ "jwt-secret": "c2VjcmV0" });
  });
});

describe("notServerSideApplied", () => {
  const [declared] = declaredObjects(exported);
  const live = (managedFields: { manager: string; operation: string }[]): KubernetesObject => ({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "backend-secrets", managedFields },
  });

  test("passes an object Pulumi's field manager applied", () => {
    expect(
      notServerSideApplied(
        declared,
        live([
          { manager: "kube-controller-manager", operation: "Update" },
          { manager: "pulumi-kubernetes-84bdc3e3", operation: "Apply" },
        ]),
      ),
    ).toBeUndefined();
  });

  test("names the managers of an object written another way", () => {
    expect(
      notServerSideApplied(
        declared,
        live([{ manager: "pulumi-kubernetes-84bdc3e3", operation: "Update" }]),
      ),
    ).toBe(
      "Secret toolboxai/backend-secrets: not applied server-side by pulumi-kubernetes-84bdc3e3; " +
        "managers: pulumi-kubernetes-84bdc3e3 (Update)",
    );
    expect(notServerSideApplied(declared, live([]))).toMatch(/managers: none$/);
  });
});

describe("controllerShortfalls", () => {
  const deployment = (name: string, replicas: number | undefined, created: number) => ({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name },
    spec: replicas === undefined ? {} : { replicas },
    status: { replicas: created },
  });
  const list = (...items: KubernetesObject[]) => ({ items });
  const hpa = (target: string, minReplicas: number) => ({
    apiVersion: "autoscaling/v2",
    kind: "HorizontalPodAutoscaler",
    metadata: { name: target },
    spec: { minReplicas, scaleTargetRef: { kind: "Deployment", name: target } },
  });
  const statefulSet = (name: string, created: number) => ({
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: { name },
    spec: { replicas: 3 },
    status: { replicas: created },
  });

  test("nothing when every Deployment has its pods and every StatefulSet its first", () => {
    expect(
      controllerShortfalls(
        list(deployment("backend", 3, 3), deployment("dashboard", 2, 2)),
        list(statefulSet("postgres", 1)),
        list(hpa("backend", 3)),
      ),
    ).toEqual([]);
  });

  test("a Deployment short of pods, one below its autoscaler's minimum, a StatefulSet with none", () => {
    expect(
      controllerShortfalls(
        list(deployment("backend", 1, 1), deployment("dashboard", 2, 1)),
        list(statefulSet("postgres", 0)),
        list(hpa("backend", 3)),
      ),
    ).toEqual([
      "Deployment backend: 1 replicas, its autoscaler's minimum is 3",
      "Deployment dashboard: 1 of 2 pods created",
      "StatefulSet postgres: no pod created",
    ]);
  });
});

describe("refusedPods", () => {
  const refusal =
    'pods "backend-5fc8-x" is forbidden: violates PodSecurity "restricted:latest": privileged';

  test("reports FailedCreate events and ReplicaFailure conditions once each", () => {
    const events = {
      items: [
        {
          reason: "SuccessfulCreate",
          involvedObject: { kind: "ReplicaSet", name: "dashboard-59" },
        },
        {
          reason: "FailedCreate",
          message: refusal,
          involvedObject: { kind: "ReplicaSet", name: "backend-5fc8" },
        },
        {
          reason: "FailedCreate",
          message: refusal,
          involvedObject: { kind: "ReplicaSet", name: "backend-5fc8" },
        },
      ],
    };
    const replicaSets = {
      items: [
        {
          apiVersion: "apps/v1",
          kind: "ReplicaSet",
          metadata: { name: "backend-5fc8" },
          status: { conditions: [{ type: "ReplicaFailure", status: "True", message: refusal }] },
        },
      ],
    };
    expect(refusedPods(events, replicaSets)).toEqual([`ReplicaSet backend-5fc8: ${refusal}`]);
  });

  test("nothing when every pod was created", () => {
    expect(
      refusedPods(
        {
          items: [
            { reason: "SuccessfulCreate", involvedObject: { kind: "ReplicaSet", name: "a" } },
          ],
        },
        { items: [] },
      ),
    ).toEqual([]);
  });
});

test("podSecurityProbes: the template's pod as is, and made privileged and root", () => {
  const template = {
    spec: {
      serviceAccountName: "backend",
      containers: [
        {
          image: "ghcr.io/toolboxai/backend:1.4.0",
          securityContext: { runAsNonRoot: true, runAsUser: 1001 },
        },
        { image: "sidecar:1", securityContext: { runAsNonRoot: true } },
      ],
    },
  };
  const { compliant, privileged } = podSecurityProbes(template, "toolboxai");
  expect(compliant).toMatchObject({
    kind: "Pod",
    metadata: { namespace: "toolboxai" },
    spec: template.spec,
  });
  expect(compliant.metadata.labels).toBeUndefined();
  expect(privileged.spec.containers[0].securityContext).toEqual({
    runAsNonRoot: false,
    runAsUser: 0,
    privileged: true,
    allowPrivilegeEscalation: true,
  });
  expect(privileged.spec.containers[1]).toEqual(template.spec.containers[1]);
  // The template itself is untouched.
  expect(template.spec.containers[0].securityContext).toEqual({
    runAsNonRoot: true,
    runAsUser: 1001,
  });
});

describe("rulesOf and rightsBeyond", () => {
  const table = (...rows: string[]) =>
    [
      "Resources                                       Non-Resource URLs   Resource Names   Verbs",
      ...rows,
    ].join("\n");
  const baseline = rulesOf(
    table(
      "selfsubjectaccessreviews.authorization.k8s.io   []                  []               [create]",
      "                                                [/healthz]          []               [get]",
      "                                                [/healthz]          []               [get]",
    ),
  );

  test("one normalised line per rule, duplicates and the header dropped", () => {
    expect(baseline).toEqual([
      "[/healthz] [] [get]",
      "selfsubjectaccessreviews.authorization.k8s.io [] [] [create]",
    ]);
  });

  test("a right beyond the baseline is reported; the baseline itself is not", () => {
    const backend = rulesOf(
      table(
        "secrets                                         []                  []               [get list]",
        "selfsubjectaccessreviews.authorization.k8s.io   []                  []               [create]",
      ),
    );
    expect(rightsBeyond(baseline, backend)).toEqual(["secrets [] [] [get list]"]);
    expect(rightsBeyond(baseline, baseline)).toEqual([]);
  });
});

describe("preview steps", () => {
  const urn = (type: string, name: string) =>
    `urn:pulumi:cluster-staging::toolboxai-infrastructure::toolboxai:app:Backend$toolboxai:kubernetes:Workload$${type}::${name}`;
  const preview = {
    steps: [
      { op: "same", urn: urn("kubernetes:core/v1:Service", "backend") },
      { op: "update", urn: urn("kubernetes:apps/v1:Deployment", "backend") },
      { op: "replace", urn: urn("kubernetes:core/v1:Secret", "backend-secrets") },
    ],
  };

  test("resourceOf drops the parents' types", () => {
    expect(resourceOf(preview.steps[1].urn)).toBe("kubernetes:apps/v1:Deployment backend");
  });

  test("updates in place are listed; anything else is disruptive", () => {
    expect(updatedResources(preview)).toEqual(["kubernetes:apps/v1:Deployment backend"]);
    expect(disruptiveSteps(preview)).toEqual(["replace kubernetes:core/v1:Secret backend-secrets"]);
  });
});

describe("failureSummary", () => {
  test("a failed pulumi up is summed up by its violations and errors, not its outputs", () => {
    const output = [
      "exit 1, expected 0:",
      "Updating (cluster-production):",
      ...Array.from(
        { length: 40 },
        (_, index) => ` +  kubernetes:core/v1:Secret s${index} created`,
      ),
      "Policies:",
      "        - [mandatory] [severity: medium]  hpa-sane  (kubernetes:autoscaling/v2:HorizontalPodAutoscaler: backend)",
      "          HorizontalPodAutoscalers target an existing workload…",
      "          HorizontalPodAutoscaler toolboxai/backend: its target Deployment toolboxai/backend also pins spec.replicas 1",
      "Diagnostics:",
      "    error: update failed",
      "Outputs:",
      ...Array.from({ length: 40 }, (_, index) => `    output${index}: ${index}`),
    ].join("\n");
    const summary = failureSummary(output).split("\n");
    expect(summary[0]).toBe("exit 1, expected 0:");
    expect(summary).toContain(
      "          HorizontalPodAutoscaler toolboxai/backend: its target Deployment toolboxai/backend also pins spec.replicas 1",
    );
    expect(summary).toContain("    error: update failed");
    expect(summary.some((line) => line.includes("output39"))).toBe(false);
  });

  test("other failures show their last 25 lines", () => {
    const output = Array.from({ length: 30 }, (_, index) => `line ${index}`).join("\n");
    expect(failureSummary(output).split("\n")).toEqual(
      Array.from({ length: 25 }, (_, index) => `line ${index + 5}`),
    );
  });
});

describe("grantedRules", () => {
  const object = (manifest: object): DeclaredObject => ({
    type: "kubernetes:x",
    label: "x",
    fieldManager: "m",
    retainedOnDelete: false,
    manifest: manifest as DeclaredObject["manifest"],
  });
  const prometheus = { namespace: "toolboxai-monitoring", name: "prometheus" };
  const subjects = [{ kind: "ServiceAccount", ...prometheus }];
  const declared = [
    object({
      kind: "Role",
      metadata: { name: "prometheus-read", namespace: "toolboxai" },
      rules: [
        { apiGroups: [""], resources: ["pods", "services"], verbs: ["watch", "get", "list"] },
      ],
    }),
    object({
      kind: "RoleBinding",
      metadata: { name: "prometheus-read", namespace: "toolboxai" },
      roleRef: { kind: "Role", name: "prometheus-read" },
      subjects,
    }),
    object({
      kind: "ClusterRole",
      metadata: { name: "toolboxai-production-prometheus-read" },
      rules: [{ apiGroups: [""], resources: ["nodes/metrics"], verbs: ["get"] }],
    }),
    object({
      kind: "ClusterRoleBinding",
      metadata: { name: "toolboxai-production-prometheus-read" },
      roleRef: { kind: "ClusterRole", name: "toolboxai-production-prometheus-read" },
      subjects,
    }),
    object({
      kind: "Role",
      metadata: { name: "apps-read", namespace: "toolboxai" },
      rules: [{ apiGroups: ["apps"], resources: ["deployments"], verbs: ["list"] }],
    }),
  ];

  test("the Roles bound in that namespace and the ClusterRoles, as can-i prints them", () => {
    expect(grantedRules(declared, prometheus, "toolboxai")).toEqual([
      "nodes/metrics [] [] [get]",
      "pods [] [] [get list watch]",
      "services [] [] [get list watch]",
    ]);
    // Elsewhere only the ClusterRole applies; an unbound Role grants nobody anything.
    expect(grantedRules(declared, prometheus, "toolboxai-monitoring")).toEqual([
      "nodes/metrics [] [] [get]",
    ]);
    expect(
      grantedRules(declared, { namespace: "toolboxai", name: "backend" }, "toolboxai"),
    ).toEqual([]);
  });

  test("a rule limited to resource names is one line per name, as can-i prints it", () => {
    const deployer = { namespace: "toolboxai-delivery", name: "pulumi-deployer" };
    const named = [
      object({
        kind: "ClusterRole",
        metadata: { name: "deployer-cluster" },
        rules: [
          {
            apiGroups: [""],
            resources: ["namespaces"],
            resourceNames: ["toolboxai", "toolboxai-delivery"],
            verbs: ["patch", "get"],
          },
        ],
      }),
      object({
        kind: "ClusterRoleBinding",
        metadata: { name: "deployer-cluster" },
        roleRef: { kind: "ClusterRole", name: "deployer-cluster" },
        subjects: [{ kind: "ServiceAccount", ...deployer }],
      }),
    ];
    expect(grantedRules(named, deployer, "toolboxai")).toEqual([
      "namespaces [] [toolboxai-delivery] [get patch]",
      "namespaces [] [toolboxai] [get patch]",
    ]);
  });

  test("a subresource of a group's resource is named as can-i prints it: resource.group/sub", () => {
    const manager = { namespace: "cnpg-system", name: "cnpg-manager" };
    const operator = [
      object({
        kind: "ClusterRole",
        metadata: { name: "manager" },
        rules: [
          { apiGroups: ["postgresql.cnpg.io"], resources: ["clusters/status"], verbs: ["get"] },
          { apiGroups: [""], resources: ["pods/exec"], verbs: ["create"] },
        ],
      }),
      object({
        kind: "ClusterRoleBinding",
        metadata: { name: "manager" },
        roleRef: { kind: "ClusterRole", name: "manager" },
        subjects: [{ kind: "ServiceAccount", ...manager }],
      }),
    ];
    expect(grantedRules(operator, manager, "toolboxai")).toEqual([
      "clusters.postgresql.cnpg.io/status [] [] [get]",
      "pods/exec [] [] [create]",
    ]);
  });

  test("normalizedRule sorts the verbs, so the order kubectl prints them in does not matter", () => {
    expect(normalizedRule("deployments.apps [] [] [watch list get]")).toBe(
      "deployments.apps [] [] [get list watch]",
    );
  });
});

describe("jobsWithoutPods", () => {
  const pod = (job: string, labels: Record<string, string> = { "job-name": job }) => ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: `${job}-x1`, labels },
  });
  test("names each Job without a pod, and only those", () => {
    expect(
      jobsWithoutPods(["postgres-backup-e2e", "redis-backup-e2e"], {
        items: [pod("postgres-backup-e2e"), pod("postgres-0", {})],
      }),
    ).toEqual(["Job redis-backup-e2e created no pod"]);
    expect(jobsWithoutPods(["a"], { items: [pod("a")] })).toEqual([]);
  });
});

describe("readiness on the node", () => {
  const pod = (
    name: string,
    owner: { kind: string; name: string } | undefined,
    ready: string,
    restarts = 0,
  ) => ({
    metadata: {
      name,
      creationTimestamp: "2026-12-06T10:00:00Z",
      ownerReferences: owner ? [owner] : [],
    },
    status: {
      phase: ready === "True" ? "Running" : "Pending",
      conditions: [{ type: "Ready", status: ready, lastTransitionTime: "2026-12-06T10:00:42Z" }],
      containerStatuses: [{ name: "main", ready: ready === "True", restartCount: restarts }],
    },
  });
  const backend = pod("backend-7c9d-x2", { kind: "ReplicaSet", name: "backend-7c9d" }, "True");
  const postgres = pod("postgres-0", { kind: "StatefulSet", name: "postgres" }, "False");
  const flapping = pod("loki-0", { kind: "StatefulSet", name: "loki" }, "True", 2);
  const backupRun = pod("backup-e2e-q", { kind: "Job", name: "backup-e2e" }, "False");

  test("a pod not Ready and a restarted container are named; a Job's pod is not counted", () => {
    expect(unreadyPods({ items: [backend, postgres, flapping, backupRun] })).toEqual([
      "postgres-0: not Ready (phase Pending)",
      "loki-0: container main restarted 2 times",
    ]);
    expect(unreadyPods({ items: [backend] })).toEqual([]);
  });

  test("a pod's workload: a Deployment through its ReplicaSet, else its owner", () => {
    expect(workloadOf(backend)).toBe("Deployment backend");
    expect(workloadOf(postgres)).toBe("StatefulSet postgres");
    expect(workloadOf(pod("probe", undefined, "True"))).toBe("Pod probe");
  });

  test("time to Ready: from creation to the Ready condition, only for Ready pods", () => {
    expect(timesToReady({ items: [backend, postgres] })).toEqual([
      { workload: "Deployment backend", seconds: 42 },
    ]);
  });
});
