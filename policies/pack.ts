// Every policy of the pack, in the order the analyzer runs them. One module per domain; the
// exemptions report comes last so that it sees every exemption the others used.
import type { Policies } from "@pulumi/policy";
import { admissionPolicies } from "./admission";
import { availabilityPolicies } from "./availability";
import { backupPolicies } from "./backups";
import { deliveryPolicies } from "./delivery";
import { dockerPolicies } from "./docker";
import { healthPolicies } from "./health";
import { hygienePolicies } from "./hygiene";
import { imagePolicies } from "./images";
import { exemptionsInUse } from "./lib/exemptions";
import { networkPolicies } from "./network";
import { rbacPolicies } from "./rbac";
import { resourcePolicies } from "./resources";
import { secretPolicies } from "./secrets";
import { securityPolicies } from "./security";

export const packName = "toolboxai-policies";

/** The policies of each domain module (policies/<domain>.ts), in the order the analyzer runs them. */
export const policyDomains = {
  security: securityPolicies,
  images: imagePolicies,
  resources: resourcePolicies,
  health: healthPolicies,
  hygiene: hygienePolicies,
  availability: availabilityPolicies,
  network: networkPolicies,
  secrets: secretPolicies,
  backups: backupPolicies,
  delivery: deliveryPolicies,
  docker: dockerPolicies,
  rbac: rbacPolicies,
  admission: admissionPolicies,
} as const satisfies Record<string, Policies>;

export const policies: Policies = [...Object.values(policyDomains).flat(), exemptionsInUse];
