// Users and privileges: a numeric non-root user, a read-only root filesystem, no privileged
// mode, capabilities dropped to an allow-list, and no-new-privileges.
import { allowedCapabilitiesConfig, minimumIdConfig } from "../lib/define";
import { containerRule } from "../lib/docker";

const capabilityName = (name: unknown) => String(name).toUpperCase().replace(/^CAP_/, "");

export const dockerNonRoot = containerRule({
  name: "docker-non-root",
  description:
    "Docker containers run as a numeric non-root UID (and GID) of at least the configured " +
    "minimum (CIS Docker 4.1; uid-gid-minimum; seed: UID >= 1001).",
  severity: "high",
  enforcementLevel: "mandatory",
  config: {
    minimumId: minimumIdConfig("UID and GID in `user`"),
  },
  remediationSteps:
    'Set `user: "1001:1001"` (a numeric UID:GID at or above the minimum) on the container; ' +
    "user names resolve inside the image and may map to root.",
  check: (props, config) => {
    const minimum = Number(config.minimumId);
    const user = props.user;
    if (typeof user !== "string" || user.trim() === "") {
      return [
        `user is unset, so the container runs as the image's user (often root); set user to a ` +
          `numeric UID:GID of at least ${minimum}, e.g. "${minimum}:${minimum}"`,
      ];
    }
    const [uid, gid] = user.split(":");
    const messages: string[] = [];
    for (const [label, id] of [
      ["UID", uid],
      ["GID", gid],
    ] as const) {
      if (id === undefined) continue;
      if (!/^\d+$/.test(id)) {
        messages.push(
          `user "${user}" has a non-numeric ${label} "${id}"; use a numeric ${label} of at ` +
            `least ${minimum}`,
        );
      } else if (Number(id) < minimum) {
        messages.push(`user "${user}" has ${label} ${id}; it must be at least ${minimum}`);
      }
    }
    return messages;
  },
});

export const dockerReadOnly = containerRule({
  name: "docker-read-only",
  description:
    "Docker containers run with a read-only root filesystem (CIS Docker 5.13; readonly-rootfs).",
  severity: "medium",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Set `readOnly: true` and give the paths the process writes a `tmpfs` entry or a volume.",
  check: (props) =>
    props.readOnly === true
      ? []
      : ["readOnly is not true; set readOnly: true and put writable paths on tmpfs or volumes"],
});

export const dockerNoPrivileged = containerRule({
  name: "docker-no-privileged",
  description: "Docker containers do not run privileged (CIS Docker 5.5; no-privileged).",
  severity: "critical",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Remove `privileged: true`; add the one capability the process needs instead, if any.",
  check: (props) => (props.privileged === true ? ["runs privileged; remove privileged: true"] : []),
});

export const dockerCapsDropAll = containerRule({
  name: "docker-caps-drop-all",
  description:
    "Docker containers drop ALL capabilities and add back only allow-listed ones " +
    "(CIS Docker 5.4; caps-drop-all; caps-no-dangerous-add).",
  severity: "high",
  enforcementLevel: "mandatory",
  config: { allowedCapabilities: allowedCapabilitiesConfig },
  remediationSteps:
    'Set `capabilities: { drops: ["ALL"] }` and list in `adds` only capabilities from the ' +
    "allow-list that the process needs.",
  check: (props, config) => {
    const allowed = (config.allowedCapabilities as string[]).map(capabilityName);
    const drops: string[] = (props.capabilities?.drops ?? []).map(capabilityName);
    const messages: string[] = [];
    if (!drops.includes("ALL")) {
      messages.push(
        `capabilities.drops is [${drops.join(", ")}]; it must include ALL (drops: ["ALL"])`,
      );
    }
    for (const added of props.capabilities?.adds ?? []) {
      if (!allowed.includes(capabilityName(added))) {
        messages.push(
          `capabilities.adds includes ${added}, which is not allowed; allowed: ` +
            `${allowed.join(", ") || "none"}`,
        );
      }
    }
    return messages;
  },
});

export const dockerNoNewPrivileges = containerRule({
  name: "docker-no-new-privileges",
  description:
    "Docker containers set the no-new-privileges security option (CIS Docker 5.26; " +
    "no-priv-escalation).",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps: 'Add "no-new-privileges:true" to `securityOpts`.',
  check: (props) => {
    const options: string[] = [...(props.securityOpts ?? [])].map(String);
    const set = options.some((option) => /^no-new-privileges(?:[:=]true)?$/i.test(option.trim()));
    return set ? [] : ['securityOpts does not include "no-new-privileges:true"; add it'];
  },
});
