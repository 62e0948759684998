// Capabilities and privilege escalation: drop ALL, no dangerous capability added back, and
// allowPrivilegeEscalation: false.
import {
  celString,
  celStrings,
  containerFlag,
  describedContainer,
  everyContainer,
  podAdmission,
} from "../lib/admission-form";
import { allowedCapabilitiesConfig, podRule } from "../lib/define";
import { joined, quoted } from "../lib/lists";
import { describeContainer, stringsOf } from "../lib/kubernetes";
import { containerContext } from "../lib/security-context";

/** Capability names as Kubernetes writes them: upper case, without the CAP_ prefix. */
function capabilityName(value: string): string {
  const upper = value.trim().toUpperCase();
  return upper.startsWith("CAP_") ? upper.slice(4) : upper;
}

/** CEL: the container `c`'s capabilities list `field` (drop, add), or an empty list. */
const capabilitiesOf = (field: "drop" | "add") =>
  `(has(c.securityContext) && has(c.securityContext.capabilities) && ` +
  `has(c.securityContext.capabilities.${field}) ? c.securityContext.capabilities.${field} : [])`;

/** CEL: `capabilityName` of the string `value`. */
const capabilityNameOf = (value: string) =>
  `(${value}.trim().upperAscii().startsWith('CAP_') ? ` +
  `${value}.trim().upperAscii().substring(4) : ${value}.trim().upperAscii())`;

/** CEL: the strings of `list`, joined as the pack's `joined` joins them. */
const joinedOf = (list: string) => `(size(${list}) > 0 ? ${list}.join(', ') : 'none')`;

export const capabilitiesDropAll = podRule({
  name: "capabilities-drop-all",
  description:
    "Containers drop ALL Linux capabilities and add back only those on the allow-list " +
    "(default NET_BIND_SERVICE), spelled exactly so, as Pod Security compares them (`all` is not " +
    "ALL) (PSS restricted; Kyverno; Polaris; CIS Docker 5.4; CKV_K8S_37).",
  severity: "medium",
  enforcementLevel: "mandatory",
  config: { allowedCapabilities: allowedCapabilitiesConfig },
  remediationSteps:
    'Set `securityContext.capabilities.drop: ["ALL"]` on every container and remove added ' +
    "capabilities that are not on the allow-list. Components get this from " +
    "components/model/security.ts (addCapabilities).",
  // Spelled exactly as written: Pod Security "restricted" compares the names as they are, so it
  // refuses `drop: ["all"]` and `add: ["net_bind_service"]`, and so does this rule.
  check: (pod, config) => {
    const allowed = stringsOf(config.allowedCapabilities);
    const messages: string[] = [];
    for (const entry of pod.containers) {
      const capabilities = containerContext(entry).capabilities ?? {};
      const dropped = stringsOf(capabilities.drop);
      if (!dropped.includes("ALL")) {
        const misspelt = dropped.filter((cap) => capabilityName(cap) === "ALL");
        const spelling =
          misspelt.length > 0
            ? `; Pod Security "restricted" accepts only the exact name ALL, not ${misspelt.map(quoted).join(", ")}`
            : "";
        messages.push(
          `${describeContainer(entry)} does not drop ALL capabilities (drop: ${joined(dropped)})` +
            `${spelling}; set capabilities.drop: ["ALL"]`,
        );
      }
      const refused = stringsOf(capabilities.add).filter((cap) => !allowed.includes(cap));
      if (refused.length > 0) {
        const permitted =
          allowed.length > 0 ? `only ${allowed.join(", ")} may be added back` : "none may be added";
        messages.push(`${describeContainer(entry)} adds ${joined(refused)}; ${permitted}`);
      }
    }
    return messages;
  },
  admission: podAdmission((config) => {
    const allowed = stringsOf(config.allowedCapabilities);
    const allowedList = celStrings(allowed);
    const drop = capabilitiesOf("drop");
    const misspelt = `${drop}.filter(d, ${capabilityNameOf("d")} == 'ALL')`;
    const refused = `${capabilitiesOf("add")}.filter(a, !(a in ${allowedList}))`;
    const permitted =
      allowed.length > 0 ? `only ${allowed.join(", ")} may be added back` : "none may be added";
    return [
      ...everyContainer(
        `'ALL' in ${drop}`,
        (role) =>
          `${describedContainer(role)} + ' does not drop ALL capabilities (drop: ' + ` +
          `${joinedOf(drop)} + ')' + (size(${misspelt}) > 0 ? ` +
          `'; Pod Security "restricted" accepts only the exact name ALL, not ' + ` +
          `${misspelt}.map(d, '"' + d + '"').join(', ') : '') + '; set capabilities.drop: ["ALL"]'`,
      ),
      ...everyContainer(
        `size(${refused}) == 0`,
        (role) =>
          `${describedContainer(role)} + ' adds ' + ${joinedOf(refused)} + ${celString(`; ${permitted}`)}`,
      ),
    ];
  }),
});

export const noDangerousCapabilities = podRule({
  name: "no-dangerous-capabilities",
  description:
    "Containers never add capabilities that amount to root on the node or the network: ALL, " +
    "SYS_ADMIN, NET_ADMIN, NET_RAW and the others on the list, whatever the allow-list says " +
    "(PSS baseline; Kyverno; Polaris; CIS Docker 5.4; CKV_K8S_25/28/39).",
  severity: "high",
  enforcementLevel: "mandatory",
  config: {
    forbiddenCapabilities: {
      type: "array",
      items: { type: "string" },
      default: [
        "ALL",
        "SYS_ADMIN",
        "NET_ADMIN",
        "NET_RAW",
        "SYS_PTRACE",
        "SYS_MODULE",
        "SYS_RAWIO",
        "SYS_BOOT",
        "SYS_TIME",
        "DAC_READ_SEARCH",
        "BPF",
        "PERFMON",
        "MAC_ADMIN",
        "MAC_OVERRIDE",
      ],
      description: "Capabilities no container may add (CAP_ prefix optional).",
    },
  },
  remediationSteps:
    "Remove the capability from `securityContext.capabilities.add`. If the workload really " +
    "needs it (a CNI or node agent), exempt it by name with a reason.",
  check: (pod, config) => {
    const forbidden = new Set(stringsOf(config.forbiddenCapabilities).map(capabilityName));
    const messages: string[] = [];
    for (const entry of pod.containers) {
      const added = stringsOf(containerContext(entry).capabilities?.add);
      for (const cap of added.filter((name) => forbidden.has(capabilityName(name)))) {
        messages.push(`${describeContainer(entry)} adds the dangerous capability ${cap}`);
      }
    }
    return messages;
  },
  admission: podAdmission((config) => {
    const forbidden = [...new Set(stringsOf(config.forbiddenCapabilities).map(capabilityName))];
    const dangerous = `${capabilitiesOf("add")}.filter(a, ${capabilityNameOf("a")} in ${celStrings(forbidden)})`;
    return everyContainer(
      `size(${dangerous}) == 0`,
      (role) => `${describedContainer(role)} + ' adds the dangerous capability ' + ${dangerous}[0]`,
    );
  }),
});

export const noPrivilegeEscalation = podRule({
  name: "no-privilege-escalation",
  description:
    "Containers set allowPrivilegeEscalation: false, so no setuid binary or file capability " +
    "can raise privileges (PSS restricted; Kyverno; Polaris; CIS Docker 5.26; CKV_K8S_20).",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Set `securityContext.allowPrivilegeEscalation: false` on every container (the field has no " +
    "pod-level form; unset means true). Components get it from components/model/security.ts.",
  check: (pod) =>
    pod.containers.flatMap((entry) => {
      const value = containerContext(entry).allowPrivilegeEscalation;
      if (value === false) return [];
      const shown = value === undefined ? "unset (defaults to true)" : quoted(value);
      return [`${describeContainer(entry)} allowPrivilegeEscalation is ${shown}; it must be false`];
    }),
  admission: podAdmission(() =>
    containerFlag("allowPrivilegeEscalation", false, "unset (defaults to true)"),
  ),
});
