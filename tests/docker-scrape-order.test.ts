// On Docker, a scraper (Prometheus) joins the networks of the workloads with metrics rendered
// before it; one rendered after it would be unreachable, so the renderer refuses it instead of
// leaving a target down.
import * as pulumi from "@pulumi/pulumi";
import { DockerRenderer } from "../components/docker/renderer";
import type { WorkloadSpec } from "../components/model/workload";
import { captureResources } from "../tools/engine/mock-engine";
import { smallWorkload } from "./fixtures/workload-specs";

/* eslint-disable @typescript-eslint/no-explicit-any -- captured inputs are inspected as JSON */

class Owner extends pulumi.ComponentResource {
  constructor(name: string) {
    super("toolboxai:test:Owner", name, {});
  }
}

function spec(name: string, zone: "backend" | "monitoring", extra: Partial<WorkloadSpec> = {}) {
  return smallWorkload(name, { zones: [zone], ...extra });
}

const metrics = { metrics: [{ port: "http" }] };

async function render(specs: readonly WorkloadSpec[]) {
  let error: unknown;
  const created = (await captureResources(() => {
    const renderer = new DockerRenderer({
      prefix: "unit",
      labels: {},
      publicPort: 18080,
      checksumKey: "unit-checksum-key",
      protectData: false,
      parent: new Owner("engine"),
    });
    try {
      for (const workload of specs) renderer.render(workload, new Owner(workload.name));
    } catch (caught) {
      error = caught;
    }
    renderer.createFileHelper();
  })) as { type: string; inputs: any }[];
  return { created, error };
}

test("the scraper joins the networks of the scraped workloads rendered before it", async () => {
  const { created, error } = await render([
    spec("api", "backend", metrics),
    spec("prometheus", "monitoring", { scrapes: true }),
  ]);
  expect(error).toBeUndefined();
  const prometheus = created.find((resource) => resource.inputs.name === "unit-prometheus")!;
  const joined = prometheus.inputs.networksAdvanced.map((network: any) => network.name);
  expect(joined).toEqual(["unit-monitoring", "unit-backend"]);
});

test("a workload with metrics rendered after the scraper is refused, naming both", async () => {
  const { created, error } = await render([
    spec("prometheus", "monitoring", { scrapes: true }),
    spec("late", "backend", metrics),
  ]);
  expect(String(error)).toContain(
    "workload late declares metrics but is rendered after prometheus, which scrapes the " +
      "workloads rendered before it: render it first",
  );
  expect(created.some((resource) => resource.inputs.name === "unit-late")).toBe(false);
});
