// Ingress: backends that name existing Services and ports, TLS for every host, exact hosts.
import { celStrings } from "../lib/admission-form";
import { resourceRule, stackRule, type StackFinding } from "../lib/define";
import { describeObject, inNamespace, isKind, objectsOfKind } from "../lib/stack-objects";

/* eslint-disable @typescript-eslint/no-explicit-any -- policy props are untyped JSON */

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

/** What the API server sends the Ingress rules' admission forms. */
const ingressResources = {
  apiGroups: ["networking.k8s.io"],
  apiVersions: ["v1"],
  resources: ["ingresses"],
};

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
  admission: {
    resources: [ingressResources],
    validations: () => {
      const hosted = "has(r.host) && r.host != ''";
      // tlsCovers, for the TLS host `t` and the rule's host `r.host`.
      const covers =
        "t == r.host || (t.startsWith('*.') && r.host.endsWith(t.substring(1)) && " +
        "!r.host.substring(0, size(r.host) - size(t) + 1).contains('.'))";
      const covered = `has(object.spec.tls) && object.spec.tls.exists(tls, has(tls.hosts) && tls.hosts.exists(t, ${covers}))`;
      const tlsHosts =
        "(has(object.spec.tls) ? object.spec.tls.filter(tls, has(tls.hosts) && size(tls.hosts) > 0)" +
        ".map(tls, tls.hosts.join(', ')) : []).join(', ')";
      return [
        {
          expression: `!has(object.spec.rules) || object.spec.rules.all(r, ${hosted})`,
          messageExpression:
            "'a rule has no host, so it answers every host name without TLS; set a host'",
        },
        {
          expression: `!has(object.spec.rules) || object.spec.rules.all(r, !(${hosted}) || ${covered})`,
          messageExpression:
            `object.spec.rules.filter(r, ${hosted} && !(${covered})).map(r, 'host "' + r.host + ` +
            `'" is not covered by spec.tls hosts (' + (${tlsHosts} != '' ? ${tlsHosts} : 'none') + ')')[0]`,
        },
      ];
    },
    failurePolicy: "Fail",
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
          `spec.rules[${index}]: a rule has no host, so it answers every host name; set the ` +
            "exact host",
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
  // The messages name the host, not the rule's index: CEL has no index over a list.
  admission: {
    resources: [ingressResources],
    validations: (config) => {
      const allowed: readonly string[] = config.allowedWildcardHosts ?? [];
      const hosted = "has(r.host) && r.host != ''";
      const wildcard = `r.host.contains('*') && !(r.host in ${celStrings(allowed)})`;
      return [
        {
          expression: "!has(object.spec.defaultBackend)",
          messageExpression:
            "'sets a defaultBackend, which answers every host name no rule matches; remove it " +
            "and route each host with a rule'",
        },
        {
          expression: `!has(object.spec.rules) || object.spec.rules.all(r, ${hosted})`,
          messageExpression:
            "'a rule has no host, so it answers every host name; set the exact host'",
        },
        {
          expression: `!has(object.spec.rules) || object.spec.rules.all(r, !(${hosted}) || !(${wildcard}))`,
          messageExpression:
            `object.spec.rules.filter(r, ${hosted} && ${wildcard}).map(r, 'host "' + r.host + ` +
            `'" is a wildcard, so it answers ' + (r.host == '*' ? 'every host name' : ` +
            `'every name under it') + '; set the exact host')[0]`,
        },
      ];
    },
    failurePolicy: "Fail",
  },
});
