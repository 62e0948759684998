// The node's copy of a stack file (tools/e2e/node-fit.ts): CPU requests scaled by one factor so
// that the stack's smallest size fits the node, and nothing else changed.
import { parseDocument } from "yaml";
import { validateConfig } from "../components/config/validate";
import { cpuAtMinimum, fitToNode } from "../tools/e2e/node-fit";
import { readStackConfig, validatedStackConfig } from "../tools/engine/stack-config";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { projectRoot } from "../tools/project-root";

const production = validatedStackConfig("production");
const productionFile = readFileSync(path.join(projectRoot, "Pulumi.production.yaml"), "utf8");

test("production's CPU at its smallest size: each service's HPA minimum or replicas × request", () => {
  // backend 3 × 500m, celery workers 4 × 500m, PostgreSQL 1 core among them.
  expect(cpuAtMinimum(production)).toBeGreaterThan(5000);
});

test("a stack that needs more than the budget: every request scaled by one factor, limits and memory kept", () => {
  const fit = fitToNode(productionFile, production, 1400);
  expect(fit.factor).toBeCloseTo(1400 / cpuAtMinimum(production), 6);
  const services = parseDocument(fit.stackFile).getIn(["config", "toolboxai:services"]) as {
    toJSON(): Record<string, { resources: { requests: { cpu: string; memory: string } } }>;
  };
  const backend = services.toJSON().backend.resources;
  expect(backend).toEqual({
    requests: { cpu: `${Math.floor(500 * fit.factor)}m`, memory: "768Mi" },
    limits: { cpu: "2", memory: "1536Mi" },
  });
  // The copy is still a valid stack file, and now fits.
  const values = readStackConfigFromText(fit.stackFile);
  const fitted = validateConfig({ stack: "production", values, secretKeys: new Set() });
  expect(cpuAtMinimum(fitted)).toBeLessThanOrEqual(1400);
  expect(fitted.services.backend.resources.limits).toEqual(
    production.services.backend.resources.limits,
  );
  expect(fitted.services.backend.image).toEqual(production.services.backend.image);
});

test("a stack that fits is left as it is", () => {
  const fit = fitToNode(productionFile, production, 1_000_000);
  expect(fit).toEqual({ factor: 1, stackFile: productionFile });
});

/** The engine's view of a stack file's text: Pulumi.yaml's defaults under it. */
function readStackConfigFromText(text: string): Record<string, string> {
  const { values } = readStackConfig("production");
  const config = parseDocument(text).toJS().config as Record<string, unknown>;
  return {
    ...values,
    ...Object.fromEntries(
      Object.entries(config).map(([key, value]) => [
        key,
        typeof value === "string" ? value : JSON.stringify(value),
      ]),
    ),
  };
}
