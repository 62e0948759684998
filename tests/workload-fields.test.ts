// Every field of the workload model (components/model/workload.ts), read from its TypeScript
// source, against both renderers: rendering a minimal spec with and without the field (or with
// another value) under the mocks must change the rendered resources where the field says, on
// Kubernetes and on Docker. A field only one platform can express names why; the other platform's
// render is then checked to be unchanged (or to refuse the spec), so the reason stays true. A new
// field without a case fails here.
import { modelFields } from "./workload-fields/model-fields";
import { everything, render, type Platform } from "./workload-fields/render";
import { service } from "./workload-fields/specs";
import type { FieldCase } from "./workload-fields/case-model";
import { cases1 } from "./workload-fields/cases-1";
import { cases2 } from "./workload-fields/cases-2";
import { cases3 } from "./workload-fields/cases-3";
import { cases4 } from "./workload-fields/cases-4";

/** Every field case, by `Type.field` (tests/workload-fields/cases-*.ts). */
const cases: Record<string, FieldCase> = { ...cases1, ...cases2, ...cases3, ...cases4 };

// ── The walk ─────────────────────────────────────────────────────────────────────────────────────

const fields = modelFields();

test("the walk reads the model's fields from its source", () => {
  expect(fields).toContain("WorkloadSpec.name");
  expect(fields).toContain("ContainerSpec.scratch.size");
  expect(fields).toContain("Check.exec.command");
  expect(fields).toContain("ReadRule.verbs");
});

test("every field of the model has a case, and every case a field", () => {
  expect(fields.filter((field) => !(field in cases))).toEqual([]);
  expect(Object.keys(cases).filter((field) => !fields.includes(field))).toEqual([]);
});

test("a case that one platform cannot render says why, and a view says where it is read", () => {
  for (const [field, { kubernetes, docker, only, view }] of Object.entries(cases)) {
    const platforms = [kubernetes, docker].filter(Boolean).length;
    if (platforms === 2) expect([field, only]).toEqual([field, undefined]);
    if (platforms === 1) {
      expect([field, only?.reason]).toEqual([field, expect.any(String)]);
    }
    if (platforms === 0) expect([field, view]).toEqual([field, expect.any(Function)]);
  }
});

const json = (value: unknown) => JSON.stringify(value) ?? "undefined";

describe.each(["kubernetes", "docker"] as const)("on %s", (platform) => {
  const honoured = Object.entries(cases).filter(([, fieldCase]) => fieldCase[platform]);
  test.each(honoured)("%s changes the render where it says", async (_, fieldCase) => {
    const place = fieldCase[platform]!;
    const base = await render(platform, fieldCase.base ?? service, fieldCase.companions);
    const set = await render(platform, fieldCase.set, fieldCase.companions);
    expect(json(place(set))).not.toBe(json(place(base)));
  });

  const other: Platform = platform === "kubernetes" ? "docker" : "kubernetes";
  const notHere = Object.entries(cases).filter(
    ([, fieldCase]) => !fieldCase[platform] && (fieldCase[other] || fieldCase.view),
  );
  test.each(notHere)("%s: renders nothing different, as its reason says", async (_, fieldCase) => {
    if (fieldCase.only?.refused) {
      await expect(render(platform, fieldCase.set, fieldCase.companions)).rejects.toThrow(
        new RegExp(platform, "i"),
      );
      return;
    }
    // A spec the platform refuses (an operated workload on Docker) refuses with and without it.
    const settled = (spec: typeof service) =>
      render(platform, spec, fieldCase.companions).then(everything, String);
    expect(await settled(fieldCase.set)).toBe(await settled(fieldCase.base ?? service));
  });
});

test.each(Object.entries(cases).filter(([, fieldCase]) => fieldCase.view))(
  "%s: read from the rendered spec by its view",
  (_, fieldCase) => {
    expect(json(fieldCase.view!(fieldCase.set))).not.toBe(
      json(fieldCase.view!(fieldCase.base ?? service)),
    );
  },
);
