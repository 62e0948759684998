// Argo CD delivery in the cluster phase of `npm run e2e`: production's stack file switched to
// `delivery: argocd`, deployed as CI's delivery workflow does (.github/workflows/
// deliver-stack.yml). `pulumi up` applies the foundation to the local API server (namespaces,
// priority classes, Secrets, and the Application and AppProject, validated against Argo CD's
// real CRDs) and renders everything else into the deploy branch's checkout; the folder is checked
// as CI checks it before pushing, and Argo CD's sync is played by `kubectl apply --server-side`
// of that folder, after checking that the live AppProject admits each object. No Argo CD runs
// here (its controllers are not buildable offline); the API server is the judge of what it would
// apply.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { parseDocument } from "yaml";
import { deployedManifestsDir } from "../../components/delivery/argocd";
import { checkDeployTree, type TreeObject } from "../delivery";
import { kubectlJson, localClusterConfig, type ClusterPhaseOptions } from "./cluster";

/* eslint-disable @typescript-eslint/no-explicit-any -- live objects are untyped JSON */

const settings = {
  mode: "argocd" as const,
  repository: "https://github.com/toolboxai/infrastructure.git",
  branch: "deploy",
  path: "manifests",
  argocdNamespace: "argocd",
  retryLimit: 5,
};

export function runArgoCdPhase(options: ClusterPhaseOptions): void {
  const { harness, controlPlane, project, root } = options;
  const { check, expectExit, policyArgs } = harness;
  const name = "cluster-argocd";
  const pulumi = (...args: string[]) => harness.pulumi(name, ...args);
  const kubectl = (args: readonly string[], input?: string) => controlPlane.kubectl(args, input);
  const folder = path.join(project, deployedManifestsDir(settings, name));

  // Production's stack file, delivered by Argo CD (after cluster-production was destroyed: the
  // same namespaces, so that production's policy exemptions, which name them, apply).
  const stackFile = parseDocument(readFileSync(path.join(root, "Pulumi.production.yaml"), "utf8"));
  stackFile.setIn(["config", "toolboxai:delivery"], settings);
  const namespace = String(stackFile.getIn(["config", "toolboxai:namespace"]));
  writeFileSync(path.join(project, `Pulumi.${name}.yaml`), stackFile.toString());

  const initialised = check(name, "stack init, delivery argocd, Argo CD's namespace made", () => {
    const init = pulumi("stack", "init");
    if (init.code !== 0) return expectExit(init, 0);
    for (const [key, value] of [...localClusterConfig, ["toolboxai:protectData", "false"]]) {
      const set = pulumi("config", "set", key, value);
      if (set.code !== 0) return expectExit(set, 0);
    }
    // Argo CD's installation makes its namespace; the program only puts objects in it.
    const made = kubectl(["create", "namespace", settings.argocdNamespace]);
    return made.code === 0 || made.output.includes("AlreadyExists") ? undefined : made.output;
  });
  if (!initialised) return;

  let exported: any;
  let application = "";
  const applied = check(
    name,
    "pulumi up applies the foundation and renders the rest into the deploy branch's checkout",
    () => {
      const up = pulumi("up", "--yes", ...policyArgs("production"));
      if (up.code !== 0) return expectExit(up, 0);
      const state = pulumi("stack", "export");
      if (state.code !== 0) return expectExit(state, 0);
      exported = JSON.parse(state.output);
      const delivery = pulumi("stack", "output", "delivery", "--json");
      if (delivery.code !== 0) return expectExit(delivery, 0);
      application = String(JSON.parse(delivery.output).application ?? "");
      // Where deliver-stack.yml checks the deploy branch out, at the Application's path.
      return existsSync(path.join(folder, "1-manifest"))
        ? undefined
        : `nothing rendered into ${folder}:\n${up.output}`;
    },
  );
  if (!applied) return;

  // The folder's objects, as the check CI runs before pushing it reads them.
  let rendered: readonly TreeObject[] = [];
  check(name, "the folder holds no Secret and exactly the objects the state rendered", () => {
    const { objects, problems } = checkDeployTree(folder, exported);
    rendered = objects;
    if (problems.length > 0) return problems.join("\n");
    return objects.length < 50 ? `only ${objects.length} objects rendered` : undefined;
  });

  const live = (kind: string, object: string, where: string): any =>
    kubectlJson(controlPlane, ["get", kind, object, "--namespace", where]);
  let appProject: any;
  check(name, "the cluster holds the Secrets, the Application and its AppProject", () => {
    const secrets = kubectl(["get", "secrets", "--namespace", namespace, "-o", "name"]);
    if (secrets.code !== 0) return secrets.output;
    if (!secrets.output.includes("secret/backend-secrets")) {
      return `no backend-secrets in ${namespace}:\n${secrets.output}`;
    }
    const synced = live("application", application, settings.argocdNamespace);
    appProject = live("appproject", synced.spec.project, settings.argocdNamespace);
    const source = synced.spec.source;
    const problems = [
      source.path === `manifests/${name}` ? "" : `Application path ${source.path}`,
      source.targetRevision === "deploy" ? "" : `Application revision ${source.targetRevision}`,
      synced.spec.syncPolicy?.automated?.selfHeal === true ? "" : "no self-heal",
      synced.spec.destination.namespace === namespace ? "" : "not to the platform's namespace",
    ].filter(Boolean);
    return problems.length > 0 ? problems.join("\n") : undefined;
  });

  check(
    name,
    "Argo CD's sync, played: the AppProject admits every object, the API server too",
    () => {
      if (!appProject) return "no AppProject to check against";
      if (rendered.length === 0) return "no rendered object to sync";
      const kinds = (list: any[] | undefined) => new Set((list ?? []).map((entry) => entry.kind));
      const namespaced = kinds(appProject.spec.namespaceResourceWhitelist);
      const clusterWide = kinds(appProject.spec.clusterResourceWhitelist);
      const destinations = new Set(
        (appProject.spec.destinations ?? []).map((entry: any) => entry.namespace),
      );
      const refused = rendered
        .filter((object) =>
          object.namespace
            ? !namespaced.has(object.kind) || !destinations.has(object.namespace)
            : !clusterWide.has(object.kind),
        )
        .map((object) => `${object.file}: ${object.kind} refused by the AppProject`);
      if (refused.length > 0) return refused.join("\n");
      const synced = kubectl([
        "apply",
        "--server-side",
        "--field-manager=argocd-controller",
        "--recursive",
        "-f",
        folder,
      ]);
      return synced.code === 0 ? undefined : synced.output;
    },
  );

  check(name, "pulumi destroy removes the foundation and the rendered files", () => {
    const destroyed = pulumi("destroy", "--yes");
    if (destroyed.code !== 0) return expectExit(destroyed, 0);
    const left = checkDeployTree(folder).objects.map((object) => object.file);
    if (left.length > 0) return `files left: ${left.join(", ")}`;
    if (kubectl(["get", "application", application, "-n", settings.argocdNamespace]).code === 0) {
      return "the Application is still there";
    }
    return expectExit(pulumi("stack", "rm", "--yes"), 0);
  });
}
