// Every policy of the pack, in the order the analyzer runs them. One module per domain; the
// exemptions report comes last so that it sees every exemption the others used.
import type { Policies } from "@pulumi/policy";
import { exemptionsInUse } from "./lib/exemptions";
import { securityPolicies } from "./security";

export const packName = "toolboxai-policies";

export const policies: Policies = [...securityPolicies, exemptionsInUse];
