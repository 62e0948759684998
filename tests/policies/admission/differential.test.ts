// The admission differential, offline: every rule with an admission form judges each case the
// way the pack does. Compliant objects are admitted by both; each one-defect mutation is refused
// by both, the policy's message naming the rule and what the pack's names; an object the stack
// exempts is not judged; an object a controller made for an owner is judged at the owner.
import { policies } from "../../../policies/pack";
import {
  admissionPolicyOf,
  type StackPolicyConfig,
} from "../../../policies/lib/admission-policies";
import type { AdmissionForm } from "../../../policies/lib/admission-form";
import type { PackResourcePolicy } from "../../../policies/lib/define";
import { judge } from "../../support/admission-cel";
import { messagesOf } from "../support";
import { allowedByRule, compliantFor, defectsByRule, settingsByRule } from "./cases";

/* eslint-disable @typescript-eslint/no-explicit-any -- manifests are untyped JSON */

const withAdmission = (policies as PackResourcePolicy[]).filter(
  (policy): policy is PackResourcePolicy & { admission: AdmissionForm } =>
    policy.admission !== undefined,
);
const options = { namespaces: ["toolboxai"], namePrefix: "toolboxai-" };
/** The stack config a rule's cases are judged under: its settings, if it needs any. */
const configFor = (rule: string): StackPolicyConfig =>
  settingsByRule[rule] ? { [rule]: settingsByRule[rule] } : {};
const policyFor = (
  rule: PackResourcePolicy & { admission: AdmissionForm },
  config = configFor(rule.name),
) => admissionPolicyOf(rule, config, options)[0];

test("the rules with an admission form are the ones the cases cover", () => {
  expect(withAdmission.map((policy) => policy.name).sort()).toEqual(
    Object.keys(defectsByRule).sort(),
  );
});

describe.each(withAdmission.map((policy) => [policy.name, policy] as const))("%s", (_, rule) => {
  const policy = policyFor(rule);

  test.each(
    [...compliantFor(rule.name), ...allowedByRule[rule.name]].map((c) => [c.name, c.object]),
  )("admits %s, as the pack does", async (_name, object) => {
    expect(await messagesOf(rule, [object], configFor(rule.name) as any)).toEqual([]);
    expect(judge(policy, object)).toEqual({ judged: true, messages: [] });
  });

  test.each(defectsByRule[rule.name].map((c) => [c.name, c.object]))(
    "refuses %s, as the pack does, with the pack's words",
    async (_name, object) => {
      const packMessages = await messagesOf(rule, [object], configFor(rule.name) as any);
      expect(packMessages.length).toBeGreaterThan(0);
      const verdict = judge(policy, object);
      if (!verdict.judged) throw new Error(`not judged: ${verdict.condition}`);
      expect(verdict.messages.length).toBeGreaterThan(0);
      for (const message of verdict.messages) {
        expect(message.startsWith(`${rule.name}: `)).toBe(true);
        // The pack's message, less its `Kind namespace/name: ` prefix, holds the policy's words.
        const words = message.slice(`${rule.name}: `.length);
        expect(packMessages.some((packMessage) => packMessage.endsWith(words))).toBe(true);
      }
    },
  );

  test("an object the stack exempts is not judged, as the pack reports it exempted", async () => {
    const [defect] = defectsByRule[rule.name];
    const { kind, metadata } = defect.object;
    const config: StackPolicyConfig = {
      [rule.name]: {
        ...settingsByRule[rule.name],
        exemptions: [
          {
            kind,
            namespace: metadata.namespace,
            name: metadata.name,
            reason: "a unit test's exemption",
          },
        ],
      },
    };
    expect(await messagesOf(rule, [defect.object], config as any)).toEqual([]);
    expect(judge(policyFor(rule, config), defect.object)).toEqual({
      judged: false,
      condition: "not-exempted",
    });
    // Another name in the same namespace is still judged.
    const other = { ...defect.object, metadata: { ...metadata, name: `${metadata.name}-other` } };
    expect(judge(policyFor(rule, config), other)).toMatchObject({ judged: true });
  });

  // The rules over pods only: a Service has no owner to be judged at.
  if (rule.admission.judgedAtOwner)
    test("what a controller made for an owner is judged at the owner; a claimed owner is not trusted", () => {
      const [defect] = defectsByRule[rule.name];
      const owned = {
        ...defect.object,
        metadata: {
          ...defect.object.metadata,
          ownerReferences: [{ apiVersion: "apps/v1", kind: "Deployment", name: "api", uid: "1" }],
        },
      };
      const controller = "system:serviceaccount:kube-system:replicaset-controller";
      expect(judge(policy, owned, controller)).toEqual({
        judged: false,
        condition: "judged-at-its-owner",
      });
      expect(judge(policy, owned, "system:kube-controller-manager")).toMatchObject({
        judged: false,
      });
      // Anyone else may write ownerReferences: the object is judged.
      expect(judge(policy, owned)).toMatchObject({ judged: true });
      expect(judge(policy, owned, "system:serviceaccount:toolboxai:backend")).toMatchObject({
        judged: true,
      });
    });
});

test("secrets-as-files reads a path not in normal form as outside /run/secrets at admission", async () => {
  // CEL cannot resolve `.` and `..`: the policy refuses what the pack, which normalizes, admits.
  const rule = withAdmission.find((policy) => policy.name === "secrets-as-files")!;
  const [compliant] = compliantFor(rule.name);
  const object = structuredClone(compliant.object);
  const spec = object.spec.template.spec;
  spec.volumes.push({ name: "creds", secret: { secretName: "creds" } });
  spec.containers[0].volumeMounts.push({
    name: "creds",
    mountPath: "/run/secrets/./creds",
    readOnly: true,
  });
  expect(await messagesOf(rule, [object])).toEqual([]);
  expect(judge(policyFor(rule), object)).toEqual({
    judged: true,
    messages: [
      'secrets-as-files: container "api" mounts secret volume "creds" at /run/secrets/./creds; ' +
        "mount secrets under /run/secrets/ only",
    ],
  });
});
