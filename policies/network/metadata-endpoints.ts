// The node's metadata endpoints: no Service, Endpoints or egress ipBlock leads to the node's
// link-local addresses or the cloud metadata server.
import { celString, celStrings } from "../lib/admission-form";
import { resourceRule } from "../lib/define";
import { AddressRanges, cidrHolds, isAddress, parseCidr, type Cidr } from "../lib/addresses";
import { listAt } from "../lib/lists";
import { kindOf, listOf } from "../lib/kubernetes";
import { isKind } from "../lib/stack-objects";

/* eslint-disable @typescript-eslint/no-explicit-any -- policy props are untyped JSON */

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
      return problem ? [`${where}: ${JSON.stringify(value)} ${problem}; remove it`] : [];
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
                  : [`${where}: ${JSON.stringify(address?.ip)} is not an IP address; write one`]),
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
  // Kubernetes' IP and CIDR library (1.31 and later). The API server refuses what is not an
  // address where one is due, an ExternalName in capitals or with more than one trailing dot, and
  // link-local and loopback addresses in Endpoints. The messages name the value, not its index.
  admission: {
    resources: [
      { apiGroups: [""], apiVersions: ["v1"], resources: ["services", "endpoints"] },
      { apiGroups: ["discovery.k8s.io"], apiVersions: ["v1"], resources: ["endpointslices"] },
    ],
    // The EndpointSlices the cluster makes for a Service are judged at the Service.
    judgedAtOwner: true,
    // Variables, so that no validation reads a field of one kind typed as another.
    variables: [
      {
        name: "externalNames",
        expression:
          "object.kind == 'Service' && has(object.spec.type) && object.spec.type == 'ExternalName' " +
          "&& has(object.spec.externalName) ? [object.spec.externalName] : []",
      },
      {
        name: "endpointAddresses",
        expression:
          "object.kind == 'Endpoints' && has(object.subsets) ? object.subsets.map(s, " +
          "(has(s.addresses) ? s.addresses.map(a, a.ip) : []) + " +
          "(has(s.notReadyAddresses) ? s.notReadyAddresses.map(a, a.ip) : [])) : []",
      },
      {
        name: "sliceAddresses",
        expression:
          "object.kind == 'EndpointSlice' && has(object.endpoints) ? " +
          "object.endpoints.map(e, e.addresses) : []",
      },
    ],
    validations: (config) => {
      const ranges = celStrings(
        configRanges(config.forbiddenRanges ?? [], "no-metadata-targets forbiddenRanges").map(
          (range) => range.text,
        ),
      );
      const hosts = celStrings(((config.forbiddenHosts ?? []) as string[]).map(normalizeHost));
      const host = "(h.endsWith('.') ? h.substring(0, size(h) - 1) : h)";
      /** CEL: what is wrong with the target `h`, as forbiddenTarget says it; '' when nothing. */
      const problem =
        `(isIP(${host}) ? (${ranges}.exists(r, cidr(r).containsIP(${host})) ? ` +
        "'is a link-local or cloud metadata address' : '') : " +
        `${host} in ${hosts} ? "is the cloud metadata server's name" : ` +
        `${host}.split('.').all(l, l.matches('^(0x[0-9a-f]*|[0-9]+)$')) ? ` +
        "'is a number that resolvers may read as an IPv4 address; write the address in dotted " +
        "decimal or a host name' : '')";
      const said = `'"' + h + '" ' + ${problem} + '; remove it'`;
      /** Validations that no address in the lists of `lists` is forbidden. */
      const noneIn = (lists: string) => ({
        expression: `${lists}.all(l, l.all(h, ${problem} == ''))`,
        messageExpression: `${lists}.filter(l, l.exists(h, ${problem} != '')).map(l, l.filter(h, ${problem} != '').map(h, ${said})[0])[0]`,
      });
      return [
        noneIn("[variables.externalNames]"),
        noneIn("variables.endpointAddresses"),
        noneIn("variables.sliceAddresses"),
      ];
    },
    failurePolicy: "Fail",
  },
});

/** Each egress `to` peer's ipBlock with its path; unreadable lists are added to `problems`. */
function egressBlocks(spec: any, problems: string[]): { where: string; block: any }[] {
  return listAt(spec?.egress, "spec.egress", problems).flatMap((rule, index) =>
    listAt(rule?.to, `spec.egress[${index}].to`, problems).flatMap((peer, entry) =>
      peer?.ipBlock === undefined
        ? []
        : [{ where: `spec.egress[${index}].to[${entry}]`, block: peer.ipBlock }],
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
    const addresses = metadataAddressesOf(config);
    const problems: string[] = [];
    const blocks = egressBlocks(policy.props?.spec, problems);
    return [
      ...problems,
      ...blocks.flatMap(({ where, block }): string[] => {
        const cidr = parseCidr(block?.cidr);
        if (!cidr) {
          return [`${where}.ipBlock.cidr ${JSON.stringify(block?.cidr)} is not a CIDR; write one`];
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
            `${where}: an ipBlock ${cidr.text} admits the metadata server ${address}; add it ` +
            "to except",
        );
      }),
    ];
  },
  // Kubernetes' IP and CIDR library (1.31 and later); the API server refuses a malformed CIDR
  // first. The messages name the peer, not its index: CEL has no index over a list.
  admission: {
    resources: [
      { apiGroups: ["networking.k8s.io"], apiVersions: ["v1"], resources: ["networkpolicies"] },
    ],
    validations: (config) =>
      metadataAddressesOf(config).map((address) => {
        const at = celString(address);
        const admits =
          `has(p.ipBlock) && cidr(p.ipBlock.cidr).containsIP(${at}) && !(has(p.ipBlock.except) ` +
          `&& p.ipBlock.except.exists(e, cidr(e).containsIP(${at})))`;
        const egress = "(has(object.spec.egress) ? object.spec.egress : [])";
        return {
          expression: `${egress}.all(r, !has(r.to) || r.to.all(p, !(${admits})))`,
          messageExpression:
            `${egress}.filter(r, has(r.to) && r.to.exists(p, ${admits})).map(r, ` +
            `r.to.filter(p, ${admits}).map(p, 'an ipBlock ' + p.ipBlock.cidr + ` +
            `${celString(` admits the metadata server ${address}; add it to except`)})[0])[0]`,
        };
      }),
    failurePolicy: "Fail",
  },
});

/** The setting's addresses; one that is not an address is a config error, not a pass. */
function metadataAddressesOf(config: any): readonly string[] {
  const addresses: readonly string[] = config.metadataAddresses ?? [];
  for (const address of addresses.filter((entry) => !isAddress(entry))) {
    throw new Error(
      `netpol-no-metadata-egress metadataAddresses: "${address}" is not an IP address ` +
        "(e.g. 169.254.169.254)",
    );
  }
  return addresses;
}
