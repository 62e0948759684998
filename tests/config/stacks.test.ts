// The real stack files validate; what a stack leaves out gets its defaults; Pulumi.yaml and the
// schema agree.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import type { ZodType } from "zod";
import { serviceDefaults } from "../../components/config/defaults";
import {
  booleanKeys,
  integerKeys,
  objectKeys,
  stackConfigSchema,
} from "../../components/config/schema";
import { validateConfig } from "../../components/config/validate";
import { projectRoot } from "../../tools/engine/mock-engine";
import { messageOf, oneProblem, productionWith, stackInput } from "./support";

describe("the real stack files", () => {
  test.each(["dev", "staging", "production"])("Pulumi.%s.yaml validates", (stack) => {
    const config = validateConfig(stackInput(stack));
    expect(config.stack).toBe(stack);
    expect(config.environment).toBe(stack);
  });
});

describe("defaults", () => {
  test("production's gateway runs the default nginx-unprivileged image", () => {
    const config = validateConfig(productionWith());
    expect(config.services.gateway.image).toEqual(serviceDefaults.gateway.image);
    expect(config.services.gateway.image.repository).toBe("nginxinc/nginx-unprivileged");
  });

  test("celeryWorker, celeryBeat and flower fall back to the backend's image", () => {
    const config = validateConfig(productionWith());
    const backendImage = { repository: "ghcr.io/toolboxai/backend", tag: "1.4.0" };
    expect(config.services.backend.image).toEqual(backendImage);
    expect(config.services.celeryWorker.image).toEqual(backendImage);
    expect(config.services.celeryBeat.image).toEqual(backendImage);
    expect(config.services.flower?.image).toEqual(backendImage);
  });

  test("a switched-off service is not resolved and needs no settings", () => {
    const config = validateConfig(
      productionWith({
        set: { robloxSyncEnabled: "false", flowerEnabled: "false" },
        services: (services) => delete services.robloxSync,
      }),
    );
    expect(config.services.robloxSync).toBeUndefined();
    expect(config.services.flower).toBeUndefined();
    expect(config.services.backend).toBeDefined();
  });

  test("a switched-on service without its image is still an error", () => {
    expect(
      messageOf(productionWith({ services: (services) => delete services.robloxSync.image })),
    ).toBe(
      oneProblem(
        "toolboxai:services.robloxSync.image: " +
          "is required: application images have no default; set repository and tag",
      ),
    );
  });

  test("a service the stack does not mention gets its code defaults", () => {
    const config = validateConfig(productionWith());
    expect(config.services.redisExporter).toEqual({
      image: serviceDefaults.redisExporter.image,
      replicas: 1,
      resources: serviceDefaults.redisExporter.resources,
      autoscaling: undefined,
      maxUnavailable: 1,
      internetEgress: false,
      storage: undefined,
    });
  });

  test("a scalar key absent from the engine's config gets the schema default", () => {
    const config = validateConfig(productionWith({ remove: ["ingressClassName", "logLevel"] }));
    expect(config.ingressClassName).toBe("nginx");
    expect(config.logLevel).toBe("info");
  });

  test("suppliedSecrets is empty when the stack sets no secret", () => {
    const config = validateConfig(productionWith());
    expect(config.suppliedSecrets).toEqual({});
  });

  test("suppliedSecrets holds a secret the stack stored encrypted, and only there", () => {
    const jwtSecret = "0123456789abcdef-jwt";
    const config = validateConfig(productionWith({ set: { jwtSecret }, secret: ["jwtSecret"] }));
    expect(config.suppliedSecrets).toEqual({ jwtSecret });
    expect(config).not.toHaveProperty("jwtSecret");
  });
});

describe("Pulumi.yaml and the schema agree", () => {
  interface Declaration {
    readonly type?: string;
    readonly default?: unknown;
  }
  const project = parse(readFileSync(path.join(projectRoot, "Pulumi.yaml"), "utf8")) as {
    config: Record<string, Declaration>;
  };
  const declared = Object.entries(project.config);
  const shape: Record<string, ZodType> = stackConfigSchema.shape;

  test.each(declared.filter(([, declaration]) => "default" in declaration))(
    "%s has the same default in both",
    (name, declaration) => {
      expect(shape[name]).toBeDefined();
      expect(shape[name].parse(undefined)).toStrictEqual(declaration.default);
    },
  );

  test.each(declared.filter(([, declaration]) => !("default" in declaration)))(
    "%s, without a default in Pulumi.yaml, is required by the schema",
    (name) => {
      expect(shape[name]).toBeDefined();
      expect(shape[name].safeParse(undefined).success).toBe(false);
    },
  );

  test("every schema key but the objects is declared in Pulumi.yaml, and nothing else is", () => {
    expect([...objectKeys].sort()).toEqual([
      "backup",
      "database",
      "delivery",
      "docker",
      "monitoring",
      "redis",
      "services",
    ]);
    const schemaKeys = Object.keys(shape).filter((name) => !objectKeys.has(name));
    expect(Object.keys(project.config).sort()).toEqual(schemaKeys.sort());
  });

  test("exactly the boolean keys are declared as booleans", () => {
    const declaredBooleans = declared.filter(([, declaration]) => declaration.type === "boolean");
    expect(declaredBooleans.map(([name]) => name).sort()).toEqual([...booleanKeys].sort());
  });

  test("exactly the integer keys are declared as integers", () => {
    const declaredIntegers = declared.filter(([, declaration]) => declaration.type === "integer");
    expect(declaredIntegers.map(([name]) => name).sort()).toEqual([...integerKeys].sort());
  });
});
