// What a tier rendered is recorded (components/model/record.ts), and the views that need all of it
// (scrape targets, a namespace's quota) are pure functions of the record. Reading the record closes
// it: a workload rendered afterwards, which the view would miss, fails instead.
import type * as pulumi from "@pulumi/pulumi";
import { emptyFootprint, footprintOf, footprintOfRecord } from "../components/kubernetes/budget";
import { RecordingRenderer } from "../components/model/record";
import type { RenderedWorkload, WorkloadRenderer } from "../components/model/renderer";
import { scrapeTargetsOfRecord } from "../components/model/scrape";
import type { WorkloadSpec } from "../components/model/workload";
import { smallWorkload } from "./fixtures/workload-specs";

/** A renderer that renders nothing, and counts what it was asked to render. */
class CountingRenderer implements WorkloadRenderer {
  readonly rendered: string[] = [];
  readonly nameServer = "10.0.0.10";
  render(spec: WorkloadSpec): RenderedWorkload {
    this.rendered.push(spec.name);
    return { endpoint: () => ({ host: this.hostOf(spec.name), port: 80 }) };
  }
  hostOf(workload: string): string {
    return `${workload}.unit.svc`;
  }
  publicAddress(host: string) {
    return { url: `https://${host}`, behindProxy: true };
  }
  volume(): string {
    return "claim";
  }
}

const parent = {} as pulumi.Resource;

/** Two replicas serving HTTP, with a metrics port. */
function spec(name: string, overrides: Partial<WorkloadSpec> = {}): WorkloadSpec {
  const base = smallWorkload(name);
  return {
    ...base,
    replicas: 2,
    containers: [
      {
        ...base.containers[0],
        ports: [
          { name: "http", port: 8000 },
          { name: "metrics", port: 9100, purpose: "metrics" },
        ],
      },
    ],
    ...overrides,
  };
}

test("the record holds each workload with where it was put, and its scrape targets derive from it", () => {
  const renderer = new RecordingRenderer(new CountingRenderer(), "unit");
  renderer.render(spec("api", { metrics: [{ port: "metrics", families: ["up"] }] }), parent);
  renderer.render(spec("worker"), parent);
  const record = renderer.close("the test");
  expect(
    record.workloads.map(({ spec: { name }, namespace, host }) => [name, namespace, host]),
  ).toEqual([
    ["api", "unit", "api.unit.svc"],
    ["worker", "unit", "worker.unit.svc"],
  ]);
  expect(scrapeTargetsOfRecord(record.workloads)).toEqual([
    {
      workload: "api",
      namespace: "unit",
      host: "api.unit.svc",
      port: "metrics",
      portNumber: 9100,
      path: undefined,
      families: ["up"],
    },
  ]);
});

test("a namespace's footprint is its workloads' and its shared volumes'", () => {
  const renderer = new RecordingRenderer(new CountingRenderer(), "unit");
  renderer.render(spec("api"), parent);
  renderer.volume({ name: "backups", size: "1Gi", storageClass: "" }, parent);
  const footprint = footprintOfRecord(renderer.close("the quota"));
  expect(footprint).toEqual({
    ...footprintOf(spec("api")),
    claims: 1,
    storage: 1024 ** 3,
  });
  expect(footprintOfRecord({ workloads: [], volumes: [] })).toEqual(emptyFootprint);
});

test("after the record is read, rendering fails and names who read it; nothing reaches the renderer", () => {
  const inner = new CountingRenderer();
  const renderer = new RecordingRenderer(inner, "unit");
  renderer.render(spec("api"), parent);
  renderer.close("the monitoring tier");
  expect(() => renderer.render(spec("late"), parent)).toThrow(
    "workload late is rendered after the monitoring tier read every workload of its tier, and " +
      "would be missing there: create it before (index.ts)",
  );
  expect(() =>
    renderer.volume({ name: "late-volume", size: "1Gi", storageClass: "" }, parent),
  ).toThrow("volume late-volume is rendered after the monitoring tier read");
  expect(inner.rendered).toEqual(["api"]);
  // A second reader sees the same record; the first stays named.
  expect(renderer.close("the quota").workloads).toHaveLength(1);
  expect(() => renderer.render(spec("later"), parent)).toThrow("after the monitoring tier read");
});
