// What a stack needs from its cluster that the program does not install, derived from the stack's
// validated config, and how each is checked through the API (read-only: get and list).
import type { PlatformConfig } from "../../components/config/types";

/** A Kubernetes object as the API returns it; only the fields the checks read. */
export interface KubeObject {
  readonly metadata?: {
    readonly name?: string;
    readonly annotations?: Readonly<Record<string, string>>;
  };
  readonly status?: {
    readonly conditions?: readonly { readonly type?: string; readonly status?: string }[];
  };
}

/** Read-only access to the cluster; `kubectl.ts` implements it, tests fake it. */
export interface ClusterReader {
  /** The object, or undefined when it does not exist or the server has no such resource type. */
  get(resource: string, name: string, namespace?: string): Promise<KubeObject | undefined>;
  /** Objects of a type (empty when the type does not exist), optionally by namespace and labels. */
  list(
    resource: string,
    options?: { readonly namespace?: string; readonly selector?: string },
  ): Promise<KubeObject[]>;
}

export interface Finding {
  readonly present: boolean;
  /** What was found or not, e.g. `no default class among: standard`. */
  readonly detail: string;
}

export interface Requirement {
  /** What must exist, e.g. `StorageClass ssd`. */
  readonly name: string;
  /** Why this stack needs it. */
  readonly why: string;
  /** What to install or change when it is missing. */
  readonly remedy: string;
  check(cluster: ClusterReader): Promise<Finding>;
}

const defaultClassAnnotations = [
  "storageclass.kubernetes.io/is-default-class",
  "storageclass.beta.kubernetes.io/is-default-class",
];

function conditionTrue(object: KubeObject, type: string): boolean {
  return (object.status?.conditions ?? []).some(
    (condition) => condition.type === type && condition.status === "True",
  );
}

const exists =
  (resource: string, name: string, namespace?: string) =>
  async (cluster: ClusterReader): Promise<Finding> => {
    const found = await cluster.get(resource, name, namespace);
    return { present: found !== undefined, detail: found ? "found" : "not found" };
  };

function joinNames(names: readonly string[]): string {
  return names.length <= 1
    ? names.join("")
    : `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
}

/** A tool installed as its CRDs and the namespace it runs in. */
function crdsAndNamespace(crds: readonly string[], namespace: string): Requirement["check"] {
  return async (cluster) => {
    const missing: string[] = [];
    for (const crd of crds) {
      if (!(await cluster.get("customresourcedefinitions", crd))) missing.push(`CRD ${crd}`);
    }
    if (!(await cluster.get("namespaces", namespace))) missing.push(`namespace ${namespace}`);
    return missing.length === 0
      ? { present: true, detail: "found" }
      : { present: false, detail: `missing ${missing.join(", ")}` };
  };
}

/** The prerequisites of a stack, in the order an operator would install them. */
export function requirementsOf(config: PlatformConfig): Requirement[] {
  const requirements: Requirement[] = [];
  const services = Object.entries(config.services).filter(([, settings]) => settings !== undefined);

  const volumesByClass = new Map<string, string[]>();
  for (const [name, settings] of services) {
    if (!settings?.storage) continue;
    const storageClass = settings.storage.storageClass;
    volumesByClass.set(storageClass, [...(volumesByClass.get(storageClass) ?? []), name]);
  }
  for (const [storageClass, owners] of volumesByClass) {
    if (storageClass === "") {
      requirements.push({
        name: "a default StorageClass",
        why: `the volumes of ${joinNames(owners)} name no class; without a default their claims stay Pending`,
        remedy:
          "mark a StorageClass as the default (annotation storageclass.kubernetes.io/is-default-class: " +
          '"true"), or set services.<name>.storage.storageClass in the stack file',
        check: async (cluster) => {
          const classes = await cluster.list("storageclasses");
          const defaults = classes.filter((item) =>
            defaultClassAnnotations.some((key) => item.metadata?.annotations?.[key] === "true"),
          );
          const names = classes.map((item) => item.metadata?.name ?? "?");
          return defaults.length > 0
            ? { present: true, detail: `default: ${defaults[0].metadata?.name}` }
            : {
                present: false,
                detail: names.length ? `no default among: ${names.join(", ")}` : "no StorageClass",
              };
        },
      });
    } else {
      requirements.push({
        name: `StorageClass ${storageClass}`,
        why: `the volumes of ${joinNames(owners)} use it; without it their claims stay Pending`,
        remedy: `create StorageClass ${storageClass} for the cluster's provisioner, or name another class in services.<name>.storage.storageClass`,
        check: exists("storageclasses", storageClass),
      });
    }
  }

  const autoscaled = services.filter(([, settings]) => settings?.autoscaling).map(([name]) => name);
  if (autoscaled.length > 0) {
    requirements.push({
      name: "the metrics API (APIService v1beta1.metrics.k8s.io)",
      why: `the HorizontalPodAutoscalers of ${joinNames(autoscaled)} scale on CPU utilisation`,
      remedy: "install metrics-server (https://github.com/kubernetes-sigs/metrics-server)",
      check: async (cluster) => {
        const service = await cluster.get("apiservices", "v1beta1.metrics.k8s.io");
        if (!service) return { present: false, detail: "not registered" };
        return conditionTrue(service, "Available")
          ? { present: true, detail: "available" }
          : { present: false, detail: "registered but not Available" };
      },
    });
  }

  requirements.push(
    {
      name: `Namespace ${config.ingressControllerNamespace}`,
      why: "the gateway admits public traffic only from the ingress controller's namespace",
      remedy: `install the ingress controller (ingress-nginx) in namespace ${config.ingressControllerNamespace}, or set ingressControllerNamespace`,
      check: exists("namespaces", config.ingressControllerNamespace),
    },
    {
      name: `IngressClass ${config.ingressClassName}`,
      why: "the gateway's Ingress names this class",
      remedy: `install an ingress controller that serves IngressClass ${config.ingressClassName}, or set ingressClassName`,
      check: exists("ingressclasses", config.ingressClassName),
    },
  );

  if (config.tlsIssuer !== "") {
    requirements.push(
      {
        name: "cert-manager (CRDs certificates and clusterissuers.cert-manager.io)",
        why: "the gateway's certificate is issued by cert-manager (tlsIssuer is set)",
        remedy: "install cert-manager (https://cert-manager.io/docs/installation/)",
        check: async (cluster) => {
          const missing: string[] = [];
          for (const crd of ["certificates.cert-manager.io", "clusterissuers.cert-manager.io"]) {
            if (!(await cluster.get("customresourcedefinitions", crd))) missing.push(crd);
          }
          return missing.length === 0
            ? { present: true, detail: "found" }
            : { present: false, detail: `missing CRD ${missing.join(", ")}` };
        },
      },
      {
        name: `ClusterIssuer ${config.tlsIssuer}`,
        why: "tlsIssuer names it for the gateway's certificate",
        remedy: `create the ClusterIssuer ${config.tlsIssuer} (for example ACME with an HTTP-01 solver), or set tlsIssuer`,
        check: async (cluster) => {
          const issuer = await cluster.get("clusterissuers.cert-manager.io", config.tlsIssuer);
          if (!issuer) return { present: false, detail: "not found" };
          return conditionTrue(issuer, "Ready")
            ? { present: true, detail: "ready" }
            : { present: false, detail: "found but not Ready" };
        },
      },
    );
  }

  const delivery = config.delivery;
  if (delivery.mode === "operator") {
    requirements.push({
      name: `the Pulumi Kubernetes Operator v2 (CRD stacks.pulumi.com, namespace ${delivery.operatorNamespace})`,
      why: "delivery.mode is operator: the Stack object is its custom resource, its pods call the workspace",
      remedy:
        `install the Pulumi Kubernetes Operator v2 in namespace ${delivery.operatorNamespace} ` +
        "(https://github.com/pulumi/pulumi-kubernetes-operator), or set delivery.operatorNamespace",
      check: crdsAndNamespace(["stacks.pulumi.com"], delivery.operatorNamespace),
    });
  } else if (delivery.mode === "argocd") {
    requirements.push({
      name: `Argo CD (CRDs applications and appprojects.argoproj.io, namespace ${delivery.argocdNamespace})`,
      why: "delivery.mode is argocd: the stack's Application and AppProject are its custom resources",
      remedy:
        `install Argo CD in namespace ${delivery.argocdNamespace} ` +
        "(https://argo-cd.readthedocs.io/en/stable/getting_started/), or set delivery.argocdNamespace",
      check: crdsAndNamespace(
        ["applications.argoproj.io", "appprojects.argoproj.io"],
        delivery.argocdNamespace,
      ),
    });
  }

  requirements.push({
    name: "cluster DNS (pods labelled k8s-app=kube-dns in kube-system)",
    why: "every namespace's allow-dns NetworkPolicy admits DNS only to these pods",
    remedy: "run CoreDNS (or kube-dns) in kube-system with the label k8s-app=kube-dns",
    check: async (cluster) => {
      const pods = await cluster.list("pods", {
        namespace: "kube-system",
        selector: "k8s-app=kube-dns",
      });
      return { present: pods.length > 0, detail: `${pods.length} pod(s)` };
    },
  });
  return requirements;
}

/**
 * What the API cannot show: said with every report, so that nobody takes a passing preflight as
 * proof of it.
 */
export const uncheckable = [
  "a CNI that enforces NetworkPolicy (Calico, Cilium, …): without one, the zones and default-deny are not enforced, and nothing in the API says so",
];
