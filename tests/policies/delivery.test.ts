import {
  argocdAutomatedSync,
  argocdProjectScope,
  deliveryCredentialsByReference,
  deliveryDriftCorrection,
  deliveryNoDestroyOnFinalize,
  deliveryPolicies,
} from "../../policies/delivery";
import { application, appProject, operatorStack } from "./fixtures/delivery";
import { fakeSecrets } from "./fixtures/secrets";
import { messagesOf } from "./support";

const stackRef = "Stack toolboxai-delivery/toolboxai-production:";
const appRef = "Application argocd/toolboxai-staging:";

test("every delivery rule is mandatory by default, and passes the compliant objects", async () => {
  expect(deliveryPolicies.map((policy) => [policy.name, policy.enforcementLevel])).toEqual([
    ["delivery-no-destroy-on-finalize", "mandatory"],
    ["delivery-drift-correction", "mandatory"],
    ["delivery-credentials-by-reference", "mandatory"],
    ["argocd-project-scope", "mandatory"],
    ["argocd-automated-sync", "mandatory"],
  ]);
  for (const policy of deliveryPolicies) {
    expect(await messagesOf(policy, [operatorStack(), appProject(), application()])).toEqual([]);
  }
});

test("delivery-no-destroy-on-finalize", async () => {
  const stack = operatorStack();
  stack.spec.destroyOnFinalize = true;
  expect(await messagesOf(deliveryNoDestroyOnFinalize, [stack])).toEqual([
    `${stackRef} destroyOnFinalize is true: deleting this object would destroy the whole stack`,
  ]);
});

test("delivery-drift-correction", async () => {
  const stack = operatorStack();
  delete stack.spec.refresh;
  stack.spec.continueResyncOnCommitMatch = false;
  stack.spec.resyncFrequencySeconds = 7200;
  expect(await messagesOf(deliveryDriftCorrection, [stack])).toEqual([
    `${stackRef} refresh is not true: an update would not see what changed in the cluster`,
    `${stackRef} continueResyncOnCommitMatch is not true: without a new commit, drift stays uncorrected`,
    `${stackRef} resyncFrequencySeconds is 7200; expected 1 to 3600`,
  ]);
  // The maximum is a setting.
  expect(
    await messagesOf(deliveryDriftCorrection, [{ ...operatorStack() }], {
      "delivery-drift-correction": { maxResyncMinutes: 5 },
    }),
  ).toEqual([`${stackRef} resyncFrequencySeconds is 600; expected 1 to 300`]);
});

test("delivery-credentials-by-reference", async () => {
  const stack = operatorStack();
  stack.spec.envRefs.PULUMI_CONFIG_PASSPHRASE = { type: "Literal", literal: { value: "hunter2" } };
  stack.spec.envRefs.PULUMI_LOG_LEVEL = { type: "Literal", literal: { value: "3" } };
  stack.spec.secrets = { "toolboxai:postgresPassword": "correct-horse-battery" };
  expect(await messagesOf(deliveryCredentialsByReference, [stack])).toEqual([
    `${stackRef} envRefs.PULUMI_CONFIG_PASSPHRASE is of type Literal; a credential must come from a Secret (type: Secret)`,
    `${stackRef} spec.secrets holds toolboxai:postgresPassword inline; use the stack's encrypted config or secretsRef`,
  ]);
});

describe("delivery-credentials-by-reference: repository URLs", () => {
  const token = fakeSecrets.githubToken;
  const byReference = "write it without user-info and give the token through a Secret";

  test("a Stack's projectRepo with a token in it, as v1 or v1alpha1", async () => {
    const stack = operatorStack();
    stack.spec.projectRepo = `https://deploy:${token}@github.com/toolboxai/infrastructure.git`;
    const older = { ...operatorStack(), apiVersion: "pulumi.com/v1alpha1" };
    older.spec.projectRepo = `https://${token}@github.com/toolboxai/infrastructure.git`;
    const messages = await messagesOf(deliveryCredentialsByReference, [stack, older]);
    expect(messages).toEqual([
      `${stackRef} spec.projectRepo carries credentials in a URL (https://***@github.com); ` +
        byReference,
      `${stackRef} spec.projectRepo carries credentials in a URL (https://***@github.com); ` +
        byReference,
    ]);
    expect(messages.join("")).not.toContain(token.slice(0, 8));
  });
  test("an Application's sources and an AppProject's sourceRepos", async () => {
    const app = application();
    app.spec.sources = [
      { repoURL: "https://github.com/toolboxai/charts.git" },
      { repoURL: `https://x-access-token:${token}@github.com/toolboxai/values.git` },
    ];
    const project = appProject();
    project.spec.sourceRepos.push(`git+https://ci:${token}@gitlab.example:8443/org/repo.git`);
    expect(await messagesOf(deliveryCredentialsByReference, [app, project])).toEqual([
      `${appRef} spec.sources[1].repoURL carries credentials in a URL ` +
        `(https://***@github.com); ${byReference}`,
      "AppProject argocd/toolboxai-staging: spec.sourceRepos[1] carries credentials in a URL " +
        `(git+https://***@gitlab.example:8443); ${byReference}`,
    ]);
  });
  test("SSH user names are not credentials", async () => {
    const app = application();
    app.spec.source.repoURL = "ssh://git@github.com/toolboxai/infrastructure.git";
    const project = appProject();
    project.spec.sourceRepos = ["git@github.com:toolboxai/infrastructure.git"];
    expect(await messagesOf(deliveryCredentialsByReference, [app, project])).toEqual([]);
  });
});

test("the Stack rules judge a v1alpha1 Stack too (the operator serves both versions)", async () => {
  const stack = { ...operatorStack(), apiVersion: "pulumi.com/v1alpha1" };
  stack.spec.destroyOnFinalize = true;
  expect(await messagesOf(deliveryNoDestroyOnFinalize, [stack])).toEqual([
    `${stackRef} destroyOnFinalize is true: deleting this object would destroy the whole stack`,
  ]);
});

describe("argocd-project-scope", () => {
  test("the default project is refused", async () => {
    const app = application();
    app.spec.project = "default";
    expect(await messagesOf(argocdProjectScope, [appProject(), app])).toEqual([
      `${appRef} is in the default project, which admits every repository and destination`,
    ]);
    delete app.spec.project;
    expect((await messagesOf(argocdProjectScope, [appProject(), app])).length).toBe(1);
  });
  test("a namespace outside the project's destinations, or a project not in the stack", async () => {
    const app = application();
    app.spec.destination.namespace = "kube-system";
    expect(await messagesOf(argocdProjectScope, [appProject(), app])).toEqual([
      `${appRef} deploys to namespace kube-system, which its project toolboxai-staging does not admit`,
    ]);
    // A glob destination admits what it matches.
    app.spec.destination.namespace = "toolboxai-staging-monitoring";
    expect(await messagesOf(argocdProjectScope, [appProject(), app])).toEqual([]);
    // Stars anywhere, and many of them: as `.*` each in a regular expression, 12 stars took
    // months (nine times as long per star).
    const project = appProject();
    const many = (ending: string) => `${"*a".repeat(12)}*${ending}`;
    const monitoring = "toolboxai-staging-monitoring";
    for (const [pattern, namespace, admitted] of [
      [many("b"), "a".repeat(63), false],
      [many(""), "a".repeat(63), true],
      ["a*a", "a", false],
      ["*-staging-*", monitoring, true],
      ["toolboxai*monitoring", monitoring, true],
      [`${monitoring}*`, monitoring, true],
      ["*monitoring-*", monitoring, false],
    ] as const) {
      project.spec.destinations = [
        { server: "https://kubernetes.default.svc", namespace: pattern },
      ];
      app.spec.destination.namespace = namespace;
      const messages = await messagesOf(argocdProjectScope, [project, app]);
      const judged = { pattern, admitted: !messages.some((message) => message.startsWith(appRef)) };
      expect(judged).toEqual({ pattern, admitted });
    }
    expect(await messagesOf(argocdProjectScope, [application()])).toEqual([
      `${appRef} names project toolboxai-staging, which is not an AppProject of the stack`,
    ]);
  });
  test("a project with wildcard repositories or namespaces", async () => {
    const project = appProject();
    project.spec.sourceRepos = ["*"];
    project.spec.destinations.push({ server: "*", namespace: "*" });
    expect(await messagesOf(argocdProjectScope, [project, application()])).toEqual([
      "AppProject argocd/toolboxai-staging: admits everything through *, destinations namespace *; list them exactly",
    ]);
  });
  test("a project that admits every kind", async () => {
    const project = appProject();
    project.spec.clusterResourceWhitelist = [{ group: "*", kind: "*" }];
    project.spec.namespaceResourceWhitelist.push({ group: "apps", kind: "*" });
    expect(await messagesOf(argocdProjectScope, [project, application()])).toEqual([
      "AppProject argocd/toolboxai-staging: admits everything through clusterResourceWhitelist */*, namespaceResourceWhitelist apps/*; list them exactly",
    ]);
    delete project.spec.clusterResourceWhitelist;
    delete project.spec.namespaceResourceWhitelist;
    expect(await messagesOf(argocdProjectScope, [project, application()])).toEqual([
      "AppProject argocd/toolboxai-staging: lists no namespaceResourceWhitelist, so it admits every namespaced kind",
    ]);
  });
});

test("argocd-automated-sync", async () => {
  const app = application();
  app.spec.syncPolicy = { automated: { prune: true } };
  expect(await messagesOf(argocdAutomatedSync, [app])).toEqual([
    `${appRef} syncPolicy.automated does not prune and self-heal: drift stays uncorrected`,
    `${appRef} syncPolicy.retry has no limit of at least 1 with a backoff`,
  ]);
});
