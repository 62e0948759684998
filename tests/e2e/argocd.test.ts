// Argo CD delivery in the cluster phase of `npm run e2e`: production's stack file switched to
// `delivery: argocd`, deployed as CI's delivery workflow does (.github/workflows/
// deliver-stack.yml). `pulumi up` applies the foundation to the local API server (namespaces,
// priority classes, Secrets, and the Application and AppProject, validated against Argo CD's
// real CRDs) and renders everything else into the deploy branch's checkout; the folder is checked
// as CI checks it before pushing, and Argo CD's sync is played by `kubectl apply --server-side`
// of that folder, after checking that the live AppProject admits each object. No Argo CD runs
// here (its controllers are not buildable offline); the API server is the judge of what it would
// apply.
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import type { Stack } from "@pulumi/pulumi/automation";
import { parseDocument } from "yaml";
import { deployedManifestsDir } from "../../components/delivery/argocd";
import { policyOf } from "../../tools/e2e/project";
import { engine, quiet } from "../../tools/e2e/engine-output";
import { checkDeployTree, type TreeObject } from "../../tools/delivery";
import { projectRoot } from "../../tools/project-root";
import {
  controlPlaneStops,
  localClusterStack,
  useLocalCluster,
  writeNodeStackFile,
} from "./local-cluster";

/* eslint-disable @typescript-eslint/no-explicit-any -- live objects are untyped JSON */

const settings = {
  mode: "argocd" as const,
  repository: "https://github.com/toolboxai/infrastructure.git",
  branch: "deploy",
  path: "manifests",
  argocdNamespace: "argocd",
  retryLimit: 5,
};
const name = "cluster-argocd";

const cluster = useLocalCluster("argocd");

describe(name, () => {
  let created: Stack | undefined;
  const stack = () => {
    if (!created) throw new Error("not checked: the stack was not created");
    return created;
  };
  const kubectl = (args: readonly string[]) => cluster.controlPlane().kubectl(args);
  const live = (kind: string, object: string, where: string): any =>
    cluster.controlPlane().json([`get`, kind, object, "--namespace", where]);
  const folder = () => path.join(cluster.project().dir, deployedManifestsDir(settings, name));
  // Production's stack file, delivered by Argo CD.
  const stackFile = parseDocument(
    readFileSync(path.join(projectRoot, "Pulumi.production.yaml"), "utf8"),
  );
  stackFile.setIn(["config", "toolboxai:delivery"], settings);
  // PostgreSQL as the single server here: this suite's cluster runs no node, so CloudNativePG's
  // operator never starts, and its webhooks (failurePolicy Fail) would refuse the Cluster that the
  // played sync applies. The cluster suite deploys production's CloudNativePG cluster on the node.
  stackFile.setIn(["config", "toolboxai:database"], { engine: "single" });
  const namespace = String(stackFile.getIn(["config", "toolboxai:namespace"]));
  let exported: any;
  let application = "";
  let rendered: readonly TreeObject[] = [];
  let appProject: any;

  test("stack init, delivery argocd, Argo CD's namespace made", async () => {
    writeNodeStackFile(cluster, "production", name, stackFile.toString());
    created = await localClusterStack(cluster, name);
    await created.setConfig("toolboxai:protectData", { value: "false" });
    // Argo CD's installation makes its namespace; the program only puts objects in it.
    const made = kubectl(["create", "namespace", settings.argocdNamespace]);
    if (made.code !== 0 && !made.output.includes("AlreadyExists")) throw new Error(made.output);
  });

  test("pulumi up applies the foundation and renders the rest into the deploy branch's checkout", async () => {
    await engine(stack().up({ ...policyOf(cluster.project(), name), ...quiet }));
    exported = await stack().exportStack();
    application = String((await stack().outputs()).delivery?.value?.application ?? "");
    // Where deliver-stack.yml checks the deploy branch out, at the Application's path.
    expect(existsSync(path.join(folder(), "1-manifest"))).toBe(true);
  });

  test("the folder holds no Secret and exactly the objects the state rendered", () => {
    const { objects, problems } = checkDeployTree(folder(), exported);
    rendered = objects;
    expect(problems).toEqual([]);
    expect(objects.length).toBeGreaterThanOrEqual(50);
  });

  test("the cluster holds the Secrets, the Application and its AppProject", () => {
    const secrets = kubectl(["get", "secrets", "--namespace", namespace, "-o", "name"]);
    expect(secrets.output).toContain("secret/backend-secrets");
    const synced = live("application", application, settings.argocdNamespace);
    appProject = live("appproject", synced.spec.project, settings.argocdNamespace);
    expect({
      path: synced.spec.source.path,
      targetRevision: synced.spec.source.targetRevision,
      selfHeal: synced.spec.syncPolicy?.automated?.selfHeal,
      destination: synced.spec.destination.namespace,
    }).toEqual({
      path: `manifests/${name}`,
      targetRevision: "deploy",
      selfHeal: true,
      destination: namespace,
    });
  });

  test("Argo CD's sync, played: the AppProject admits every object, the API server too", () => {
    if (!appProject) throw new Error("no AppProject to check against");
    expect(rendered.length).toBeGreaterThan(0);
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
    expect(refused).toEqual([]);
    const args = ["apply", "--server-side", "--field-manager=argocd-controller", "--recursive"];
    expect(kubectl([...args, "-f", folder()])).toMatchObject({ code: 0 });
  });

  test("pulumi destroy removes the foundation and the rendered files", async () => {
    await engine(stack().destroy(quiet));
    expect(checkDeployTree(folder()).objects.map((object) => object.file)).toEqual([]);
    expect(
      kubectl(["get", "application", application, "-n", settings.argocdNamespace]).code,
    ).not.toBe(0);
    await stack().workspace.removeStack(name);
  });
});

controlPlaneStops(cluster);
