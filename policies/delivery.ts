// Continuous delivery: the Pulumi Kubernetes Operator's Stack objects and Argo CD's Applications
// (components/delivery). A Stack must never destroy its environment when deleted, must correct
// drift, and must take its credentials from Secrets; an Application must belong to a project of
// its own whose destinations admit where it deploys (Argo CD's guidance: the `default` project
// admits everything), and sync automatically with prune, self-heal and bounded retries.
import type { Policies, PolicyResource } from "@pulumi/policy";
import { resourceRule, stackRule, type StackFinding } from "./lib/define";
import { urlUserInfos, type UrlUserInfo } from "./lib/secret-scan";

/* eslint-disable @typescript-eslint/no-explicit-any -- policy props are untyped JSON */

const applicationType = "kubernetes:argoproj.io/v1alpha1:Application";
const projectType = "kubernetes:argoproj.io/v1alpha1:AppProject";

/** Is `type` the kind in this API group, whatever version it is sent as? */
function isKind(type: string, group: string, kind: string): boolean {
  const [provider, apiVersion = "", name] = type.split(":");
  return provider === "kubernetes" && apiVersion.startsWith(`${group}/`) && name === kind;
}

/** A Pulumi Kubernetes Operator Stack: v1 and v1alpha1 are both served. */
const isStack = (type: string) => isKind(type, "pulumi.com", "Stack");

/** The kinds that name a repository: the operator's Stack and Workspace, Argo CD's. */
function declaresRepositories(type: string): boolean {
  return (
    isStack(type) ||
    isKind(type, "auto.pulumi.com", "Workspace") ||
    ["Application", "ApplicationSet", "AppProject"].some((kind) =>
      isKind(type, "argoproj.io", kind),
    )
  );
}

/** Every string under `value` with its path (`spec.source.repoURL`), walked without recursion. */
function* stringsOf(value: unknown, path: string): Generator<[string, string]> {
  const stack: [string, unknown][] = [[path, value]];
  while (stack.length > 0) {
    const [at, item] = stack.pop()!;
    if (typeof item === "string") yield [at, item];
    else if (Array.isArray(item)) {
      for (let index = item.length - 1; index >= 0; index--) {
        stack.push([`${at}[${index}]`, item[index]]);
      }
    } else if (item !== null && typeof item === "object") {
      for (const [key, child] of Object.entries(item).reverse())
        stack.push([`${at}.${key}`, child]);
    }
  }
}

/**
 * Credentials in a URL: a password in any scheme, or any user-info over HTTP(S), where a token
 * goes as the user name (`https://<token>@github.com`). `ssh://git@host` names the SSH user only.
 */
function carriesCredentials(info: UrlUserInfo): boolean {
  return Boolean(info.password) || (info.user !== "" && /^(?:git\+)?https?$/.test(info.scheme));
}

export const deliveryNoDestroyOnFinalize = resourceRule({
  name: "delivery-no-destroy-on-finalize",
  description:
    "A Pulumi Kubernetes Operator Stack does not destroy its stack when the Stack object is " +
    "deleted (destroyOnFinalize): deleting the object stops delivery, never the environment.",
  severity: "critical",
  enforcementLevel: "mandatory",
  packOnly:
    "It judges the operator's Stack, in the delivery namespace, which admission policies never judge (so that they cannot stop delivery).",
  remediationSteps:
    "Set `destroyOnFinalize: false` (or leave it out). To remove an environment, run `pulumi " +
    "destroy` on purpose, with its protected data lifted first (docs/DEPLOYMENT.md, " +
    '"Protected data").',
  appliesTo: isStack,
  check: (stack) =>
    stack.props?.spec?.destroyOnFinalize === true
      ? ["destroyOnFinalize is true: deleting this object would destroy the whole stack"]
      : [],
});

export const deliveryDriftCorrection = resourceRule({
  name: "delivery-drift-correction",
  description:
    "A Pulumi Kubernetes Operator Stack corrects drift: it refreshes before updating, keeps " +
    "resyncing when the commit has not changed, at least every maxResyncMinutes.",
  severity: "medium",
  enforcementLevel: "mandatory",
  packOnly:
    "It judges the operator's Stack, in the delivery namespace, which admission policies never judge (so that they cannot stop delivery).",
  config: {
    maxResyncMinutes: {
      type: "integer",
      minimum: 1,
      default: 60,
      description: "The longest a changed resource may stay changed before the operator resyncs.",
    },
  },
  remediationSteps:
    "Set `refresh: true`, `continueResyncOnCommitMatch: true` and `resyncFrequencySeconds` at " +
    "most the configured maximum (the delivery setting resyncMinutes).",
  appliesTo: isStack,
  check: (stack, config) => {
    const spec = stack.props?.spec ?? {};
    const maxSeconds = Number(config.maxResyncMinutes) * 60;
    const messages: string[] = [];
    if (spec.refresh !== true) {
      messages.push("refresh is not true: an update would not see what changed in the cluster");
    }
    if (spec.continueResyncOnCommitMatch !== true) {
      messages.push(
        "continueResyncOnCommitMatch is not true: without a new commit, drift stays uncorrected",
      );
    }
    const resync = Number(spec.resyncFrequencySeconds);
    if (!(resync > 0 && resync <= maxSeconds)) {
      messages.push(
        `resyncFrequencySeconds is ${spec.resyncFrequencySeconds ?? "unset"}; expected 1 to ` +
          `${maxSeconds}`,
      );
    }
    return messages;
  },
});

/** Environment variables that carry a backend's or a cloud's credentials. */
const credentialName = /(TOKEN|PASSPHRASE|PASSWORD|SECRET|KEY)/i;

export const deliveryCredentialsByReference = resourceRule({
  name: "delivery-credentials-by-reference",
  description:
    "Delivery takes credentials (access tokens, passphrases, keys) from Kubernetes Secrets by " +
    "reference: a Pulumi Kubernetes Operator Stack has no literal value in envRefs and no " +
    "inline `secrets` config, and no repository URL of a Stack, Workspace or Argo CD " +
    "Application, ApplicationSet or AppProject (projectRepo, repoURL, sourceRepos, git url) " +
    "carries credentials in its user-info (no-literal-secret-env; secrets-as-files).",
  severity: "critical",
  enforcementLevel: "mandatory",
  packOnly:
    "It judges the operator's Stack, in the delivery namespace, which admission policies never judge (so that they cannot stop delivery).",
  remediationSteps:
    "Create the Secret outside the program (`kubectl create secret generic …`) and reference it: " +
    "`envRefs: {PULUMI_ACCESS_TOKEN: {type: Secret, secret: {name, key}}}`; keep secret config " +
    "in the stack's encrypted config, not in `spec.secrets`. Write repository URLs without " +
    "user-info (`https://github.com/org/repo.git`) and give the token through a Secret (the " +
    "Stack's `gitAuth`, an Argo CD repository Secret). Rotate any value that was inlined.",
  appliesTo: declaresRepositories,
  check: (object) => {
    const spec = object.props?.spec ?? {};
    const messages: string[] = [];
    if (isStack(object.type)) {
      for (const [name, ref] of Object.entries<any>(spec.envRefs ?? {})) {
        if (credentialName.test(name) && ref?.type !== "Secret") {
          messages.push(
            `envRefs.${name} is of type ${ref?.type ?? "unset"}; a credential must come from a ` +
              "Secret (type: Secret)",
          );
        }
      }
      if (spec.secrets && Object.keys(spec.secrets).length > 0) {
        messages.push(
          `spec.secrets holds ${Object.keys(spec.secrets).join(", ")} inline; use the stack's ` +
            "encrypted config or secretsRef",
        );
      }
    }
    for (const [path, text] of stringsOf(spec, "spec")) {
      const info = [...urlUserInfos(text)].find(carriesCredentials);
      if (info) {
        messages.push(
          `${path} carries credentials in a URL (${info.scheme}://***@${info.host}); write it ` +
            "without user-info and give the token through a Secret",
        );
      }
    }
    return messages;
  },
});

/**
 * Argo CD's glob: `*` matches any run of characters, anything else itself. The parts between
 * stars are found left to right (the leftmost place of each is the best), so the time is linear
 * in the value; `.*` per star as a regular expression took exponential time on a pattern of many.
 */
function globMatches(pattern: string, value: string): boolean {
  const parts = pattern.split("*");
  const first = parts[0];
  const last = parts[parts.length - 1];
  if (parts.length === 1) return pattern === value;
  const end = value.length - last.length;
  if (end < first.length || !value.startsWith(first) || !value.endsWith(last)) return false;
  let at = first.length;
  for (const part of parts.slice(1, -1)) {
    const found = value.indexOf(part, at);
    if (found < 0 || found + part.length > end) return false;
    at = found + part.length;
  }
  return true;
}

/** An AppProject's destinations admit a namespace when one names it, or a glob matching it. */
function admits(destinations: readonly any[], server: string, namespace: string): boolean {
  return destinations.some(
    (destination) =>
      globMatches(String(destination?.namespace ?? ""), namespace) &&
      (destination?.server === undefined || globMatches(String(destination.server), server)),
  );
}

export const argocdProjectScope = stackRule({
  name: "argocd-project-scope",
  description:
    "An Argo CD Application belongs to a project other than `default` (which admits every " +
    "repository and destination), declared in the stack, whose destinations admit the " +
    "Application's namespace, whose source repositories, destinations and kinds name no " +
    "wildcard, and which lists the namespaced kinds it admits (none listed admits them all).",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Give the Application `project: <an AppProject of the stack>`, and list in that project " +
    "the exact `sourceRepos` and `destinations` (server and namespace) it deploys to, and the " +
    "kinds it may sync in `namespaceResourceWhitelist` and `clusterResourceWhitelist`.",
  check: (resources: readonly PolicyResource[]) => {
    const projects = resources.filter((resource) => resource.type === projectType);
    const findings: StackFinding[] = [];
    for (const project of projects) {
      const spec = project.props?.spec ?? {};
      const wildcards = [
        ...(spec.sourceRepos ?? []).filter((repo: string) => repo === "*"),
        ...(spec.destinations ?? [])
          .filter((destination: any) => destination?.namespace === "*")
          .map(() => "destinations namespace *"),
        ...["clusterResourceWhitelist", "namespaceResourceWhitelist"].flatMap((list) =>
          (spec[list] ?? [])
            .filter((entry: any) => entry?.group === "*" || entry?.kind === "*")
            .map((entry: any) => `${list} ${entry.group}/${entry.kind}`),
        ),
      ];
      if (wildcards.length > 0) {
        findings.push({
          resource: project,
          message: `admits everything through ${wildcards.join(", ")}; list them exactly`,
        });
      }
      if (!(spec.namespaceResourceWhitelist?.length > 0)) {
        findings.push({
          resource: project,
          message: "lists no namespaceResourceWhitelist, so it admits every namespaced kind",
        });
      }
    }
    for (const application of resources.filter((resource) => resource.type === applicationType)) {
      const spec = application.props?.spec ?? {};
      const projectName = String(spec.project ?? "default");
      if (projectName === "default") {
        findings.push({
          resource: application,
          message: "is in the default project, which admits every repository and destination",
        });
        continue;
      }
      const project = projects.find((candidate) => candidate.props?.metadata?.name === projectName);
      if (!project) {
        findings.push({
          resource: application,
          message: `names project ${projectName}, which is not an AppProject of the stack`,
        });
        continue;
      }
      const destination = spec.destination ?? {};
      const server = String(destination.server ?? "");
      const namespace = String(destination.namespace ?? "");
      if (!admits(project.props?.spec?.destinations ?? [], server, namespace)) {
        findings.push({
          resource: application,
          message:
            `deploys to namespace ${namespace || "(none)"}, which its project ${projectName} ` +
            "does not admit",
        });
      }
    }
    return findings;
  },
});

export const argocdAutomatedSync = resourceRule({
  name: "argocd-automated-sync",
  description:
    "An Argo CD Application syncs automatically with prune and self-heal (drift is corrected), " +
    "and retries a failed sync a bounded number of times with backoff.",
  severity: "medium",
  enforcementLevel: "mandatory",
  packOnly:
    "It judges Argo CD's Application, in Argo CD's namespace, which admission policies never judge (so that they cannot stop delivery).",
  remediationSteps:
    "Set `syncPolicy.automated: {prune: true, selfHeal: true}` and `syncPolicy.retry: {limit: " +
    "N, backoff: {duration, factor, maxDuration}}` with N at least 1.",
  appliesTo: (type) => type === applicationType,
  check: (application) => {
    const policy = application.props?.spec?.syncPolicy ?? {};
    const messages: string[] = [];
    if (policy.automated?.prune !== true || policy.automated?.selfHeal !== true) {
      messages.push("syncPolicy.automated does not prune and self-heal: drift stays uncorrected");
    }
    const retry = policy.retry;
    if (!(Number(retry?.limit) >= 1) || !retry?.backoff?.duration || !retry?.backoff?.maxDuration) {
      messages.push("syncPolicy.retry has no limit of at least 1 with a backoff");
    }
    return messages;
  },
});

export const deliveryPolicies: Policies = [
  deliveryNoDestroyOnFinalize,
  deliveryDriftCorrection,
  deliveryCredentialsByReference,
  argocdProjectScope,
  argocdAutomatedSync,
];
