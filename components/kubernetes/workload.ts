// Renders one WorkloadSpec as Kubernetes resources: ServiceAccount, ConfigMap and Secret (files),
// Deployment, StatefulSet, DaemonSet or CronJob, Service, NetworkPolicy, and a PodDisruptionBudget and
// HorizontalPodAutoscaler where the replica settings call for them. The builders live beside it,
// one concern per file (workload-*.ts), over one scope.
import * as pulumi from "@pulumi/pulumi";
import { resolveSecurity, type SecurityProfile } from "../model/security";
import type { RecordedWorkload } from "../model/record";
import { assertValidWorkload } from "../model/validate";
import type { Endpoint, PortSpec, WorkloadSpec } from "../model/workload";
import { labelValue, recommendedLabels, selectorLabels } from "./labels";
import {
  createCronJob,
  createDaemonSet,
  createDeployment,
  createStatefulSet,
  isReplicated,
  podTemplate,
} from "./workload-controllers";
import { createConfigFiles, createSecretFiles } from "./workload-files";
import { createApiAccess, createServiceAccount } from "./workload-identity";
import { createAutoscaler, createDisruptionBudget } from "./workload-scaling";
import type { KubernetesContext, WorkloadScope } from "./workload-scope";
import { createOperatedResource } from "./workload-operated";
import {
  createIngress,
  createNetworkPolicy,
  createService,
  serviceHostOf,
} from "./workload-traffic";

export type { KubernetesContext } from "./workload-scope";
export { serviceHostOf };

export interface KubernetesWorkloadArgs {
  readonly spec: WorkloadSpec;
  readonly context: KubernetesContext;
}

/** The Secret that holds a workload's secret files. */
export function secretNameOf(workload: string): string {
  return `${workload}-secrets`;
}

/** The Secrets of the recorded workloads: their secret files', an operator's credentials (names only). */
export function secretNamesOf(workloads: readonly RecordedWorkload[]): string[] {
  return workloads.flatMap(({ spec }) => [
    ...(spec.secretFiles?.length ? [secretNameOf(spec.name)] : []),
    ...(spec.operated?.secrets ?? []).map((secret) => secret.name),
  ]);
}

export class KubernetesWorkload extends pulumi.ComponentResource {
  /** The resolved security profile the pods run with. */
  readonly security: SecurityProfile;
  /** In-cluster DNS name of the workload's Service (undefined for workloads without ports). */
  readonly serviceHost?: string;
  readonly workloadName: string;
  /** Name of the Secret holding the workload's secret files, if it has any. */
  readonly secretName?: string;
  private readonly ports: readonly PortSpec[];

  constructor(name: string, args: KubernetesWorkloadArgs, opts?: pulumi.ComponentResourceOptions) {
    super("toolboxai:kubernetes:Workload", name, {}, opts);
    const { spec, context } = args;
    assertValidWorkload(spec);
    // A workload that reads the API needs its token; every other keeps the default (none).
    this.security = resolveSecurity(spec.name, {
      ...spec.security,
      ...(spec.apiAccess ? { automountServiceAccountToken: true } : {}),
    });
    this.workloadName = spec.name;

    const version = spec.containers[0].image.tag ?? spec.containers[0].image.digest;
    const scope: WorkloadScope = {
      spec,
      context,
      security: this.security,
      namespace: context.namespace,
      labels: { ...spec.labels, ...recommendedLabels(spec.name, spec.component, context, version) },
      selector: selectorLabels(spec.name, context),
      names: {
        serviceAccount: spec.name,
        secret: secretNameOf(spec.name),
        configMap: `${spec.name}-config`,
      },
      child: { parent: this, dependsOn: [...(context.dependsOn ?? [])] },
    };

    this.ports = spec.containers.flatMap((container) => container.ports ?? []);
    if (spec.operated) {
      // The operator makes the pods, their Service and budget: the resource, and who reaches it.
      createOperatedResource(scope);
      this.serviceHost = serviceHostOf(spec.operated.service, context.namespace);
      createNetworkPolicy(scope);
      this.registerOutputs({ serviceHost: this.serviceHost, version: labelValue(version ?? "") });
      return;
    }

    const serviceAccount = createServiceAccount(scope);
    const apiAccess = createApiAccess(scope);
    const configFiles = createConfigFiles(scope);
    const secretFiles = createSecretFiles(scope);
    if (spec.secretFiles?.length) this.secretName = scope.names.secret;
    const template = podTemplate(scope, { ...configFiles.annotations, ...secretFiles.annotations });
    // The pods name these by string: without the dependency the controller can be created first,
    // and its first pods are refused ("serviceaccount not found") until the retry.
    const controllerScope: WorkloadScope = {
      ...scope,
      child: {
        ...scope.child,
        dependsOn: [
          ...scope.child.dependsOn,
          serviceAccount,
          ...apiAccess,
          ...[configFiles.resource, secretFiles.resource].filter(
            (resource): resource is pulumi.Resource => resource !== undefined,
          ),
        ],
      },
    };
    const controller =
      spec.kind === "stateful"
        ? createStatefulSet(controllerScope, template)
        : spec.kind === "daemon"
          ? createDaemonSet(controllerScope, template)
          : spec.kind === "scheduled"
            ? createCronJob(controllerScope, template)
            : createDeployment(controllerScope, template);

    if (this.ports.length > 0) this.serviceHost = createService(scope, this.ports);
    createNetworkPolicy(scope);
    createIngress(scope, opts?.parent);
    if (isReplicated(spec) && spec.kind !== "daemon") createDisruptionBudget(scope);
    if (spec.autoscaling) createAutoscaler(scope, spec.autoscaling, controller);

    this.registerOutputs({ serviceHost: this.serviceHost, version: labelValue(version ?? "") });
  }

  /** Where other workloads reach the named port of this one. */
  endpoint(portName: string): Endpoint {
    const port = this.ports.find((candidate) => candidate.name === portName);
    if (!this.serviceHost || !port) {
      throw new Error(`workload ${this.workloadName} publishes no port "${portName}"`);
    }
    return { host: this.serviceHost, port: port.port };
  }
}
