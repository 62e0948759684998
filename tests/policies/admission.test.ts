import {
  admissionPolicies,
  admissionWebhookFailClosed,
  admissionWebhookNarrowScope,
} from "../../policies/admission";
import { checkedKubernetesTypes } from "../../policies/lib/kubernetes";
import { mutatingWebhooks, validatingWebhooks } from "./fixtures/admission";
import { messagesOf } from "./support";

const narrow = "list the exact apiGroups, resources and operations it needs";
const unchecked =
  "so these are admitted unchecked whenever the webhook is unreachable; set failurePolicy: Fail";

describe("the admission module", () => {
  test("every policy is mandatory, with remediation and config defaults", () => {
    expect(admissionPolicies.map((policy) => policy.name)).toEqual([
      "admission-webhook-narrow-scope",
      "admission-webhook-fail-closed",
    ]);
    for (const policy of admissionPolicies) {
      expect(policy.enforcementLevel).toBe("mandatory");
      expect(policy.remediationSteps).toBeTruthy();
      for (const schema of Object.values(policy.configSchema?.properties ?? {})) {
        expect(schema.default).toBeDefined();
      }
    }
  });

  test("the compliant webhook configurations pass every policy", async () => {
    for (const policy of admissionPolicies) {
      const objects = [validatingWebhooks(), mutatingWebhooks()];
      expect({ policy: policy.name, messages: await messagesOf(policy, objects) }).toEqual({
        policy: policy.name,
        messages: [],
      });
    }
  });
});

describe("admission-webhook-narrow-scope", () => {
  test('"*" in apiGroups, resources or operations is reported, "*/*" included', async () => {
    const everything = mutatingWebhooks();
    everything.webhooks[0].rules = [
      { apiGroups: ["*"], apiVersions: ["*"], resources: ["*/*"], operations: ["*"] },
    ];
    expect(await messagesOf(admissionWebhookNarrowScope, [everything])).toEqual([
      'MutatingWebhookConfiguration toolboxai-labeller: webhooks[0] "configmaps.labeller.toolboxai.io" ' +
        'rules[0] matches apiGroups "*" (every API group), resources "*/*" (every resource), ' +
        `operations "*" (every operation); ${narrow}`,
    ]);
  });

  test("each wildcard alone is reported, in the rule that has it", async () => {
    const configuration = validatingWebhooks();
    const [pods, deployments] = configuration.webhooks[0].rules;
    pods.operations = ["*"];
    deployments.resources = ["*/scale"];
    const groups = validatingWebhooks();
    groups.metadata.name = "groups";
    groups.webhooks[0].rules[1].apiGroups = ["*"];
    expect(await messagesOf(admissionWebhookNarrowScope, [configuration, groups])).toEqual([
      'ValidatingWebhookConfiguration toolboxai-guard: webhooks[0] "pods.guard.toolboxai.io" ' +
        `rules[0] matches operations "*" (every operation); ${narrow}`,
      'ValidatingWebhookConfiguration toolboxai-guard: webhooks[0] "pods.guard.toolboxai.io" ' +
        `rules[1] matches resources "*/scale" (every resource); ${narrow}`,
      'ValidatingWebhookConfiguration groups: webhooks[0] "pods.guard.toolboxai.io" rules[1] ' +
        `matches apiGroups "*" (every API group); ${narrow}`,
    ]);
  });
});

test("list fields set to anything but a list are reported by both rules, not read as empty", async () => {
  const rules = validatingWebhooks();
  rules.webhooks[0].rules[0].resources = "*";
  rules.webhooks[0].failurePolicy = "Ignore";
  const webhooks = mutatingWebhooks();
  webhooks.webhooks = { name: "everything" };
  const expected = [
    'ValidatingWebhookConfiguration toolboxai-guard: webhooks[0] "pods.guard.toolboxai.io".rules[0].resources ' +
      "is a string (1 character); it must be a list",
    "MutatingWebhookConfiguration toolboxai-labeller: webhooks is a mapping (keys: name); it must be a list",
  ];
  for (const policy of [admissionWebhookNarrowScope, admissionWebhookFailClosed]) {
    expect({ policy: policy.name, messages: await messagesOf(policy, [rules, webhooks]) }).toEqual({
      policy: policy.name,
      messages: expected,
    });
  }
});

describe("admission-webhook-fail-closed", () => {
  test("failurePolicy Ignore on pods (a subresource counts) is reported", async () => {
    const configuration = validatingWebhooks();
    configuration.webhooks[0].failurePolicy = "Ignore";
    configuration.webhooks[0].rules[0].resources = ["pods/exec"];
    expect(await messagesOf(admissionWebhookFailClosed, [configuration])).toEqual([
      'ValidatingWebhookConfiguration toolboxai-guard: webhooks[0] "pods.guard.toolboxai.io" ' +
        `has failurePolicy "Ignore" on pods, ${unchecked}`,
    ]);
  });

  test("failurePolicy Ignore on RBAC and webhook configurations is reported, wildcards included", async () => {
    const rbac = mutatingWebhooks();
    rbac.webhooks[0].rules = [
      {
        apiGroups: ["rbac.authorization.k8s.io"],
        apiVersions: ["v1"],
        resources: ["clusterrolebindings"],
        operations: ["CREATE"],
      },
    ];
    const webhooks = mutatingWebhooks();
    webhooks.metadata.name = "webhooks";
    webhooks.webhooks[0].rules[0].apiGroups = ["admissionregistration.k8s.io"];
    webhooks.webhooks[0].rules[0].resources = ["*"];
    expect(await messagesOf(admissionWebhookFailClosed, [rbac, webhooks])).toEqual([
      'MutatingWebhookConfiguration toolboxai-labeller: webhooks[0] "configmaps.labeller.toolboxai.io" ' +
        `has failurePolicy "Ignore" on rbac.authorization.k8s.io/clusterrolebindings, ${unchecked}`,
      'MutatingWebhookConfiguration webhooks: webhooks[0] "configmaps.labeller.toolboxai.io" ' +
        'has failurePolicy "Ignore" on admissionregistration.k8s.io/validatingwebhookconfigurations, ' +
        `admissionregistration.k8s.io/mutatingwebhookconfigurations, ${unchecked}`,
    ]);
  });

  test("a failurePolicy other than Fail is not taken for Fail", async () => {
    const configuration = validatingWebhooks();
    configuration.webhooks[0].failurePolicy = "fail";
    expect(await messagesOf(admissionWebhookFailClosed, [configuration])).toEqual([
      'ValidatingWebhookConfiguration toolboxai-guard: webhooks[0] "pods.guard.toolboxai.io" ' +
        `has failurePolicy "fail" on pods, ${unchecked}`,
    ]);
  });

  test("the unset failurePolicy is Fail", async () => {
    const configuration = validatingWebhooks();
    delete configuration.webhooks[0].failurePolicy;
    expect(await messagesOf(admissionWebhookFailClosed, [configuration])).toEqual([]);
  });
});

test("the runner reads webhook configurations (they are not called unmodelled)", () => {
  expect(checkedKubernetesTypes).toContain(
    "kubernetes:admissionregistration.k8s.io/v1:ValidatingWebhookConfiguration",
  );
  expect(checkedKubernetesTypes).toContain(
    "kubernetes:admissionregistration.k8s.io/v1:MutatingWebhookConfiguration",
  );
});
