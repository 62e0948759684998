// The security profile every workload runs with unless it opts out field by field. Resolved once
// here so that no renderer re-decides a default: a component becomes less safe only by naming
// the field it relaxes.

export interface SecurityProfile {
  /**
   * Numeric UID of every container; default 10001: above the source design's minimum (1001) and
   * above the range host accounts use, so a container escape maps to no host user (kube-score,
   * CKV_K8S_40).
   */
  readonly runAsUser: number;
  /** Numeric primary GID; default 10001. */
  readonly runAsGroup: number;
  /** Group that owns mounted volumes, so a non-root process can write its PVC; default 10001. */
  readonly fsGroup: number;
  /** Root filesystem mounted read-only; writable paths are declared emptyDirs. Default true. */
  readonly readOnlyRootFilesystem: boolean;
  /** Default false: no setuid/setcap escalation. */
  readonly allowPrivilegeEscalation: boolean;
  /** Capabilities added back after dropping ALL; default none. */
  readonly addCapabilities: readonly string[];
  /** Seccomp profile type; default RuntimeDefault. */
  readonly seccompProfile: "RuntimeDefault" | "Localhost";
  /** Mount a service-account token into the pod; default false (no workload calls the API). */
  readonly automountServiceAccountToken: boolean;
}

/** The documented defaults. Frozen so no caller can weaken them for everyone. */
export const secureDefaults: Readonly<SecurityProfile> = Object.freeze({
  runAsUser: 10001,
  runAsGroup: 10001,
  fsGroup: 10001,
  readOnlyRootFilesystem: true,
  allowPrivilegeEscalation: false,
  addCapabilities: Object.freeze([]) as readonly string[],
  seccompProfile: "RuntimeDefault",
  automountServiceAccountToken: false,
});

/** The lowest UID/GID a workload may use; anything lower is refused, not clamped. */
export const minimumId = 1001;

/** Capabilities a workload may add back; everything else stays dropped. */
export const allowedCapabilities: ReadonlySet<string> = new Set(["NET_BIND_SERVICE"]);

/** Lays explicit opt-outs over the defaults and refuses ones no workload may take. */
export function resolveSecurity(
  workload: string,
  overrides: Partial<SecurityProfile> = {},
): SecurityProfile {
  const profile = { ...secureDefaults, ...overrides };
  for (const field of ["runAsUser", "runAsGroup", "fsGroup"] as const) {
    if (!Number.isInteger(profile[field]) || profile[field] < minimumId) {
      throw new Error(
        `${workload}: security.${field} is ${profile[field]}; it must be an integer of at least ${minimumId} (non-root)`,
      );
    }
  }
  const refused = profile.addCapabilities.filter((cap) => !allowedCapabilities.has(cap));
  if (refused.length > 0) {
    throw new Error(
      `${workload}: security.addCapabilities has ${refused.join(", ")}; only ${[...allowedCapabilities].join(", ")} may be added back`,
    );
  }
  return profile;
}
