// Kernel confinement: seccomp, AppArmor and SELinux profiles, the masked /proc, and safe sysctls.
import {
  celString,
  celStrings,
  describedContainer,
  everyContainer,
  inheritedValidations,
  podAdmission,
} from "../lib/admission-form";
import { podRule } from "../lib/define";
import { joined, quoted } from "../lib/lists";
import { containerFields, describeContainer, listOf, stringsOf } from "../lib/kubernetes";
import { checkInherited, containerContext, podLevel } from "../lib/security-context";

/* eslint-disable @typescript-eslint/no-explicit-any -- policy props are untyped JSON */

/**
 * The annotations whose key `wanted` accepts, as [key, value] pairs. Only those values are read:
 * during a preview another annotation's value may be unknown (the secret checksum is, until the
 * passwords exist), and reading it makes the engine skip the whole policy as "can't run".
 */
function annotationsNamed(metadata: any, wanted: (key: string) => boolean): [string, unknown][] {
  const annotations = metadata?.annotations ?? {};
  return Object.keys(annotations)
    .filter(wanted)
    .map((key) => [key, annotations[key]]);
}

/** A sysctl name with "." separators (the API also accepts "/" as the separator). */
function sysctlName(value: string): string {
  const slash = value.indexOf("/");
  const dot = value.indexOf(".");
  if (slash === -1 || (dot !== -1 && dot < slash)) return value;
  return value.replace(/[./]/g, (separator) => (separator === "/" ? "." : "/"));
}

export const seccompProfile = podRule({
  name: "seccomp-profile",
  description:
    "Every container runs under a seccomp profile of type RuntimeDefault or Localhost, set on " +
    "the container or inherited from the pod; Unconfined is never allowed (PSS restricted; " +
    "Kyverno; Polaris; kube-score; CIS Docker 5.22; CKV_K8S_31).",
  severity: "medium",
  enforcementLevel: "mandatory",
  config: {
    allowedTypes: {
      type: "array",
      items: { type: "string", enum: ["RuntimeDefault", "Localhost"] },
      default: ["RuntimeDefault", "Localhost"],
      description: "Allowed seccompProfile.type values.",
    },
  },
  remediationSteps:
    "Set `securityContext.seccompProfile: {type: RuntimeDefault}` in the pod securityContext " +
    "(or Localhost with a localhostProfile), and remove any Unconfined profile or " +
    "`seccomp.security.alpha.kubernetes.io` annotation.",
  check: (pod, config) => {
    const allowed = stringsOf(config.allowedTypes);
    const messages = checkInherited(
      pod,
      (context) => context?.seccompProfile,
      (profile) => {
        const type = profile?.type;
        if (!allowed.includes(type)) {
          return `seccompProfile.type is ${quoted(type)}; it must be ${allowed.join(" or ")}`;
        }
        if (type === "Localhost" && !profile?.localhostProfile) {
          return "seccompProfile.type is Localhost without a localhostProfile";
        }
        return undefined;
      },
      `has no seccompProfile (neither the container nor the pod sets one); set type ${allowed.join(" or ")}`,
    );
    const legacy = (key: string) =>
      key === "seccomp.security.alpha.kubernetes.io/pod" ||
      key.startsWith("container.seccomp.security.alpha.kubernetes.io/");
    for (const [key, value] of annotationsNamed(pod.podMetadata, legacy)) {
      if (value === "unconfined") {
        messages.push(`annotation ${key} is "unconfined"; remove it and set seccompProfile`);
      }
    }
    return messages;
  },
  admission: podAdmission((config) => {
    const allowed = stringsOf(config.allowedTypes);
    const annotations = "variables.podMetadata.annotations";
    const unconfined =
      `(has(variables.podMetadata.annotations) ? ${annotations}.filter(k, ` +
      `(k == 'seccomp.security.alpha.kubernetes.io/pod' || ` +
      `k.startsWith('container.seccomp.security.alpha.kubernetes.io/')) && ` +
      `${annotations}[k] == 'unconfined') : [])`;
    return [
      ...profileValidations(
        "seccompProfile",
        allowed,
        `has no seccompProfile (neither the container nor the pod sets one); set type ${allowed.join(" or ")}`,
      ),
      {
        expression: `size(${unconfined}) == 0`,
        messageExpression: `'annotation ' + ${unconfined}[0] + ' is "unconfined"; remove it and set seccompProfile'`,
      },
    ];
  }),
});

/**
 * CEL validations for a seccompProfile or appArmorProfile, on the pod and on containers: its type
 * is one of `types`, and a Localhost one names its profile (`missing`: see inheritedValidations).
 */
function profileValidations(field: string, types: readonly string[], missing?: string) {
  const typeAllowed = `has($value.type) && $value.type in ${celStrings(types)}`;
  return inheritedValidations(
    field,
    `${typeAllowed} && ($value.type != 'Localhost' || (has($value.localhostProfile) && $value.localhostProfile != ''))`,
    `!(${typeAllowed}) ? '${field}.type is ' + (has($value.type) ? '"' + $value.type + '"' : 'undefined') + ${celString(`; it must be ${types.join(" or ")}`)} : '${field}.type is Localhost without a localhostProfile'`,
    missing,
  );
}

const appArmorAnnotationPrefix = "container.apparmor.security.beta.kubernetes.io/";

export const appArmorProfile = podRule({
  name: "apparmor-profile",
  description:
    "No container runs AppArmor-unconfined: appArmorProfile.type (pod or container) is " +
    "RuntimeDefault or Localhost, and container.apparmor.security.beta.kubernetes.io/* " +
    "annotations are runtime/default or localhost/<profile> (PSS baseline; Kyverno; Polaris; " +
    "CIS Docker 5.2).",
  severity: "medium",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Remove `appArmorProfile: {type: Unconfined}` and `unconfined` AppArmor annotations; leave " +
    "the runtime default or set `securityContext.appArmorProfile: {type: RuntimeDefault}`.",
  check: (pod) => {
    const messages = checkInherited(
      pod,
      (context) => context?.appArmorProfile,
      (profile) => {
        const type = profile?.type;
        if (type !== "RuntimeDefault" && type !== "Localhost") {
          return `appArmorProfile.type is ${quoted(type)}; it must be RuntimeDefault or Localhost`;
        }
        if (type === "Localhost" && !profile?.localhostProfile) {
          return "appArmorProfile.type is Localhost without a localhostProfile";
        }
        return undefined;
      },
    );
    const appArmorKey = (key: string) => key.startsWith(appArmorAnnotationPrefix);
    for (const [key, value] of annotationsNamed(pod.podMetadata, appArmorKey)) {
      if (value === "" || value === "runtime/default") continue;
      if (typeof value === "string" && /^localhost\/.+/.test(value)) continue;
      const name = key.slice(appArmorAnnotationPrefix.length);
      const entry = pod.containers.find((candidate) => candidate.container?.name === name);
      const who = entry ? describeContainer(entry) : `container "${name}"`;
      messages.push(
        `${who} AppArmor annotation is ${quoted(value)}; it must be runtime/default or ` +
          `localhost/<profile>`,
      );
    }
    return messages;
  },
  admission: podAdmission(() => {
    const annotations = "variables.podMetadata.annotations";
    const confined = (key: string) =>
      `${annotations}[${key}] in ['', 'runtime/default'] || ${annotations}[${key}].matches('^localhost/.+')`;
    const unconfined =
      `(has(variables.podMetadata.annotations) ? ${annotations}.filter(k, ` +
      `k.startsWith(${celString(appArmorAnnotationPrefix)}) && !(${confined("k")})) : [])`;
    // The container an annotation names, described as the pack does (its role, if it has one).
    const named = `k.substring(${appArmorAnnotationPrefix.length})`;
    const role = containerFields.reduceRight(
      (otherwise, [list, role]) =>
        `variables.${list}.exists(c, c.name == ${named}) ? '${role}' : ${otherwise}`,
      "'container'",
    );
    return [
      ...profileValidations("appArmorProfile", ["RuntimeDefault", "Localhost"]),
      {
        expression: `size(${unconfined}) == 0`,
        messageExpression:
          `${unconfined}.map(k, (${role}) + ' "' + ${named} + '" AppArmor annotation is "' + ` +
          `${annotations}[k] + '"; it must be runtime/default or localhost/<profile>')[0]`,
      },
    ];
  }),
});

export const seLinuxOptions = podRule({
  name: "selinux-options",
  description:
    "SELinux options never widen the container label: seLinuxOptions.type (pod or container) is " +
    "on the allow-list and user and role are not set (PSS baseline; Kyverno; Polaris; " +
    "CIS Docker 5.2).",
  severity: "high",
  enforcementLevel: "mandatory",
  config: {
    allowedTypes: {
      type: "array",
      items: { type: "string" },
      default: ["container_t", "container_init_t", "container_kvm_t", "container_engine_t"],
      description: "Allowed seLinuxOptions.type values (PSS baseline's list).",
    },
  },
  remediationSteps:
    "Remove `seLinuxOptions.user` and `seLinuxOptions.role`, and set `seLinuxOptions.type` to an " +
    "allowed type (or remove it to get the runtime's container_t); `level` may stay.",
  check: (pod, config) => {
    const allowed = stringsOf(config.allowedTypes);
    const problems = (options: any): string | undefined => {
      const found: string[] = [];
      const type = options?.type;
      if (type !== undefined && type !== "" && !allowed.includes(type)) {
        found.push(`seLinuxOptions.type is ${quoted(type)}; allowed: ${joined(allowed)}`);
      }
      for (const field of ["user", "role"]) {
        const value = options?.[field];
        if (value !== undefined && value !== "") {
          found.push(`seLinuxOptions.${field} is ${quoted(value)}; it must not be set`);
        }
      }
      return found.length > 0 ? found.join("; ") : undefined;
    };
    return checkInherited(pod, (context) => context?.seLinuxOptions, problems);
  },
  admission: podAdmission((config) => {
    const allowed = stringsOf(config.allowedTypes);
    const typeAllowed = `!has($value.type) || $value.type == '' || $value.type in ${celStrings(allowed)}`;
    const unset = (field: string) => `!has($value.${field}) || $value.${field} == ''`;
    const problems = [
      `(${typeAllowed} ? [] : ['seLinuxOptions.type is "' + $value.type + '"; allowed: ' + ${celString(joined(allowed))}])`,
      ...["user", "role"].map(
        (field) =>
          `(${unset(field)} ? [] : ['seLinuxOptions.${field} is "' + $value.${field} + '"; it must not be set'])`,
      ),
    ];
    return inheritedValidations(
      "seLinuxOptions",
      `(${typeAllowed}) && (${unset("user")}) && (${unset("role")})`,
      `(${problems.join(" + ")}).join('; ')`,
    );
  }),
});

export const procMountDefault = podRule({
  name: "proc-mount-default",
  description:
    "Containers keep the default masked /proc: procMount is unset or Default (PSS baseline; " +
    "Kyverno; Polaris).",
  severity: "medium",
  enforcementLevel: "mandatory",
  remediationSteps: "Remove `securityContext.procMount` from the container (or set it to Default).",
  check: (pod) =>
    pod.containers.flatMap((entry) => {
      const value = containerContext(entry).procMount;
      if (value === undefined || value === "Default") return [];
      return [`${describeContainer(entry)} procMount is ${quoted(value)}; it must be Default`];
    }),
  admission: podAdmission(() =>
    everyContainer(
      "!has(c.securityContext) || !has(c.securityContext.procMount) || c.securityContext.procMount == 'Default'",
      (role) =>
        `${describedContainer(role)} + ' procMount is "' + c.securityContext.procMount + '"; it must be Default'`,
    ),
  ),
});

export const safeSysctls = podRule({
  name: "safe-sysctls",
  description:
    "Pods set only namespaced, node-isolated sysctls: the Pod Security Standards baseline safe " +
    "set (PSS baseline; Kyverno).",
  severity: "medium",
  enforcementLevel: "mandatory",
  config: {
    allowedSysctls: {
      type: "array",
      items: { type: "string" },
      default: [
        "kernel.shm_rmid_forced",
        "net.ipv4.ip_local_port_range",
        "net.ipv4.ip_unprivileged_port_start",
        "net.ipv4.tcp_syncookies",
        "net.ipv4.ping_group_range",
        "net.ipv4.ip_local_reserved_ports",
        "net.ipv4.tcp_keepalive_time",
        "net.ipv4.tcp_fin_timeout",
        "net.ipv4.tcp_keepalive_intvl",
        "net.ipv4.tcp_keepalive_probes",
        "net.ipv4.tcp_rmem",
        "net.ipv4.tcp_wmem",
      ],
      description: "Sysctls a pod may set (PSS baseline's safe set as of Kubernetes 1.32).",
    },
  },
  remediationSteps:
    "Remove the sysctl from `securityContext.sysctls`; node-level kernel tuning belongs to the " +
    "node configuration, not to a workload.",
  check: (pod, config) => {
    const allowed = new Set(stringsOf(config.allowedSysctls).map(sysctlName));
    return listOf(pod.podSpec?.securityContext?.sysctls)
      .filter((sysctl) => !allowed.has(sysctlName(String(sysctl?.name))))
      .map(
        (sysctl) =>
          `${podLevel} sets sysctl ${sysctl?.name}; only the safe set (safe-sysctls ` +
          `allowedSysctls) may be set`,
      );
  },
  admission: podAdmission(
    (config) => {
      const allowed = celStrings(stringsOf(config.allowedSysctls).map(sysctlName));
      const unsafe = `variables.sysctls.filter(s, !(${celSysctlName("s.name")} in ${allowed}))`;
      return [
        {
          expression: `size(${unsafe}) == 0`,
          messageExpression:
            `${celString(`${podLevel} sets sysctl `)} + ${unsafe}[0].name + ` +
            celString("; only the safe set (safe-sysctls allowedSysctls) may be set"),
        },
      ];
    },
    {
      variables: [
        {
          name: "sysctls",
          expression:
            "has(variables.podSpec.securityContext) && " +
            "has(variables.podSpec.securityContext.sysctls) ? " +
            "variables.podSpec.securityContext.sysctls : []",
        },
      ],
    },
  ),
});

/** CEL: the sysctl name `name` with "." separators, as sysctlName reads it. */
function celSysctlName(name: string): string {
  const slash = `${name}.indexOf('/')`;
  const dot = `${name}.indexOf('.')`;
  // "|" is in no sysctl name: the placeholder that swaps the two separators.
  return (
    `(${slash} == -1 || (${dot} != -1 && ${dot} < ${slash}) ? ${name} : ` +
    `${name}.replace('.', '|').replace('/', '.').replace('|', '/'))`
  );
}
