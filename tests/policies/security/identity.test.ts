// Identity: service-account tokens and names, and the default namespace.
import {
  dedicatedServiceAccount,
  noDefaultNamespace,
  serviceAccountTokenAutomount,
} from "../../../policies/security/identity";
import {
  compliantClusterRole,
  compliantClusterRoleBinding,
  compliantConfigMap,
  compliantCronJob,
  compliantNamespace,
  compliantPod,
  compliantRole,
  compliantRoleBinding,
  compliantServiceAccount,
  compliantWorkloads,
  specOf,
} from "../fixtures/security";
import { compliantDeployment, messagesOf } from "../support";

describe("service-account-token-automount", () => {
  test("the compliant fixtures and ServiceAccount pass", async () => {
    expect(
      await messagesOf(serviceAccountTokenAutomount, [
        ...compliantWorkloads(),
        compliantServiceAccount(),
      ]),
    ).toEqual([]);
  });
  test("pods that mount a token, or leave it to the ServiceAccount, are reported", async () => {
    const cronJob = compliantCronJob();
    delete specOf(cronJob).automountServiceAccountToken;
    const deployment = compliantDeployment();
    specOf(deployment).automountServiceAccountToken = true;
    expect(await messagesOf(serviceAccountTokenAutomount, [cronJob, deployment])).toEqual([
      "CronJob toolboxai/report: automountServiceAccountToken is unset (the token is mounted unless the ServiceAccount disables it); it must be false",
      "Deployment toolboxai/api: automountServiceAccountToken is true; it must be false",
    ]);
  });
  test("ServiceAccounts that mount a token are reported", async () => {
    const unset = compliantServiceAccount("worker");
    delete unset.automountServiceAccountToken;
    const enabled = compliantServiceAccount("operator");
    enabled.automountServiceAccountToken = true;
    expect(await messagesOf(serviceAccountTokenAutomount, [unset, enabled])).toEqual([
      "ServiceAccount toolboxai/worker: automountServiceAccountToken is unset (defaults to true); it must be false",
      "ServiceAccount toolboxai/operator: automountServiceAccountToken is true; it must be false",
    ]);
  });
  test("a workload that needs the API is exempted by name", async () => {
    const deployment = compliantDeployment("operator");
    specOf(deployment).automountServiceAccountToken = true;
    const account = compliantServiceAccount("operator");
    account.automountServiceAccountToken = true;
    const config = {
      "service-account-token-automount": {
        exemptions: [{ name: "operator", reason: "watches Deployments through the API" }],
      },
    };
    expect(await messagesOf(serviceAccountTokenAutomount, [deployment, account], config)).toEqual(
      [],
    );
  });
});

describe("dedicated-service-account", () => {
  test("the compliant fixtures pass, and the deprecated serviceAccount field counts", async () => {
    const pod = compliantPod();
    delete pod.spec.serviceAccountName;
    pod.spec.serviceAccount = "api";
    expect(await messagesOf(dedicatedServiceAccount, [...compliantWorkloads(), pod])).toEqual([]);
  });
  test("no serviceAccountName, and the default ServiceAccount, are reported", async () => {
    const deployment = compliantDeployment();
    delete specOf(deployment).serviceAccountName;
    const cronJob = compliantCronJob();
    specOf(cronJob).serviceAccountName = "default";
    expect(await messagesOf(dedicatedServiceAccount, [deployment, cronJob])).toEqual([
      'Deployment toolboxai/api: sets no serviceAccountName, so it runs as the "default" ServiceAccount; give it a dedicated one',
      'CronJob toolboxai/report: runs as the "default" ServiceAccount; give it a dedicated one',
    ]);
  });
});

describe("no-default-namespace", () => {
  test("namespaced objects in their namespace, and cluster-scoped objects, pass", async () => {
    const objects = [
      ...compliantWorkloads(),
      compliantServiceAccount(),
      compliantConfigMap(),
      compliantRole(),
      compliantRoleBinding(),
      compliantClusterRole(),
      compliantClusterRoleBinding(),
      compliantNamespace(),
      { apiVersion: "cert-manager.io/v1", kind: "ClusterIssuer", metadata: { name: "acme" } },
      // Removed, but still cluster-scoped: no-deprecated-apis reports it, this rule must not.
      { apiVersion: "policy/v1beta1", kind: "PodSecurityPolicy", metadata: { name: "old" } },
    ];
    expect(await messagesOf(noDefaultNamespace, objects)).toEqual([]);
  });
  test("the default namespace, and no namespace at all, are reported", async () => {
    const deployment = compliantDeployment("api", "default");
    const configMap = compliantConfigMap();
    delete configMap.metadata.namespace;
    const issuer = { apiVersion: "cert-manager.io/v1", kind: "Issuer", metadata: { name: "ca" } };
    expect(await messagesOf(noDefaultNamespace, [deployment, configMap, issuer])).toEqual([
      'Deployment default/api: is in the "default" namespace; use the application namespace',
      'ConfigMap api-config: no namespace set; set metadata.namespace (without it, kubectl and a provider with no namespace configured use "default")',
      'Issuer ca: no namespace set; set metadata.namespace (without it, kubectl and a provider with no namespace configured use "default")',
    ]);
  });
  test("forbidden namespaces and cluster-scoped kinds are configurable", async () => {
    const service = {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "api", namespace: "kube-system" },
    };
    const issuer = { apiVersion: "cert-manager.io/v1", kind: "Issuer", metadata: { name: "ca" } };
    const config = {
      "no-default-namespace": {
        forbiddenNamespaces: ["default", "kube-system"],
        clusterScopedKinds: ["Issuer"],
      },
    };
    expect(await messagesOf(noDefaultNamespace, [service, issuer], config)).toEqual([
      'Service kube-system/api: is in the "kube-system" namespace; use the application namespace',
    ]);
  });
});
