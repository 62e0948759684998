// Docker: the CIS Docker Benchmark rows and the Docker-only controls of policy-coverage.md, for
// the local Docker platform (@pulumi/docker v4/v5 Container, Network and RemoteImage inputs).
// Property names follow @pulumi/docker 5.2.0 (container.d.ts, types/input.d.ts). That provider
// has no `pidsLimit` and no `utsMode` input: the PID limit is read from `ulimits` (nproc), and
// the UTS namespace cannot be shared with the host through it.
// One file per concept; this module lists the domain's policies in the order the analyzer runs
// them.
import type { Policies } from "@pulumi/policy";
import { dockerHostNamespaces, dockerNoRuntimeSocket, dockerPrivilegedPorts } from "./host-access";
import { dockerImagePinned } from "./images";
import { dockerHealthcheck, dockerRestartPolicy } from "./lifecycle";
import { dockerPidsLimit, dockerResourceLimits } from "./limits";
import { dockerInternalNetworks } from "./networks";
import {
  dockerCapsDropAll,
  dockerNoNewPrivileges,
  dockerNonRoot,
  dockerNoPrivileged,
  dockerReadOnly,
} from "./privileges";
import { dockerNoSecretEnv } from "./secret-env";

export { dockerContainerType, dockerNetworkType, dockerRemoteImageType } from "../lib/docker";
export * from "./privileges";
export * from "./limits";
export * from "./lifecycle";
export * from "./host-access";
export * from "./images";
export * from "./networks";
export * from "./secret-env";

export const dockerPolicies: Policies = [
  dockerNonRoot,
  dockerReadOnly,
  dockerNoPrivileged,
  dockerCapsDropAll,
  dockerNoNewPrivileges,
  dockerResourceLimits,
  dockerPidsLimit,
  dockerRestartPolicy,
  dockerHealthcheck,
  dockerHostNamespaces,
  dockerNoRuntimeSocket,
  dockerPrivilegedPorts,
  dockerImagePinned,
  dockerInternalNetworks,
  dockerNoSecretEnv,
];
