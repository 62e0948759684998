// Allow-all peers: no NetworkPolicy rule admits every source or destination.
import { celString } from "../lib/admission-form";
import { resourceRule } from "../lib/define";
import { parseCidr } from "../lib/addresses";
import { listAt } from "../lib/lists";
import { isEmptySelector, listOf } from "../lib/kubernetes";
import { isKind } from "../lib/stack-objects";

/* eslint-disable @typescript-eslint/no-explicit-any -- policy props are untyped JSON */

/** A policy's rule lists, the field of each rule that names its peers, and what none admits. */
const directions = [
  { field: "ingress", peers: "from", admits: "every source" },
  { field: "egress", peers: "to", admits: "every destination" },
];

/** What an admit-everything peer admits, or undefined when it names something narrower. */
function allowAllPeer(peer: any): string | undefined {
  if (peer === null || typeof peer !== "object" || Array.isArray(peer)) {
    return "is not a mapping (with podSelector, namespaceSelector or ipBlock)";
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
    const problems: string[] = [];
    for (const { field, peers, admits } of directions) {
      listAt(spec[field], `spec.${field}`, problems).forEach((rule, index) => {
        const where = `spec.${field}[${index}]`;
        const shapeProblems: string[] = [];
        const list = listAt(rule?.[peers], `${where}.${peers}`, shapeProblems);
        problems.push(...shapeProblems);
        if (shapeProblems.length === 0 && list.length === 0) {
          problems.push(
            `${where}: a rule has no ${peers}, so it admits ${admits}; list the peers it needs`,
          );
        }
        list.forEach((peer, entry) => {
          const problem = allowAllPeer(peer);
          if (problem)
            problems.push(
              `${where}.${peers}[${entry}]: a peer ${problem}; name the peers it needs`,
            );
        });
      });
    }
    return problems;
  },
  // The API server refuses an empty peer and a malformed CIDR before admission; the messages name
  // the rule or peer, not their index: CEL has no index over a list.
  admission: {
    resources: [
      { apiGroups: ["networking.k8s.io"], apiVersions: ["v1"], resources: ["networkpolicies"] },
    ],
    validations: () =>
      directions.flatMap(({ field, peers, admits }) => {
        const rules = `object.spec.${field}`;
        const listed = `has(r.${peers}) && size(r.${peers}) > 0`;
        const empty = (selector: string) =>
          `(!has(${selector}.matchLabels) || size(${selector}.matchLabels) == 0) && ` +
          `(!has(${selector}.matchExpressions) || size(${selector}.matchExpressions) == 0)`;
        const everyPod =
          `has(p.namespaceSelector) && ${empty("p.namespaceSelector")} && ` +
          `(!has(p.podSelector) || ${empty("p.podSelector")})`;
        const everyAddress = "has(p.ipBlock) && p.ipBlock.cidr.endsWith('/0')";
        /** A validation that no peer of any rule is `bad`, with the first one's message. */
        const noPeer = (bad: string, says: string) => ({
          expression: `!has(${rules}) || ${rules}.all(r, !has(r.${peers}) || r.${peers}.all(p, !(${bad})))`,
          messageExpression:
            `${rules}.filter(r, has(r.${peers}) && r.${peers}.exists(p, ${bad}))` +
            `.map(r, r.${peers}.filter(p, ${bad}).map(p, 'a peer ' + ${says} + '; name the peers it needs')[0])[0]`,
        });
        return [
          {
            expression: `!has(${rules}) || ${rules}.all(r, ${listed})`,
            messageExpression: celString(
              `a rule has no ${peers}, so it admits ${admits}; list the peers it needs`,
            ),
          },
          noPeer(
            everyPod,
            "'has an empty namespaceSelector and no podSelector narrower than every pod, so it " +
              "admits every pod of every namespace'",
          ),
          noPeer(
            everyAddress,
            "'has ipBlock ' + p.ipBlock.cidr + ', which admits every ' + " +
              "(p.ipBlock.cidr.contains(':') ? 'IPv6' : 'IPv4') + ' address' + " +
              "(has(p.ipBlock.except) && size(p.ipBlock.except) > 0 ? ' but its except ranges' : '')",
          ),
        ];
      }),
    failurePolicy: "Fail",
  },
});
