// Network: NetworkPolicy coverage (default deny, a policy per workload, no dangling policies),
// Service and Ingress exposure and wiring, TLS and exact hosts, the zone segmentation of the
// data tier (the Kyverno, Polaris, kube-score and Checkov network rows, plus the source design's
// zones), and what defeats segmentation: rules that admit everything, and Services, Endpoints or
// egress rules that lead to the node's metadata server.
// One file per concept; this module lists the domain's policies in the order the analyzer runs
// them.
import type { Policies } from "@pulumi/policy";
import { netpolNoAllowAllPeers } from "./allow-all-peers";
import { defaultDeny, netpolNotDangling, netpolPerPod } from "./coverage";
import { ingressNoWildcardHosts, ingressTargetsService, ingressTls } from "./ingress";
import { netpolNoMetadataEgress, noMetadataTargets } from "./metadata-endpoints";
import { serviceExposure, serviceTargetsPod } from "./services";
import { dataTierIsolation } from "./zone-isolation";

export * from "./coverage";
export * from "./services";
export * from "./ingress";
export * from "./zone-isolation";
export * from "./metadata-endpoints";
export * from "./allow-all-peers";

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
