import {
  cronJobDeadline,
  deprecatedApis,
  envNoDuplicates,
  hygienePolicies,
  jobRestartPolicy,
  requireRecommendedLabels,
  selectorMatchesTemplate,
} from "../../policies/hygiene";
import { runPolicies, type RunnerResource } from "../../policies/runner";
import {
  compliantCronJob,
  compliantJob,
  compliantPod,
  compliantStatefulSet,
} from "./fixtures/hygiene";
import { compliantNamespaceSet } from "./fixtures/resources";
import { clone, compliantDeployment, messagesOf, resourceOf } from "./support";

describe("the compliant fixtures", () => {
  test("pass every hygiene policy", async () => {
    const objects = [
      compliantDeployment(),
      compliantStatefulSet(),
      compliantCronJob(),
      compliantJob(),
      compliantPod(),
      ...compliantNamespaceSet(),
    ];
    expect(
      await runPolicies(
        hygienePolicies,
        objects.map((object) => resourceOf(object)),
      ),
    ).toEqual([]);
  });
});

describe("recommended-labels", () => {
  test("the compliant fixture and a Namespace with its three labels pass", async () => {
    const objects = [compliantDeployment(), ...compliantNamespaceSet()];
    expect(await messagesOf(requireRecommendedLabels, objects)).toEqual([]);
  });
  test("missing and empty labels on the object and on its pod template", async () => {
    const deployment = clone(compliantDeployment());
    delete deployment.metadata.labels["app.kubernetes.io/component"];
    deployment.metadata.labels["app.kubernetes.io/managed-by"] = "";
    delete deployment.spec.template.metadata.labels["app.kubernetes.io/part-of"];
    expect(await messagesOf(requireRecommendedLabels, [deployment])).toEqual([
      "Deployment toolboxai/api: metadata.labels lacks app.kubernetes.io/component, " +
        "app.kubernetes.io/managed-by",
      "Deployment toolboxai/api: pod template labels lack app.kubernetes.io/part-of",
    ]);
  });
  test("a CronJob's pod template, a Namespace, and an unlabelled ConfigMap", async () => {
    const cronJob = compliantCronJob();
    delete cronJob.spec.jobTemplate.spec.template.metadata.labels["app.kubernetes.io/name"];
    const [namespace] = compliantNamespaceSet();
    delete namespace.metadata.labels["app.kubernetes.io/part-of"];
    const configMap = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "settings", namespace: "toolboxai" },
      data: {},
    };
    expect(await messagesOf(requireRecommendedLabels, [cronJob, namespace, configMap])).toEqual([
      "CronJob toolboxai/report: pod template labels lack app.kubernetes.io/name",
      "Namespace toolboxai: metadata.labels lacks app.kubernetes.io/part-of",
      "ConfigMap toolboxai/settings: metadata.labels lacks app.kubernetes.io/name, " +
        "app.kubernetes.io/instance, app.kubernetes.io/component, app.kubernetes.io/part-of, " +
        "app.kubernetes.io/managed-by",
    ]);
  });
  test("the label lists are configurable", async () => {
    const [namespace] = compliantNamespaceSet();
    const config = {
      "recommended-labels": {
        requiredLabels: ["app.kubernetes.io/name", "team"],
        namespaceLabels: ["team"],
      },
    };
    expect(
      await messagesOf(requireRecommendedLabels, [compliantDeployment(), namespace], config),
    ).toEqual([
      "Deployment toolboxai/api: metadata.labels lacks team",
      "Deployment toolboxai/api: pod template labels lack team",
      "Namespace toolboxai: metadata.labels lacks team",
    ]);
  });
});

describe("selector-matches-template", () => {
  test("the compliant fixtures pass; a Job without a manual selector passes", async () => {
    const objects = [compliantDeployment(), compliantStatefulSet(), compliantJob()];
    expect(await messagesOf(selectorMatchesTemplate, objects)).toEqual([]);
  });
  test("a selector that does not select the template, and a missing one", async () => {
    const deployment = clone(compliantDeployment());
    deployment.spec.selector.matchLabels["app.kubernetes.io/name"] = "web";
    const statefulSet = compliantStatefulSet();
    delete statefulSet.spec.selector;
    expect(await messagesOf(selectorMatchesTemplate, [deployment, statefulSet])).toEqual([
      "Deployment toolboxai/api: spec.selector (app.kubernetes.io/name=web, " +
        "app.kubernetes.io/instance=toolboxai-production) does not select its pod template's labels",
      "StatefulSet toolboxai/postgres: sets no spec.selector",
    ]);
  });
  test("an empty selector, and a CronJob's hand-set selector with an expression", async () => {
    const deployment = clone(compliantDeployment());
    deployment.spec.selector = { matchLabels: {} };
    const cronJob = compliantCronJob();
    cronJob.spec.jobTemplate.spec.selector = {
      matchExpressions: [{ key: "tier", operator: "In", values: ["batch", "cron"] }],
    };
    expect(await messagesOf(selectorMatchesTemplate, [deployment, cronJob])).toEqual([
      "Deployment toolboxai/api: spec.selector is empty; it would select every pod",
      "CronJob toolboxai/report: spec.jobTemplate.spec.selector (tier In (batch, cron)) does not " +
        "select its pod template's labels",
    ]);
  });
});

describe("no-deprecated-apis", () => {
  const pdb = (apiVersion: string) => ({
    apiVersion,
    kind: "PodDisruptionBudget",
    metadata: { name: "api", namespace: "toolboxai" },
    spec: { maxUnavailable: 1 },
  });
  test("current apiVersions pass", async () => {
    const objects = [compliantDeployment(), compliantCronJob(), pdb("policy/v1")];
    expect(await messagesOf(deprecatedApis, objects)).toEqual([]);
  });
  test("removed apiVersions fail, read from apiVersion", async () => {
    const cronJob = { ...compliantCronJob(), apiVersion: "batch/v1beta1" };
    const ingress = {
      apiVersion: "extensions/v1beta1",
      kind: "Ingress",
      metadata: { name: "gateway", namespace: "toolboxai" },
    };
    const hpa = {
      apiVersion: "autoscaling/v2beta2",
      kind: "HorizontalPodAutoscaler",
      metadata: { name: "api", namespace: "toolboxai" },
    };
    expect(
      await messagesOf(deprecatedApis, [pdb("policy/v1beta1"), cronJob, ingress, hpa]),
    ).toEqual([
      "PodDisruptionBudget toolboxai/api: apiVersion policy/v1beta1 was removed in Kubernetes " +
        "1.25; use policy/v1",
      "CronJob toolboxai/report: apiVersion batch/v1beta1 was removed in Kubernetes 1.25; use " +
        "batch/v1",
      "Ingress toolboxai/gateway: apiVersion extensions/v1beta1 was removed in Kubernetes 1.22; " +
        "use networking.k8s.io/v1",
      "HorizontalPodAutoscaler toolboxai/api: apiVersion autoscaling/v2beta2 was removed in " +
        "Kubernetes 1.26; use autoscaling/v2",
    ]);
  });
  test("kinds the pack does not model: FlowSchema, PodSecurityPolicy, TokenReview", async () => {
    const object = (apiVersion: string, kind: string) => ({
      apiVersion,
      kind,
      metadata: { name: kind.toLowerCase() },
    });
    expect(
      await messagesOf(deprecatedApis, [
        object("flowcontrol.apiserver.k8s.io/v1beta2", "FlowSchema"),
        object("flowcontrol.apiserver.k8s.io/v1beta3", "PriorityLevelConfiguration"),
        object("policy/v1beta1", "PodSecurityPolicy"),
        object("authentication.k8s.io/v1beta1", "TokenReview"),
        object("authorization.k8s.io/v1beta1", "SubjectAccessReview"),
      ]),
    ).toEqual([
      "FlowSchema flowschema: apiVersion flowcontrol.apiserver.k8s.io/v1beta2 was removed in " +
        "Kubernetes 1.29; use flowcontrol.apiserver.k8s.io/v1",
      "PriorityLevelConfiguration prioritylevelconfiguration: apiVersion " +
        "flowcontrol.apiserver.k8s.io/v1beta3 was removed in Kubernetes 1.32; use " +
        "flowcontrol.apiserver.k8s.io/v1",
      "PodSecurityPolicy podsecuritypolicy: apiVersion policy/v1beta1 was removed in Kubernetes " +
        "1.25; use Pod Security admission (PodSecurityPolicy has no successor API)",
      "TokenReview tokenreview: apiVersion authentication.k8s.io/v1beta1 was removed in " +
        "Kubernetes 1.22; use authentication.k8s.io/v1",
      "SubjectAccessReview subjectaccessreview: apiVersion authorization.k8s.io/v1beta1 was " +
        "removed in Kubernetes 1.22; use authorization.k8s.io/v1",
    ]);
  });
  test("the release is the one that removed that kind from a shared apiVersion", async () => {
    const object = (apiVersion: string, kind: string) => ({
      apiVersion,
      kind,
      metadata: { name: "x", namespace: "toolboxai" },
    });
    expect(
      await messagesOf(deprecatedApis, [
        { ...compliantDeployment(), apiVersion: "extensions/v1beta1" },
        object("extensions/v1beta1", "NetworkPolicy"),
        object("storage.k8s.io/v1beta1", "StorageClass"),
        object("storage.k8s.io/v1beta1", "CSIStorageCapacity"),
      ]),
    ).toEqual([
      "Deployment toolboxai/api: apiVersion extensions/v1beta1 was removed in Kubernetes 1.16; " +
        "use apps/v1",
      "NetworkPolicy toolboxai/x: apiVersion extensions/v1beta1 was removed in Kubernetes 1.16; " +
        "use networking.k8s.io/v1",
      "StorageClass toolboxai/x: apiVersion storage.k8s.io/v1beta1 was removed in Kubernetes " +
        "1.22; use storage.k8s.io/v1",
      "CSIStorageCapacity toolboxai/x: apiVersion storage.k8s.io/v1beta1 was removed in " +
        "Kubernetes 1.27; use storage.k8s.io/v1",
    ]);
  });
  test("beta kinds still served in a group with removed kinds pass", async () => {
    const served = [
      ["admissionregistration.k8s.io/v1beta1", "ValidatingAdmissionPolicy"],
      ["networking.k8s.io/v1beta1", "ServiceCIDR"],
      ["networking.k8s.io/v1beta1", "IPAddress"],
      ["storage.k8s.io/v1beta1", "VolumeAttributesClass"],
      ["certificates.k8s.io/v1beta1", "ClusterTrustBundle"],
      ["coordination.k8s.io/v1beta1", "LeaseCandidate"],
      ["authentication.k8s.io/v1beta1", "SelfSubjectReview"],
    ].map(([apiVersion, kind]) => ({ apiVersion, kind, metadata: { name: "x" } }));
    expect(await messagesOf(deprecatedApis, served)).toEqual([]);
  });
  test("read from the Pulumi type when props carry no apiVersion", async () => {
    const resource: RunnerResource = {
      type: "kubernetes:rbac.authorization.k8s.io/v1beta1:Role",
      name: "reader",
      urn: "urn:pulumi:test::toolboxai::kubernetes:rbac.authorization.k8s.io/v1beta1:Role::reader",
      props: { metadata: { name: "reader", namespace: "toolboxai" } },
    };
    const findings = await runPolicies([deprecatedApis], [resource]);
    expect(findings.map((finding) => finding.message)).toEqual([
      "Role toolboxai/reader: apiVersion rbac.authorization.k8s.io/v1beta1 was removed in " +
        "Kubernetes 1.22; use rbac.authorization.k8s.io/v1",
    ]);
  });
  test("the list is configurable", async () => {
    const config = {
      "no-deprecated-apis": {
        deprecatedApiVersions: [
          { apiVersion: "apps/v1", removedIn: "2.0", replacement: "apps/v2" },
        ],
      },
    };
    expect(await messagesOf(deprecatedApis, [compliantDeployment()], config)).toEqual([
      "Deployment toolboxai/api: apiVersion apps/v1 was removed in Kubernetes 2.0; use apps/v2",
    ]);
    const onlyStatefulSets = {
      "no-deprecated-apis": {
        deprecatedApiVersions: [
          { apiVersion: "apps/v1", kinds: ["StatefulSet"], removedIn: "2.0", replacement: "x" },
        ],
      },
    };
    expect(await messagesOf(deprecatedApis, [compliantDeployment()], onlyStatefulSets)).toEqual([]);
  });
});

describe("env-no-duplicates", () => {
  test("the compliant fixture passes", async () => {
    expect(await messagesOf(envNoDuplicates, [compliantDeployment()])).toEqual([]);
  });
  test("a name set twice or more, in a Job's init container too", async () => {
    const job = compliantJob();
    const spec = job.spec.template.spec;
    spec.containers[0].env.push({ name: "DATABASE_HOST", value: "other" });
    spec.initContainers = [
      {
        name: "wait",
        image: "ghcr.io/toolboxai/backend:1.4.0",
        env: [
          { name: "A", value: "1" },
          { name: "A", value: "2" },
          { name: "A", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
        ],
      },
    ];
    expect(await messagesOf(envNoDuplicates, [job])).toEqual([
      'Job toolboxai/migrate: container "migrate" sets env DATABASE_HOST 2 times; keep one',
      'Job toolboxai/migrate: initContainer "wait" sets env A 3 times; keep one',
    ]);
  });
});

describe("cronjob-deadline", () => {
  test("the compliant CronJob passes", async () => {
    expect(await messagesOf(cronJobDeadline, [compliantCronJob()])).toEqual([]);
  });
  test("no deadline and no concurrencyPolicy", async () => {
    const cronJob = compliantCronJob();
    delete cronJob.spec.startingDeadlineSeconds;
    delete cronJob.spec.concurrencyPolicy;
    expect(await messagesOf(cronJobDeadline, [cronJob])).toEqual([
      "CronJob toolboxai/report: sets no startingDeadlineSeconds; expected at least 10",
      "CronJob toolboxai/report: sets no concurrencyPolicy; expected one of Allow, Forbid, Replace",
    ]);
  });
  test("a deadline below the minimum; the minimum and the policies are configurable", async () => {
    const cronJob = compliantCronJob();
    cronJob.spec.startingDeadlineSeconds = 5;
    cronJob.spec.concurrencyPolicy = "Allow";
    expect(await messagesOf(cronJobDeadline, [cronJob])).toEqual([
      "CronJob toolboxai/report: startingDeadlineSeconds is 5; expected at least 10",
    ]);
    const config = {
      "cronjob-deadline": {
        minimumStartingDeadlineSeconds: 600,
        allowedConcurrencyPolicies: ["Forbid"],
      },
    };
    expect(await messagesOf(cronJobDeadline, [compliantCronJob(), cronJob], config)).toEqual([
      "CronJob toolboxai/report: startingDeadlineSeconds is 300; expected at least 600",
      "CronJob toolboxai/report: startingDeadlineSeconds is 5; expected at least 600",
      "CronJob toolboxai/report: concurrencyPolicy is Allow; expected one of Forbid",
    ]);
  });
});

describe("job-restart-policy", () => {
  test("the compliant Job and CronJob pass; a Deployment is not a Job", async () => {
    const job = compliantJob();
    job.spec.template.spec.restartPolicy = "Never";
    const objects = [job, compliantCronJob(), compliantDeployment()];
    expect(await messagesOf(jobRestartPolicy, objects)).toEqual([]);
  });
  test("Always, or unset (Always)", async () => {
    const job = compliantJob();
    job.spec.template.spec.restartPolicy = "Always";
    const cronJob = compliantCronJob();
    delete cronJob.spec.jobTemplate.spec.template.spec.restartPolicy;
    expect(await messagesOf(jobRestartPolicy, [job, cronJob])).toEqual([
      "Job toolboxai/migrate: pod restartPolicy is Always; expected OnFailure or Never",
      "CronJob toolboxai/report: pod restartPolicy is unset (Always); expected OnFailure or Never",
    ]);
  });
});
