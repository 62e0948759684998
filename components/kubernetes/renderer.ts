// The Kubernetes WorkloadRenderer: each workload becomes a KubernetesWorkload component.
import type * as pulumi from "@pulumi/pulumi";
import type { PublicAddress, RenderedWorkload, WorkloadRenderer } from "../model/renderer";
import type { SharedVolumeSpec, WorkloadSpec } from "../model/workload";
import * as k8s from "./api";
import { recommendedLabels } from "./labels";
import { KubernetesWorkload, serviceHostOf, type KubernetesContext } from "./workload";

export class KubernetesRenderer implements WorkloadRenderer {
  /** The cluster DNS Service; kubeadm, kind, k3s and the managed clouds all name it kube-dns. */
  readonly nameServer = "kube-dns.kube-system.svc.cluster.local";

  constructor(readonly context: KubernetesContext) {}

  render(spec: WorkloadSpec, parent: pulumi.Resource): RenderedWorkload {
    return new KubernetesWorkload(spec.name, { spec, context: this.context }, { parent });
  }

  hostOf(workload: string): string {
    return serviceHostOf(workload, this.context.namespace);
  }

  /** HTTPS once the stack's issuer provides a certificate; the Ingress controller proxies. */
  publicAddress(host: string): PublicAddress {
    const scheme = this.context.ingress.tlsIssuer !== "" ? "https" : "http";
    return { url: `${scheme}://${host}`, behindProxy: true };
  }

  /** A PersistentVolumeClaim, protected like the data stores' volumes. */
  volume(spec: SharedVolumeSpec, parent: pulumi.Resource): string {
    new k8s.core.v1.PersistentVolumeClaim(
      spec.name,
      {
        metadata: {
          name: spec.name,
          namespace: this.context.namespace,
          labels: { ...spec.labels, ...recommendedLabels(spec.name, "storage", this.context) },
        },
        spec: {
          accessModes: ["ReadWriteOnce"],
          ...(spec.storageClass ? { storageClassName: spec.storageClass } : {}),
          resources: { requests: { storage: spec.size } },
        },
      },
      {
        parent,
        dependsOn: [...(this.context.dependsOn ?? [])],
        protect: this.context.protectData ?? false,
      },
    );
    return spec.name;
  }
}
