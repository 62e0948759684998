// Network: NetworkPolicy coverage (default deny, a policy per workload, no dangling policies),
// Service and Ingress exposure and wiring, TLS and exact hosts, and the zone segmentation of the
// data tier (the Kyverno, Polaris, kube-score and Checkov network rows, plus the source design's
// zones).
import type { Policies } from "@pulumi/policy";
import { resourceRule, stackRule, type RuleConfig, type StackFinding } from "./lib/define";
import { findExemption, recordExemption } from "./lib/exemptions";
import { selects, describeSelector, isEmptySelector } from "./lib/kubernetes";
import {
  describeObject,
  inNamespace,
  isKind,
  objectsOfKind,
  podOwners,
  type KubeObject,
} from "./lib/stack-objects";

/* eslint-disable @typescript-eslint/no-explicit-any -- policy props are untyped JSON */

/** `{app=api}`: a selector as it reads inside a message. */
function braced(selector: any): string {
  return `{${describeSelector(selector)}}`;
}

/** A NetworkPolicy podSelector: missing or empty selects every pod of the namespace. */
function policySelects(policy: KubeObject, labels: any): boolean {
  const selector = policy.props?.spec?.podSelector;
  return isEmptySelector(selector) || selects(selector, labels);
}

/** The directions a policy governs; without policyTypes, Kubernetes infers them from the rules. */
function policyTypesOf(policy: KubeObject): string[] {
  const spec = policy.props?.spec ?? {};
  if (Array.isArray(spec.policyTypes) && spec.policyTypes.length > 0) return [...spec.policyTypes];
  return ["Ingress", ...((spec.egress ?? []).length > 0 ? ["Egress"] : [])];
}

/** Empty podSelector, Ingress and Egress, and no rule at all: every pod denied both ways. */
function isDefaultDeny(policy: KubeObject): boolean {
  const spec = policy.props?.spec ?? {};
  const types = policyTypesOf(policy);
  return (
    isEmptySelector(spec.podSelector) &&
    types.includes("Ingress") &&
    types.includes("Egress") &&
    (spec.ingress ?? []).length === 0 &&
    (spec.egress ?? []).length === 0
  );
}

export const defaultDeny = stackRule({
  name: "default-deny",
  description:
    "Every namespace that runs pods has a default-deny NetworkPolicy: empty podSelector, " +
    "policyTypes Ingress and Egress, no rules (default-deny; Kyverno).",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Add to the namespace a NetworkPolicy with `podSelector: {}`, `policyTypes: [Ingress, " +
    "Egress]` and no ingress or egress rules; allow traffic with per-workload policies.",
  check: (resources, config) => {
    const namespaces = [...new Set(podOwners(resources).map((owner) => owner.namespace))];
    const policies = objectsOfKind(resources, "NetworkPolicy");
    const namespaceObjects = objectsOfKind(resources, "Namespace");
    const message =
      "has pods but no default-deny NetworkPolicy (podSelector {}, policyTypes Ingress and " +
      "Egress, no rules)";
    return namespaces
      .filter((namespace) => !inNamespace(policies, namespace).some(isDefaultDeny))
      .flatMap((namespace): StackFinding[] => {
        const object = namespaceObjects.find((candidate) => candidate.name === namespace);
        if (object) return [{ resource: object.resource, message }];
        // A namespace the stack does not declare: report it stack-wide, still exemptable.
        const ref = { kind: "Namespace", name: namespace };
        const exemption = findExemption((config as RuleConfig).exemptions, ref);
        if (exemption) {
          recordExemption("default-deny", ref, exemption.reason);
          return [];
        }
        return [{ message: `Namespace ${namespace}: ${message}` }];
      });
  },
});

export const netpolPerPod = stackRule({
  name: "netpol-per-pod",
  description:
    "Every pod template is selected, beyond the namespace-wide default deny, by NetworkPolicies " +
    "with a non-empty podSelector that govern both its Ingress and its Egress " +
    "(netpol-per-pod; Kyverno; Polaris; kube-score; CKV2_K8S_6).",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Add a NetworkPolicy whose podSelector matches the workload's pod labels, with policyTypes " +
    "[Ingress, Egress] and rules allowing only the peers and ports it needs (the workload " +
    "components render one from the zone table in components/model/zones.ts).",
  check: (resources) => {
    const policies = objectsOfKind(resources, "NetworkPolicy").filter(
      (policy) => !isEmptySelector(policy.props?.spec?.podSelector),
    );
    return podOwners(resources).flatMap((owner): StackFinding[] => {
      const selecting = inNamespace(policies, owner.namespace).filter((policy) =>
        selects(policy.props?.spec?.podSelector, owner.labels),
      );
      const missing = ["Ingress", "Egress"].filter(
        (direction) => !selecting.some((policy) => policyTypesOf(policy).includes(direction)),
      );
      if (missing.length === 0) return [];
      return [
        {
          resource: owner.resource,
          message:
            "no NetworkPolicy with a non-empty podSelector governs its pods' " +
            missing.join(" and "),
        },
      ];
    });
  },
});

export const netpolNotDangling = stackRule({
  name: "netpol-not-dangling",
  description:
    "Every NetworkPolicy with a non-empty podSelector selects at least one pod template in its " +
    "namespace (netpol-not-dangling; Kyverno; kube-score).",
  severity: "low",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Fix the policy's podSelector to match the pod labels of the workload it is meant for, or " +
    "delete the policy if that workload is gone.",
  check: (resources) => {
    const owners = podOwners(resources);
    return objectsOfKind(resources, "NetworkPolicy").flatMap((policy): StackFinding[] => {
      const selector = policy.props?.spec?.podSelector;
      if (isEmptySelector(selector)) return [];
      if (inNamespace(owners, policy.namespace).some((owner) => selects(selector, owner.labels))) {
        return [];
      }
      return [
        {
          resource: policy.resource,
          message:
            `podSelector ${braced(selector)} selects no pod template in namespace ` +
            policy.namespace,
        },
      ];
    });
  },
});

export const serviceExposure = resourceRule({
  name: "service-exposure",
  description:
    "Services use no NodePort and no externalIPs, and type LoadBalancer only where configured " +
    "(service-exposure; Kyverno; kube-score).",
  severity: "high",
  enforcementLevel: "mandatory",
  config: {
    allowedLoadBalancers: {
      type: "array",
      items: { type: "string", minLength: 1 },
      default: [],
      description:
        'Services allowed to be type LoadBalancer, as "name" or "namespace/name"; empty allows none.',
    },
  },
  remediationSteps:
    "Use `type: ClusterIP` and publish HTTP through the Ingress; remove `externalIPs`. A Service " +
    "that must be a LoadBalancer is listed in `allowedLoadBalancers` in policies/config/<stack>.json.",
  appliesTo: (type) => isKind(type, "Service"),
  check: (service, config) => {
    const spec = service.props?.spec ?? {};
    const allowed: readonly string[] = config.allowedLoadBalancers ?? [];
    const namespaced = `${service.ref.namespace ?? "default"}/${service.ref.name}`;
    const messages: string[] = [];
    if (spec.type === "NodePort") {
      messages.push("type is NodePort, which opens a port on every node; use ClusterIP");
    }
    if (
      spec.type === "LoadBalancer" &&
      !allowed.includes(service.ref.name) &&
      !allowed.includes(namespaced)
    ) {
      messages.push(
        `type is LoadBalancer but "${namespaced}" is not in allowedLoadBalancers; use ClusterIP ` +
          "behind the Ingress",
      );
    }
    const externalIPs: readonly string[] = spec.externalIPs ?? [];
    if (externalIPs.length > 0) {
      messages.push(`externalIPs are set (${[...externalIPs].join(", ")}); remove them`);
    }
    return messages;
  },
});

/** A Service selector is a plain label map; an empty one selects no pods. */
function serviceSelectorOf(service: KubeObject): any {
  const selector = service.props?.spec?.selector;
  return selector && Object.keys(selector).length > 0 ? selector : undefined;
}

export const serviceTargetsPod = stackRule({
  name: "service-targets-pod",
  description:
    "Every Service (but ExternalName) has a selector that selects a pod template in its " +
    "namespace, and each named targetPort is a container port of those pods " +
    "(service-targets-pod; kube-score).",
  severity: "medium",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Set the Service selector to the workload's selector labels and each named targetPort to " +
    "a container port name of that workload. A selector-less Service with hand-made Endpoints " +
    "is exempted by name with a reason.",
  check: (resources) => {
    const owners = podOwners(resources);
    return objectsOfKind(resources, "Service").flatMap((service): StackFinding[] => {
      const spec = service.props?.spec ?? {};
      if (spec.type === "ExternalName") return [];
      const report = (message: string) => ({ resource: service.resource, message });
      const selector = serviceSelectorOf(service);
      if (!selector) return [report("has no selector, so it targets no pods")];
      const targeted = inNamespace(owners, service.namespace).filter((owner) =>
        selects({ matchLabels: selector }, owner.labels),
      );
      if (targeted.length === 0) {
        return [
          report(
            `selector ${braced({ matchLabels: selector })} selects no pod template in ` +
              `namespace ${service.namespace}`,
          ),
        ];
      }
      const portNames = new Set(
        targeted.flatMap((owner) =>
          (owner.podSpec?.containers ?? []).flatMap((container: any) =>
            (container?.ports ?? []).map((port: any) => port?.name),
          ),
        ),
      );
      return (spec.ports ?? [])
        .filter((port: any) => typeof port?.targetPort === "string")
        .filter((port: any) => !portNames.has(port.targetPort))
        .map((port: any) =>
          report(
            `port ${port.name ?? port.port} targets container port "${port.targetPort}", which ` +
              "no selected pod declares",
          ),
        );
    });
  },
});

interface BackendUse {
  readonly where: string;
  readonly service?: string;
  readonly port?: number | string;
}

/** Every Service backend of an Ingress (networking.k8s.io/v1, and the older serviceName form). */
function ingressBackends(spec: any): BackendUse[] {
  const use = (where: string, backend: any): BackendUse[] => {
    if (!backend) return [];
    const service = backend.service?.name ?? backend.serviceName;
    if (service === undefined) return []; // a resource backend: not a Service
    const port =
      backend.service?.port?.number ?? backend.service?.port?.name ?? backend.servicePort;
    return [{ where, service, port }];
  };
  return [
    ...use("defaultBackend", spec?.defaultBackend ?? spec?.backend),
    ...(spec?.rules ?? []).flatMap((rule: any) =>
      (rule?.http?.paths ?? []).flatMap((path: any) =>
        use(
          `backend of ${rule.host ? `host "${rule.host}"` : "the host-less rule"} path ` +
            `"${path?.path ?? "/"}"`,
          path?.backend,
        ),
      ),
    ),
  ];
}

function describePort(port: any): string {
  return port?.name ? `${port.port} (${port.name})` : String(port?.port);
}

export const ingressTargetsService = stackRule({
  name: "ingress-targets-service",
  description:
    "Every Ingress backend names a Service that exists in the Ingress's namespace and a port " +
    "that Service exposes (ingress-targets-service; kube-score).",
  severity: "medium",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Point the backend at an existing Service of the namespace, by one of its `ports[].port` " +
    "numbers or `ports[].name` names.",
  check: (resources) => {
    const services = objectsOfKind(resources, "Service");
    return objectsOfKind(resources, "Ingress").flatMap((ingress) =>
      ingressBackends(ingress.props?.spec).flatMap((backend): StackFinding[] => {
        const report = (message: string) => [{ resource: ingress.resource, message }];
        const service = inNamespace(services, ingress.namespace).find(
          (candidate) => candidate.name === backend.service,
        );
        if (!service) {
          return report(
            `${backend.where} names Service "${backend.service}", which does not exist in ` +
              `namespace ${ingress.namespace}`,
          );
        }
        const ports: any[] = [...(service.props?.spec?.ports ?? [])];
        const exposes = ports.some((port) =>
          typeof backend.port === "number"
            ? port?.port === backend.port
            : port?.name === backend.port,
        );
        if (exposes) return [];
        return report(
          `${backend.where} names port ${backend.port === undefined ? "(none)" : JSON.stringify(backend.port)} ` +
            `of ${describeObject(service)}, which exposes ${ports.map(describePort).join(", ") || "no ports"}`,
        );
      }),
    );
  },
});

/** Is `host` covered by a TLS host (exact, or a wildcard `*.example.com` for one label)? */
function tlsCovers(tlsHost: string, host: string): boolean {
  if (tlsHost === host) return true;
  if (!tlsHost.startsWith("*.")) return false;
  const suffix = tlsHost.slice(1); // ".example.com"
  return host.endsWith(suffix) && !host.slice(0, -suffix.length).includes(".");
}

export const ingressTls = resourceRule({
  name: "ingress-tls",
  description:
    "Every Ingress rule host is covered by the Ingress's spec.tls hosts (ingress-tls; Kyverno; " +
    "Polaris).",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Give each rule a host and list it under `spec.tls[].hosts` with a certificate secret (the " +
    "gateway component does so when the stack config sets a TLS issuer); an environment without " +
    "TLS (local dev) sets this policy to advisory in its policy config.",
  appliesTo: (type) => isKind(type, "Ingress"),
  check: (ingress) => {
    const spec = ingress.props?.spec ?? {};
    const tlsHosts: string[] = (spec.tls ?? []).flatMap((tls: any) => [...(tls?.hosts ?? [])]);
    return (spec.rules ?? []).flatMap((rule: any): string[] => {
      const host = rule?.host;
      if (typeof host !== "string" || host === "") {
        return ["a rule has no host, so it answers every host name without TLS; set a host"];
      }
      if (tlsHosts.some((tlsHost) => tlsCovers(tlsHost, host))) return [];
      return [
        `host "${host}" is not covered by spec.tls hosts (${tlsHosts.length ? tlsHosts.join(", ") : "none"})`,
      ];
    });
  },
});

export const ingressNoWildcardHosts = resourceRule({
  name: "ingress-no-wildcard-hosts",
  description:
    "Every Ingress rule names one exact host: no wildcard host (`*`, `*.example.com`), no rule " +
    "with an empty or missing host, and no defaultBackend, each of which answers host names " +
    "the stack does not own and can take traffic meant for other applications " +
    "(Kyverno restrict-ingress-wildcard, disallow-empty-ingress-host; Gatekeeper " +
    "k8sblockwildcardingress).",
  severity: "medium",
  enforcementLevel: "mandatory",
  config: {
    allowedWildcardHosts: {
      type: "array",
      items: { type: "string", minLength: 1 },
      default: [],
      description:
        'Wildcard hosts allowed exactly as written (e.g. "*.tenants.example.com"); empty ' +
        "allows none.",
    },
  },
  remediationSteps:
    "Set each rule's `host` to the exact public host name (the gateway uses the stack's " +
    "`domain` setting, which must be a fully qualified name), one rule per host, and remove " +
    "`defaultBackend`. A wildcard host the stack really serves is listed in " +
    "`allowedWildcardHosts` in policies/config/<stack>.json.",
  appliesTo: (type) => isKind(type, "Ingress"),
  check: (ingress, config) => {
    const spec = ingress.props?.spec ?? {};
    const allowed: readonly string[] = config.allowedWildcardHosts ?? [];
    const messages: string[] = [];
    const defaultBackend = spec.defaultBackend ?? spec.backend;
    if (defaultBackend) {
      messages.push(
        "sets a defaultBackend, which answers every host name no rule matches; remove it and " +
          "route each host with a rule",
      );
    }
    (spec.rules ?? []).forEach((rule: any, index: number) => {
      const host = rule?.host;
      if (typeof host !== "string" || host === "") {
        messages.push(
          `spec.rules[${index}] has no host, so it answers every host name; set the exact host`,
        );
      } else if (host.includes("*") && !allowed.includes(host)) {
        messages.push(
          `spec.rules[${index}] host "${host}" is a wildcard, so it answers ` +
            `${host === "*" ? "every host name" : "every name under it"}; set the exact host`,
        );
      }
    });
    return messages;
  },
});

/** Does a selector require `key: "true"` (matchLabels, or matchExpressions In ["true"])? */
function requiresTrue(selector: any, key: string): boolean {
  if (selector?.matchLabels?.[key] === "true") return true;
  return (selector?.matchExpressions ?? []).some(
    (expression: any) =>
      expression?.key === key &&
      expression.operator === "In" &&
      (expression.values ?? []).length > 0 &&
      [...expression.values].every((value: unknown) => value === "true"),
  );
}

function describePeer(peer: any): string {
  const parts: string[] = [];
  if (peer?.ipBlock) parts.push(`ipBlock ${peer.ipBlock.cidr}`);
  if (peer?.namespaceSelector) parts.push(`namespaceSelector ${braced(peer.namespaceSelector)}`);
  if (peer?.podSelector) parts.push(`podSelector ${braced(peer.podSelector)}`);
  return parts.length > 0 ? parts.join(" + ") : "an empty peer";
}

export const dataTierIsolation = stackRule({
  name: "data-tier-isolation",
  description:
    "Pods of an isolated zone (database, cache, mcp) admit ingress only from pods of the zones " +
    "allowed for it and from the monitoring zone: every `from` peer of every NetworkPolicy " +
    "selecting them is a podSelector requiring one of those zone labels, and no rule admits all " +
    "sources (data-tier-isolation; the source design's internal Docker networks).",
  severity: "critical",
  enforcementLevel: "mandatory",
  config: {
    isolatedZones: {
      type: "object",
      additionalProperties: { type: "array", items: { type: "string", minLength: 1 } },
      // The backend API calls the MCP server and the agent coordinator (MCP_SERVER_URL …).
      // Grafana (observability) reads PostgreSQL through a read-only role; the backup jobs
      // (backup) dump PostgreSQL and snapshot Redis.
      default: {
        database: ["backend", "observability", "backup"],
        cache: ["backend", "backup"],
        mcp: ["mcp", "backend"],
      },
      description: "Isolated zone → the zones whose pods may connect to its pods.",
    },
    monitoringZone: {
      type: "string",
      minLength: 1,
      default: "monitoring",
      description: "The zone whose pods may reach every isolated zone (metrics scraping).",
    },
    zoneLabelPrefix: {
      type: "string",
      minLength: 1,
      default: "zone.toolboxai.io/",
      description: 'Zone membership is the pod label `<prefix><zone>: "true"`.',
    },
  },
  remediationSteps:
    "In the NetworkPolicies that select the isolated pods, allow ingress only from peers with a " +
    'podSelector requiring an allowed zone label (`zone.toolboxai.io/<zone>: "true"`) or the ' +
    "monitoring zone label; remove ipBlock, namespace-only, empty and other-zone peers and rules " +
    "without `from`. The allowed zones come from components/model/zones.ts.",
  check: (resources, config) => {
    const isolated: Record<string, readonly string[]> = config.isolatedZones ?? {};
    const prefix = String(config.zoneLabelPrefix);
    const monitoring = String(config.monitoringZone);
    const policies = objectsOfKind(resources, "NetworkPolicy").filter((policy) =>
      policyTypesOf(policy).includes("Ingress"),
    );
    const findings: StackFinding[] = [];
    for (const owner of podOwners(resources)) {
      const zones = Object.keys(isolated).filter(
        (zone) => owner.labels?.[prefix + zone] === "true",
      );
      if (zones.length === 0) continue;
      const zoneList = zones.map((zone) => `"${zone}"`).join(", ");
      for (const policy of inNamespace(policies, owner.namespace)) {
        if (!policySelects(policy, owner.labels)) continue;
        const report = (message: string) => findings.push({ resource: policy.resource, message });
        (policy.props?.spec?.ingress ?? []).forEach((rule: any, index: number) => {
          const from: any[] = [...(rule?.from ?? [])];
          if (from.length === 0) {
            report(
              `ingress rule ${index + 1} has no from, so it admits every source to the zone ` +
                `${zoneList} pods of ${describeObject(owner)}`,
            );
            return;
          }
          for (const peer of from) {
            const denied = zones.filter((zone) => {
              const allowedZones = [...(isolated[zone] ?? []), monitoring];
              const podSelector = peer?.podSelector;
              return (
                peer?.ipBlock !== undefined ||
                isEmptySelector(podSelector) ||
                !allowedZones.some((allowedZone) => requiresTrue(podSelector, prefix + allowedZone))
              );
            });
            if (denied.length === 0) continue;
            const allowed = [...new Set(denied.flatMap((zone) => isolated[zone] ?? []))];
            report(
              `ingress rule ${index + 1} admits ${describePeer(peer)} to the zone ` +
                `${denied.map((zone) => `"${zone}"`).join(", ")} pods of ${describeObject(owner)}; ` +
                `only zones ${[...allowed, monitoring].join(", ")} may connect`,
            );
          }
        });
      }
    }
    return findings;
  },
});

export const networkPolicies: Policies = [
  defaultDeny,
  netpolPerPod,
  netpolNotDangling,
  serviceExposure,
  serviceTargetsPod,
  ingressTargetsService,
  ingressTls,
  ingressNoWildcardHosts,
  dataTierIsolation,
];
