// Rendering one spec on each platform, alone under the mocks, and the places a case reads.
import * as pulumi from "@pulumi/pulumi";
import { DockerRenderer } from "../../components/docker/renderer";
import { KubernetesRenderer } from "../../components/kubernetes/renderer";
import type { RenderedWorkload } from "../../components/model/renderer";
import type { WorkloadSpec } from "../../components/model/workload";
import { captureResources, type RegisteredResource } from "../../tools/engine/mock-engine";
import { unitContext } from "../components/support";

/* eslint-disable @typescript-eslint/no-explicit-any -- rendered inputs are untyped JSON here */

export interface Render {
  readonly resources: readonly RegisteredResource[];
  /** What the renderer returned for the subject (its endpoints). */
  readonly workload: RenderedWorkload;
}

class Root extends pulumi.ComponentResource {
  constructor() {
    super("unit:test:Root", "root");
  }
}

export type Platform = "kubernetes" | "docker";

/** Workloads rendered with the subject (what a field relates it to). */
export interface Companions {
  readonly before?: readonly WorkloadSpec[];
  readonly after?: readonly WorkloadSpec[];
}
export const noCompanions: Companions = {};

/** Renders of one spec object, by platform and companions: the cases share their bases. */
export const renders = new Map<Platform, WeakMap<object, Map<Companions, Promise<Render>>>>();

/** Renders `companions.before`, the subject, then `companions.after`, as a program would. */
export function render(
  platform: Platform,
  spec: WorkloadSpec,
  companions: Companions = noCompanions,
) {
  if (!renders.has(platform)) renders.set(platform, new WeakMap());
  const bySpec = renders.get(platform)!;
  if (!bySpec.has(spec)) bySpec.set(spec, new Map());
  const byCompanions = bySpec.get(spec)!;
  if (!byCompanions.has(companions)) {
    byCompanions.set(companions, renderAlone(platform, spec, companions));
  }
  return byCompanions.get(companions)!;
}

export async function renderAlone(
  platform: Platform,
  spec: WorkloadSpec,
  companions: Companions,
): Promise<Render> {
  let workload: RenderedWorkload | undefined;
  const resources = await captureResources(() => {
    const root = new Root();
    if (platform === "kubernetes") {
      const renderer = new KubernetesRenderer(unitContext);
      for (const other of companions.before ?? []) renderer.render(other, root);
      workload = renderer.render(spec, root);
      for (const other of companions.after ?? []) renderer.render(other, root);
    } else {
      const renderer = new DockerRenderer({
        prefix: "unit",
        labels: {},
        publicPort: 8080,
        checksumKey: "unit-checksum-key",
        protectData: false,
        parent: root,
      });
      // Its helper is created last, even when a spec is refused: the renderer waits for it.
      try {
        for (const other of companions.before ?? []) renderer.render(other, root);
        workload = renderer.render(spec, root);
        for (const other of companions.after ?? []) renderer.render(other, root);
      } finally {
        renderer.createFileHelper();
      }
    }
  });
  return { resources, workload: workload! };
}

/** Every rendered input of a platform's resources, by URN: what "unchanged" compares. */
export function everything({ resources }: Render): string {
  return JSON.stringify(
    [...resources]
      .filter((resource) => resource.custom)
      .map((resource) => [resource.urn, resource.inputs])
      .sort(([a], [b]) => String(a).localeCompare(String(b))),
  );
}

// Kubernetes places.
export const objects = (render: Render, kind: string): any[] =>
  render.resources
    .filter((resource) => resource.type.startsWith("kubernetes:"))
    .map((resource) => resource.inputs as any)
    .filter((manifest) => manifest.kind === kind);
export const kube = (render: Render, kind: string): any => objects(render, kind)[0];
export const controllerKinds = ["Deployment", "StatefulSet", "DaemonSet", "CronJob"];
export const controller = (render: Render): any =>
  controllerKinds.map((kind) => kube(render, kind)).find(Boolean);
export const pod = (render: Render): any => {
  const found = controller(render);
  return (found.spec.jobTemplate?.spec ?? found.spec).template.spec;
};
export const kubeContainer = (render: Render, index = 0): any => pod(render).containers[index];

// Docker places.
export const dockerContainers = (render: Render): any[] =>
  render.resources
    .filter((resource) => resource.type === "docker:index/container:Container")
    .map((resource) => resource.inputs as any);
export const dockerContainer = (render: Render, name = "unit-subject"): any =>
  dockerContainers(render).find((container) => container.name === name);
export const uploads = (render: Render): any => dockerContainer(render, "unit-files")?.uploads;
/** An endpoint of the rendered subject, or the error that there is none. */
export const endpoint = (render: Render, port: string): unknown => {
  try {
    return render.workload.endpoint(port);
  } catch (error) {
    return String(error);
  }
};
