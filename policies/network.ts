// Network: NetworkPolicy coverage (default deny, a policy per workload, no dangling policies),
// Service and Ingress exposure and wiring, TLS and exact hosts, the zone segmentation of the
// data tier (the Kyverno, Polaris, kube-score and Checkov network rows, plus the source design's
// zones), and what defeats segmentation: rules that admit everything, and Services, Endpoints or
// egress rules that lead to the node's metadata server.
import type { Policies } from "@pulumi/policy";
import { resourceRule, stackRule, type RuleConfig, type StackFinding } from "./lib/define";
import { AddressRanges, cidrHolds, isAddress, parseCidr, type Cidr } from "./lib/addresses";
import { findExemption, recordExemption } from "./lib/exemptions";
import { listAt } from "./lib/lists";
import {
  containersOf,
  describeSelector,
  isEmptySelector,
  kindOf,
  listOf,
  selects,
} from "./lib/kubernetes";
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
          containersOf(owner.podSpec).flatMap(({ container }) =>
            listOf(container.ports).map((port: any) => port?.name),
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

// ---------------------------------------------------------------------------------------------
// Segmentation and the node's metadata endpoints

/** The ranges of a `cidr`-pattern config list; a bad entry is a config error, not a pass. */
function configRanges(entries: readonly string[], setting: string): Cidr[] {
  return entries.map((entry) => {
    const cidr = parseCidr(entry);
    if (!cidr) throw new Error(`${setting}: "${entry}" is not a CIDR (e.g. 169.254.0.0/16)`);
    return cidr;
  });
}

const cidrPattern = "^[0-9a-fA-F:.]+/[0-9]{1,3}$";

/** `metadata.google.internal.` and `METADATA.google.internal` are the same name. */
function normalizeHost(host: string): string {
  return host
    .trim()
    .toLowerCase()
    .replace(/\.+$/, "")
    .replace(/^\[(.*)\]$/, "$1");
}

/**
 * Why a host name or address leads to the node's link-local or metadata endpoints, or undefined.
 * A name made of numbers only (`2852039166`, `0xa9.0xfe.0xa9.0xfe`) is read by many resolvers as
 * an IPv4 address in another notation, so it is not taken for a name.
 */
function forbiddenTarget(
  value: unknown,
  ranges: AddressRanges,
  hosts: readonly string[],
): string | undefined {
  if (typeof value !== "string" || value.trim() === "") return "is not a host name or address";
  const host = normalizeHost(value);
  if (isAddress(host)) {
    return ranges.holds(host) ? "is a link-local or cloud metadata address" : undefined;
  }
  if (hosts.map(normalizeHost).includes(host)) return "is the cloud metadata server's name";
  if (host.split(".").every((label) => /^(0x[0-9a-f]*|[0-9]+)$/.test(label))) {
    return "is a number that resolvers may read as an IPv4 address; write the address in dotted decimal or a host name";
  }
  return undefined;
}

export const noMetadataTargets = resourceRule({
  name: "no-metadata-targets",
  description:
    "No Service leads to the node's link-local addresses or the cloud metadata server: no " +
    "ExternalName Service names 169.254.169.254, fd00:ec2::254 or metadata.google.internal " +
    "(in any case, with trailing dots), and no Endpoints or EndpointSlice address lies in " +
    "169.254.0.0/16, fe80::/10 or is fd00:ec2::254. Through such a Service, an Ingress or any " +
    "pod allowed to reach it reads the node's credentials (CVE-2021-25740; hostile-input " +
    "finding F12).",
  severity: "critical",
  enforcementLevel: "mandatory",
  config: {
    forbiddenRanges: {
      type: "array",
      items: { type: "string", pattern: cidrPattern },
      default: ["169.254.0.0/16", "fe80::/10", "fd00:ec2::254/128"],
      description: "Address ranges no Service may lead to (link-local, the metadata servers).",
    },
    forbiddenHosts: {
      type: "array",
      items: { type: "string", minLength: 1 },
      default: ["metadata.google.internal"],
      description: "Host names of metadata servers no ExternalName Service may name.",
    },
  },
  remediationSteps:
    "Remove the ExternalName Service or hand-written Endpoints/EndpointSlice that points at the " +
    "node; a workload that needs its cloud identity gets it through the platform's workload " +
    "identity (IRSA, GKE Workload Identity), not the metadata server.",
  appliesTo: (type) => ["Service", "Endpoints", "EndpointSlice"].some((kind) => isKind(type, kind)),
  check: (object, config) => {
    const ranges = new AddressRanges(
      configRanges(config.forbiddenRanges ?? [], "no-metadata-targets forbiddenRanges"),
    );
    const hosts: readonly string[] = config.forbiddenHosts ?? [];
    const judge = (where: string, value: unknown): string[] => {
      const problem = forbiddenTarget(value, ranges, hosts);
      return problem ? [`${where} ${JSON.stringify(value)} ${problem}; remove it`] : [];
    };
    const props = object.props ?? {};
    const problems: string[] = [];
    switch (kindOf(object.type)) {
      case "Service":
        return props.spec?.type === "ExternalName"
          ? judge("spec.externalName", props.spec?.externalName)
          : [];
      case "Endpoints":
        listAt(props.subsets, "subsets", problems).forEach((subset, index) => {
          for (const field of ["addresses", "notReadyAddresses"]) {
            const list = listAt(subset?.[field], `subsets[${index}].${field}`, problems);
            list.forEach((address, entry) => {
              const where = `subsets[${index}].${field}[${entry}].ip`;
              problems.push(
                ...(isAddress(address?.ip)
                  ? judge(where, address.ip)
                  : [`${where} ${JSON.stringify(address?.ip)} is not an IP address; write one`]),
              );
            });
          }
        });
        return problems;
      default: // EndpointSlice: addressType IPv4, IPv6 or FQDN
        listAt(props.endpoints, "endpoints", problems).forEach((endpoint, index) => {
          const where = `endpoints[${index}].addresses`;
          listAt(endpoint?.addresses, where, problems).forEach((address, entry) =>
            problems.push(...judge(`${where}[${entry}]`, address)),
          );
        });
        return problems;
    }
  },
});

/** Each egress `to` peer's ipBlock with its path; unreadable lists are added to `problems`. */
function egressBlocks(spec: any, problems: string[]): { where: string; block: any }[] {
  return listAt(spec?.egress, "spec.egress", problems).flatMap((rule, index) =>
    listAt(rule?.to, `spec.egress[${index}].to`, problems).flatMap((peer, entry) =>
      peer?.ipBlock === undefined
        ? []
        : [{ where: `spec.egress[${index}].to[${entry}].ipBlock`, block: peer.ipBlock }],
    ),
  );
}

export const netpolNoMetadataEgress = resourceRule({
  name: "netpol-no-metadata-egress",
  description:
    "No NetworkPolicy egress ipBlock admits the cloud metadata server: a cidr that contains " +
    "169.254.169.254 (or fd00:ec2::254 for IPv6) lists it, or a range holding it, under " +
    "`except`. The metadata server hands out the node's cloud credentials (hostile-input " +
    "finding F12). Egress rules without `to` (every destination) are netpol-no-allow-all-peers'.",
  severity: "high",
  enforcementLevel: "mandatory",
  config: {
    metadataAddresses: {
      type: "array",
      items: { type: "string", minLength: 2 },
      default: ["169.254.169.254", "fd00:ec2::254"],
      description: "Addresses of the metadata servers no egress ipBlock may admit.",
    },
  },
  remediationSteps:
    "Add `169.254.169.254/32` (IPv4) or `fd00:ec2::254/128` (IPv6) to the ipBlock's `except`, or " +
    "narrow its cidr (the workload components except all of 169.254.0.0/16 from internet " +
    "egress). A policy whose ports cannot reach the metadata server (it answers on port 80) is " +
    "exempted by name with that reason.",
  appliesTo: (type) => isKind(type, "NetworkPolicy"),
  check: (policy, config) => {
    const addresses: readonly string[] = config.metadataAddresses ?? [];
    for (const address of addresses.filter((entry) => !isAddress(entry))) {
      throw new Error(
        `netpol-no-metadata-egress metadataAddresses: "${address}" is not an IP address ` +
          "(e.g. 169.254.169.254)",
      );
    }
    const problems: string[] = [];
    const blocks = egressBlocks(policy.props?.spec, problems);
    return [
      ...problems,
      ...blocks.flatMap(({ where, block }): string[] => {
        const cidr = parseCidr(block?.cidr);
        if (!cidr) {
          return [`${where}.cidr ${JSON.stringify(block?.cidr)} is not a CIDR; write one`];
        }
        // An except that is no list excepts nothing: the cidr is judged whole.
        const except = listOf(block?.except).map(parseCidr);
        const admitted = addresses.filter(
          (address) =>
            cidrHolds(cidr, address) &&
            !except.some((range) => range !== undefined && cidrHolds(range, address)),
        );
        return admitted.map(
          (address) =>
            `${where} ${cidr.text} admits the metadata server ${address}; add it to except`,
        );
      }),
    ];
  },
});

/** What an admit-everything peer admits, or undefined when it names something narrower. */
function allowAllPeer(peer: any): string | undefined {
  if (peer === null || typeof peer !== "object" || Array.isArray(peer)) {
    return "is not a peer (a mapping with podSelector, namespaceSelector or ipBlock)";
  }
  const { podSelector, namespaceSelector, ipBlock } = peer;
  if (podSelector === undefined && namespaceSelector === undefined && ipBlock === undefined) {
    return "is empty (no podSelector, namespaceSelector or ipBlock)";
  }
  if (namespaceSelector !== undefined && isEmptySelector(namespaceSelector)) {
    if (podSelector === undefined || isEmptySelector(podSelector)) {
      return "has an empty namespaceSelector and no podSelector narrower than every pod, so it admits every pod of every namespace";
    }
  }
  if (ipBlock !== undefined) {
    const cidr = parseCidr(ipBlock?.cidr);
    if (!cidr) return `has ipBlock cidr ${JSON.stringify(ipBlock?.cidr)}, which is not a CIDR`;
    if (cidr.prefix === 0) {
      const every = cidr.family === "ipv4" ? "every IPv4 address" : "every IPv6 address";
      const but = listOf(ipBlock.except).length > 0 ? " but its except ranges" : "";
      return `has ipBlock ${cidr.text}, which admits ${every}${but}`;
    }
  }
  return undefined;
}

export const netpolNoAllowAllPeers = resourceRule({
  name: "netpol-no-allow-all-peers",
  description:
    "No NetworkPolicy rule admits everything: every ingress rule has a non-empty `from` and " +
    "every egress rule a non-empty `to` (a missing or empty list admits every source or " +
    "destination), and no peer is empty, a namespaceSelector {} without a narrower " +
    "podSelector (every pod of every namespace), or an ipBlock of 0.0.0.0/0 or ::/0 (any /0). " +
    "An empty `ingress` or `egress` list admits nothing and passes (hostile-input finding F12).",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Name the peers the workload needs: a podSelector (with a namespaceSelector for another " +
    "namespace) or the exact ipBlock ranges. A workload that must reach the internet or an API " +
    "server whose address the cluster decides (the program's internetEgress and apiAccess " +
    "rules) is exempted by name with that reason.",
  appliesTo: (type) => isKind(type, "NetworkPolicy"),
  check: (policy) => {
    const spec = policy.props?.spec ?? {};
    const directions = [
      { field: "ingress", peers: "from", admits: "every source" },
      { field: "egress", peers: "to", admits: "every destination" },
    ];
    const problems: string[] = [];
    for (const { field, peers, admits } of directions) {
      listAt(spec[field], `spec.${field}`, problems).forEach((rule, index) => {
        const where = `spec.${field}[${index}]`;
        const shapeProblems: string[] = [];
        const list = listAt(rule?.[peers], `${where}.${peers}`, shapeProblems);
        problems.push(...shapeProblems);
        if (shapeProblems.length === 0 && list.length === 0) {
          problems.push(
            `${where} has no ${peers}, so it admits ${admits}; list the peers it needs`,
          );
        }
        list.forEach((peer, entry) => {
          const problem = allowAllPeer(peer);
          if (problem)
            problems.push(`${where}.${peers}[${entry}] ${problem}; name the peers it needs`);
        });
      });
    }
    return problems;
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
  noMetadataTargets,
  netpolNoMetadataEgress,
  netpolNoAllowAllPeers,
];
