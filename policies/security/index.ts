// Pod and container hardening: Pod Security Standards (baseline and restricted) and the
// matching Kyverno, Polaris, kube-score, CIS Docker and Checkov rows; and the identity rows
// (service-account tokens and names, the default namespace). RBAC is ../rbac/. One file per
// concept; this module lists the domain's policies in the order the analyzer runs them.
import type { Policies } from "@pulumi/policy";
import {
  capabilitiesDropAll,
  noDangerousCapabilities,
  noPrivilegeEscalation,
} from "./capabilities";
import {
  hostNamespaces,
  noControlPlaneTolerations,
  noHostPath,
  noHostPorts,
  noHostProcess,
  noPrivileged,
  noRuntimeSocket,
} from "./host-access";
import {
  dedicatedServiceAccount,
  noDefaultNamespace,
  serviceAccountTokenAutomount,
} from "./identity";
import {
  appArmorProfile,
  procMountDefault,
  safeSysctls,
  seccompProfile,
  seLinuxOptions,
} from "./kernel-confinement";
import { namespacePodSecurity } from "./pod-security-admission";
import { nonRootGroups, runAsNonRoot } from "./users-and-groups";
import {
  noHostPathPersistentVolumes,
  readOnlyRootFilesystem,
  volumeTypeAllowlist,
} from "./volumes";
import { podSpecWellFormed } from "./well-formed";

export * from "./well-formed";
export * from "./host-access";
export * from "./capabilities";
export * from "./users-and-groups";
export * from "./kernel-confinement";
export * from "./volumes";
export * from "./pod-security-admission";
export * from "./identity";

export const securityPolicies: Policies = [
  podSpecWellFormed,
  noPrivileged,
  hostNamespaces,
  noHostPath,
  noRuntimeSocket,
  noHostPorts,
  noHostProcess,
  noControlPlaneTolerations,
  capabilitiesDropAll,
  noDangerousCapabilities,
  noPrivilegeEscalation,
  runAsNonRoot,
  nonRootGroups,
  seccompProfile,
  appArmorProfile,
  seLinuxOptions,
  procMountDefault,
  safeSysctls,
  volumeTypeAllowlist,
  readOnlyRootFilesystem,
  noHostPathPersistentVolumes,
  namespacePodSecurity,
  serviceAccountTokenAutomount,
  dedicatedServiceAccount,
  noDefaultNamespace,
];
