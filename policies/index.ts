// The policy pack the Pulumi CLI loads (`pulumi preview --policy-pack policies`). It only starts
// the pack: the policies are data in ./pack.ts, so tests and tools import them without starting
// the policy server.
import { PolicyPack } from "@pulumi/policy";
import { packName, policies } from "./pack";

new PolicyPack(packName, { policies, enforcementLevel: "mandatory" });
