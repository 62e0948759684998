// The RBAC check of the cluster phase: what each ServiceAccount may do, as the API server computes
// it (`kubectl auth can-i`), against the Roles and ClusterRoles the program binds to it.
import {
  grantedRules,
  normalizedRule,
  rightsBeyond,
  rulesOf,
} from "../../tools/e2e/cluster-checks";
import { readFileSync } from "node:fs";
import { policyOf } from "../../tools/e2e/project";
import { namespacesOf, type DeployedStack } from "./cluster-stack";

/** What no ServiceAccount of the program may do anywhere: read Secrets, start or change workloads. */
const forbidden = [
  ["get", "secrets"],
  ["create", "pods"],
  ["delete", "pods"],
  ["patch", "deployments.apps"],
];

interface Binding {
  readonly kind: string;
  readonly roleRef?: { readonly name?: string };
  readonly subjects?: readonly { kind: string; name: string; namespace?: string }[];
}

interface Account {
  readonly namespace: string;
  readonly name: string;
}

const identityOf = (account: Account) =>
  `system:serviceaccount:${account.namespace}:${account.name}`;

/** The ClusterRoles the stack's policy config exempts from rbac-least-privilege, by name. */
function exemptClusterRoles(deployed: DeployedStack): Set<string> {
  const [file] = policyOf(deployed.cluster.project(), deployed.name).policyPackConfigs;
  const config = JSON.parse(readFileSync(file, "utf8")) as Record<
    string,
    { exemptions?: { kind: string; name: string }[] }
  >;
  return new Set(
    (config["rbac-least-privilege"]?.exemptions ?? [])
      .filter((exemption) => exemption.kind === "ClusterRole")
      .map((exemption) => exemption.name),
  );
}

/**
 * Each ServiceAccount has exactly the rights the program grants it, and none of the forbidden
 * (but the accounts of an operator whose ClusterRole the policy config exempts).
 */
export function serviceAccountRightsAreGranted(deployed: DeployedStack): void {
  const { kubectl } = deployed.cluster.controlPlane();
  const namespaces = namespacesOf(deployed);
  const serviceAccounts = deployed.declared
    .filter(({ manifest }) => manifest.kind === "ServiceAccount")
    .map(({ manifest }) => ({
      namespace: manifest.metadata.namespace!,
      name: manifest.metadata.name,
    }));
  expect(serviceAccounts.length).toBeGreaterThan(0);
  const canI = (identity: string, target: string) => {
    const result = kubectl(["auth", "can-i", "--list", "--namespace", target, `--as=${identity}`]);
    if (result.code !== 0) throw new Error(`kubectl auth can-i: ${result.output}`);
    return rulesOf(result.output).map(normalizedRule);
  };
  const problems: string[] = [];
  let granted = 0;
  for (const target of namespaces) {
    // An identity nothing is bound to: what every ServiceAccount may do anyway.
    const baseline = canI(`system:serviceaccount:${target}:e2e-unbound-${process.pid}`, target);
    const defaults = namespaces.map((namespace) => ({ namespace, name: "default" }));
    for (const account of [...serviceAccounts, ...defaults]) {
      const rights = rightsBeyond(baseline, canI(identityOf(account), target));
      const expected = grantedRules(deployed.declared, account, target);
      granted += expected.length;
      const where = `${account.namespace}/${account.name} in ${target}`;
      problems.push(
        ...rights
          .filter((right) => !expected.includes(right))
          .map((rule) => `${where}: ungranted ${rule}`),
        ...expected
          .filter((grant) => !rights.includes(grant))
          .map((rule) => `${where}: granted but missing ${rule}`),
      );
    }
  }
  // An operator the stack installs (CloudNativePG's) manages pods and Secrets by design: its
  // ClusterRole is a declared exemption of the stack's policy config, with its reason.
  const exempted = exemptClusterRoles(deployed);
  const exemptBindings = deployed.declared
    .map(({ manifest }) => manifest as Binding)
    .filter(
      (binding) =>
        binding.kind === "ClusterRoleBinding" && exempted.has(binding.roleRef?.name ?? ""),
    );
  const operators = serviceAccounts.filter((account) =>
    exemptBindings.some((binding) =>
      (binding.subjects ?? []).some(
        (subject) =>
          subject.kind === "ServiceAccount" &&
          subject.name === account.name &&
          subject.namespace === account.namespace,
      ),
    ),
  );
  for (const account of serviceAccounts.filter((candidate) => !operators.includes(candidate))) {
    for (const [verb, resource] of forbidden) {
      const answer = kubectl([
        "auth",
        "can-i",
        verb,
        resource,
        "--all-namespaces",
        `--as=${identityOf(account)}`,
      ]);
      if (answer.output.trim() !== "no")
        problems.push(`${identityOf(account)} can ${verb} ${resource}`);
    }
  }
  expect(problems).toEqual([]);
  // Without a grant, the API readers' Roles were not checked.
  expect(granted).toBeGreaterThan(0);
}
