// Pod Security admission: namespace-pod-security.
import { exemptionsInUse } from "../../../policies/lib/exemptions";
import { runPolicies } from "../../../policies/runner";
import { namespacePodSecurity } from "../../../policies/security/pod-security-admission";
import { compliantNamespace, compliantWorkloads } from "../fixtures/security";
import { messagesOf, resourceOf } from "../support";

describe("namespace-pod-security", () => {
  const withLevel = (level: unknown) => {
    const namespace = compliantNamespace("apps");
    namespace.metadata.labels["pod-security.kubernetes.io/enforce"] = level;
    return namespace;
  };

  test("the compliant fixtures pass: restricted is enforced", async () => {
    expect(
      await messagesOf(namespacePodSecurity, [compliantNamespace(), ...compliantWorkloads()]),
    ).toEqual([]);
  });
  test("privileged, baseline, a missing label and an unknown level are reported", async () => {
    const unlabelled = compliantNamespace("bare");
    delete unlabelled.metadata.labels;
    expect(
      await messagesOf(namespacePodSecurity, [
        withLevel("privileged"),
        withLevel("baseline"),
        withLevel("Restricted"),
        unlabelled,
      ]),
    ).toEqual([
      'Namespace apps: pod-security.kubernetes.io/enforce is "privileged"; allowed: restricted; set it to restricted',
      'Namespace apps: pod-security.kubernetes.io/enforce is "baseline"; allowed: restricted; set it to restricted',
      'Namespace apps: pod-security.kubernetes.io/enforce is "Restricted", which is not a Pod Security level (privileged, baseline, restricted); set it to restricted',
      "Namespace bare: has no pod-security.kubernetes.io/enforce label, so Pod Security admits any pod there (unless the cluster sets a default); set it to restricted",
    ]);
  });
  test("the allowed levels are configurable, and a node agent's namespace is exempted by name", async () => {
    const config = { "namespace-pod-security": { allowedLevels: ["restricted", "baseline"] } };
    expect(await messagesOf(namespacePodSecurity, [withLevel("baseline")], config)).toEqual([]);
    const exemptions = [
      { kind: "Namespace", name: "apps", reason: "node-exporter needs the host's namespaces." },
    ];
    const findings = await runPolicies(
      [namespacePodSecurity, exemptionsInUse],
      [resourceOf(withLevel("privileged"))],
      { config: { "namespace-pod-security": { exemptions } } },
    );
    expect(findings.map((finding) => `${finding.policy}: ${finding.message}`)).toEqual([
      "policy-exemptions-in-use: Namespace apps is exempted from namespace-pod-security: " +
        "node-exporter needs the host's namespaces.",
    ]);
  });
});
