// The Kubernetes platform: the provider, the stack's three namespaces (the platform's, the
// monitoring tier's, node-exporter's privileged one), priority classes, the admission policies
// that judge those namespaces, a renderer per namespace, and, once every workload is rendered,
// each namespace's quota.
// With Argo CD delivery a second provider renders everything but the foundation (namespaces,
// priority classes, Secrets, Argo CD's objects) into the deploy branch's checkout.
import type { PlatformConfig } from "../config";
import { AdmissionPolicies } from "../kubernetes/admission-policies";
import * as k8s from "../kubernetes/api";
import { footprintOfRecord, NamespaceBudget } from "../kubernetes/budget";
import { PlatformNamespace } from "../kubernetes/namespace";
import { PriorityClasses } from "../kubernetes/priority";
import { KubernetesRenderer } from "../kubernetes/renderer";
import { secretNamesOf } from "../kubernetes/workload";
import { flowTable, joinFlows, networkFlows } from "../model/flows";
import { RecordingRenderer } from "../model/record";
import { deployedManifestsDir, syncedProviderName } from "./deploy-branch";
import { checksumKey } from "./checksum-key";
import type { Platform } from "./platform";

/**
 * A provider's settings for writing manifests into `folder` instead of applying them. The empty
 * kubeconfig keeps the SDK from filling in $KUBECONFIG, which the provider refuses next to
 * renderYamlToDirectory.
 */
function renderInto(folder: string) {
  return { renderYamlToDirectory: folder, kubeconfig: "" };
}

export function kubernetesPlatform(config: PlatformConfig, instance: string): Platform {
  // With renderDir set, the provider writes the manifests it would apply into that folder and
  // touches no cluster (the end-to-end check); otherwise it applies them with server-side apply.
  const provider = new k8s.Provider("kubernetes", {
    ...(config.renderDir
      ? renderInto(config.renderDir)
      : config.kubernetesContext
        ? { context: config.kubernetesContext }
        : {}),
    enableServerSideApply: true,
  });
  const foundation = { providers: { kubernetes: provider } };
  // Argo CD delivery: the workloads are rendered where CI commits them from; Argo CD applies them.
  const delivery = config.delivery;
  const synced =
    delivery.mode === "argocd"
      ? new k8s.Provider(syncedProviderName, {
          ...renderInto(deployedManifestsDir(delivery, config.stack)),
          enableServerSideApply: true,
        })
      : undefined;
  const opts = synced ? { providers: { kubernetes: synced } } : foundation;

  const namespace = new PlatformNamespace(
    "namespace",
    { name: config.namespace, instance, protect: config.protectData },
    foundation,
  );
  const priorityClasses = new PriorityClasses("priority", { instance }, foundation);
  const monitoringNamespace = new PlatformNamespace(
    "monitoring-namespace",
    { name: `${config.namespace}-monitoring`, instance, protect: config.protectData },
    foundation,
  );
  // node-exporter needs the node itself: a namespace of its own that admits that.
  const nodeExporterNamespace = new PlatformNamespace(
    "node-exporter-namespace",
    { name: `${config.namespace}-node-exporter`, instance, podSecurity: "privileged" },
    foundation,
  );
  // The pack's one-object rules, enforced by the API server in the stack's namespaces before any
  // workload is applied there.
  const admission = config.policyConfig
    ? new AdmissionPolicies(
        "admission-policies",
        {
          instance,
          mode: config.admissionPolicies === "audit" ? "audit" : "enforce",
          policyConfig: config.policyConfig,
          namespaces: [namespace, monitoringNamespace, nodeExporterNamespace].map(
            (target) => target.name,
          ),
          // CloudNativePG makes the database's pods and Jobs for its Cluster, which is judged.
          controllers:
            config.database.engine === "cloudnative-pg"
              ? [`system:serviceaccount:${config.database.operatorNamespace}:`]
              : [],
        },
        foundation,
      )
    : undefined;
  const checksums = checksumKey();
  /** A renderer into one of the stack's namespaces. */
  const rendererFor = (target: PlatformNamespace) =>
    new RecordingRenderer(
      new KubernetesRenderer({
        namespace: target.name,
        instance,
        ingressControllerNamespace: config.ingressControllerNamespace,
        ingress: { className: config.ingressClassName, tlsIssuer: config.tlsIssuer },
        checksumKey: checksums,
        dependsOn: [target, priorityClasses, ...(admission ? [admission] : [])],
        priorityClassNames: priorityClasses.names,
        protectData: config.protectData,
        ...(synced ? { secretsProvider: provider } : {}),
      }),
      target.name,
    );
  const renderer = rendererFor(namespace);
  const monitoringRenderer = rendererFor(monitoringNamespace);
  const nodeExporterRenderer = rendererFor(nodeExporterNamespace);

  return {
    opts,
    renderer,
    monitoringRenderer,
    cluster: {
      namespaces: {
        platform: namespace.name,
        monitoring: monitoringNamespace.name,
        nodeExporter: nodeExporterNamespace.name,
      },
      nodeRenderer: nodeExporterRenderer,
      certManagerNamespace: config.tlsIssuer ? "cert-manager" : undefined,
    },
    foundation: {
      applyOpts: foundation,
      namespaces: [namespace, monitoringNamespace, nodeExporterNamespace],
      priorityClassNames: priorityClasses.names,
      admissionPolicyNames: admission?.names ?? [],
    },
    close(beside) {
      // Each namespace's quota is sized from every workload rendered into it.
      const records = (
        [
          ["namespace-budget", namespace, renderer],
          ["monitoring-namespace-budget", monitoringNamespace, monitoringRenderer],
          ["node-exporter-namespace-budget", nodeExporterNamespace, nodeExporterRenderer],
        ] as const
      ).map(([budget, target, rendered]) => {
        const record = rendered.close("the namespace quotas");
        new NamespaceBudget(
          budget,
          {
            namespace: target.name,
            instance,
            footprint: footprintOfRecord(record),
            headroomPercent: config.quotaHeadroomPercent,
            dependsOn: [target],
          },
          opts,
        );
        return record;
      });
      return {
        names: {
          namespaces: [namespace.name, monitoringNamespace.name, nodeExporterNamespace.name],
        },
        secrets: {
          kubernetesSecrets: records.flatMap((record) => secretNamesOf(record.workloads)),
        },
        flows: flowTable(joinFlows(networkFlows(records), beside ?? { ingress: [], egress: [] })),
      };
    },
  };
}
