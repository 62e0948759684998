// Values the schema refuses: types, ranges, unknown keys and namespaces, names, secrets, shapes,
// and values YAML reads as another type; each with its exact message.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { validateConfig } from "../../components/config/validate";
import { providerNamespaces } from "../../components/config/schema";
import { projectRoot, readStackConfig } from "../../tools/engine/mock-engine";
import {
  configErrorOf,
  key,
  messageOf,
  oneProblem,
  productionWith,
  productionWithKeys,
} from "./support";

describe("enums and booleans", () => {
  test("environment outside its enum", () => {
    expect(messageOf(productionWith({ set: { environment: "prod" } }))).toBe(
      oneProblem('toolboxai:environment = "prod": must be one of: dev, staging, production'),
    );
  });

  test("boolean key given a non-boolean string", () => {
    expect(messageOf(productionWith({ set: { robloxSyncEnabled: "yes" } }))).toBe(
      oneProblem('toolboxai:robloxSyncEnabled = "yes": must be true or false'),
    );
    expect(messageOf(productionWith({ set: { protectData: "on" } }))).toBe(
      oneProblem('toolboxai:protectData = "on": must be true or false'),
    );
  });

  test("protectData and quotaHeadroomPercent are read as a boolean and an integer", () => {
    const config = validateConfig(
      productionWith({ set: { protectData: "false", quotaHeadroomPercent: "40" } }),
    );
    expect(config.protectData).toBe(false);
    expect(config.quotaHeadroomPercent).toBe(40);
    const defaults = validateConfig(
      productionWith({ remove: ["protectData", "quotaHeadroomPercent"] }),
    );
    expect([defaults.protectData, defaults.quotaHeadroomPercent]).toEqual([true, 25]);
  });
});

describe("integer ranges", () => {
  test("quotaHeadroomPercent outside 0 to 200, or not an integer", () => {
    expect(messageOf(productionWith({ set: { quotaHeadroomPercent: "250" } }))).toBe(
      oneProblem("toolboxai:quotaHeadroomPercent = 250: must be an integer from 0 to 200"),
    );
    expect(messageOf(productionWith({ set: { quotaHeadroomPercent: "12.5" } }))).toBe(
      oneProblem('toolboxai:quotaHeadroomPercent = "12.5": must be an integer from 0 to 200'),
    );
  });

  test("replicas below the range", () => {
    const input = productionWith({ services: (services) => (services.backend.replicas = 0) });
    expect(messageOf(input)).toBe(
      oneProblem("toolboxai:services.backend.replicas = 0: must be an integer from 1 to 50"),
    );
  });

  test("replicas past the safe integers is reported once", () => {
    const input = productionWith({ services: (services) => (services.backend.replicas = 1e308) });
    expect(messageOf(input)).toBe(
      oneProblem("toolboxai:services.backend.replicas = 1e+308: must be an integer from 1 to 50"),
    );
  });

  test("replicas not an integer", () => {
    const input = productionWith({ services: (services) => (services.backend.replicas = 2.5) });
    expect(messageOf(input)).toBe(
      oneProblem("toolboxai:services.backend.replicas = 2.5: must be an integer from 1 to 50"),
    );
  });
});

describe("unknown keys", () => {
  test("a misspelt service field suggests the nearest one", () => {
    const input = productionWith({
      services: (services) => {
        services.dashboard.replica = services.dashboard.replicas;
        delete services.dashboard.replicas;
      },
    });
    expect(messageOf(input)).toBe(
      oneProblem('toolboxai:services.dashboard.replica: unknown key; did you mean "replicas"?'),
    );
  });

  test("skipAwait is no longer a setting: the e2e applies it to its own run", () => {
    expect(messageOf(productionWithKeys({ "toolboxai:skipAwait": "true" }))).toMatch(
      /^Pulumi\.production\.yaml has 1 configuration problem:\n {2}toolboxai:skipAwait: unknown key/,
    );
  });

  test("__proto__ is an unknown key, not a prototype, at the top level and below", () => {
    const top = messageOf(productionWithKeys({ "toolboxai:__proto__": "x" }));
    expect(top).toMatch(
      /^Pulumi\.production\.yaml has 1 configuration problem:\n {2}toolboxai:__proto__: unknown key; known keys here: admissionPolicies, alertChatWebhookUrl, /,
    );
    expect(
      configErrorOf(productionWithKeys({ "toolboxai:constructor": "x" })).problems[0].key,
    ).toBe("toolboxai:constructor");
    expect(
      messageOf(productionWithKeys({ [key("monitoring")]: '{"__proto__": {"isAdmin": true}}' })),
    ).toBe(oneProblem("toolboxai:monitoring.__proto__: unknown key"));
  });

  test("monitoring.runbookBaseUrl: https, no fragment or query, no credentials", () => {
    const runbooks = (url: string) =>
      messageOf(
        productionWithKeys({ [key("monitoring")]: JSON.stringify({ runbookBaseUrl: url }) }),
      );
    const allowed =
      "must be an https:// URL without a fragment or query, such as " +
      "https://github.com/<owner>/<repo>/blob/main/docs/ALERTS.md (each alert adds #<alert name>)";
    expect(runbooks("http://wiki.example.org/alerts")).toBe(
      oneProblem(
        `toolboxai:monitoring.runbookBaseUrl = "http://wiki.example.org/alerts": ${allowed}`,
      ),
    );
    expect(runbooks("https://wiki.example.org/alerts#top")).toBe(
      oneProblem(
        `toolboxai:monitoring.runbookBaseUrl = "https://wiki.example.org/alerts#top": ${allowed}`,
      ),
    );
    expect(runbooks("https://bot:hunter2@wiki.example.org/alerts")).not.toContain("hunter2");
  });

  test("monitoring.traceStorage: volume by default, memory where asked, nothing else", () => {
    // With the local sink: a stack whose alerts go nowhere is refused (tests/config/alerting).
    const monitoring = (settings: object) =>
      productionWithKeys({ [key("monitoring")]: JSON.stringify({ alertSink: true, ...settings }) });
    expect(validateConfig(productionWith({})).monitoring.traceStorage).toBe("volume");
    expect(validateConfig(monitoring({ traceStorage: "memory" })).monitoring.traceStorage).toBe(
      "memory",
    );
    expect(messageOf(monitoring({ traceStorage: "disk" }))).toBe(
      oneProblem('toolboxai:monitoring.traceStorage = "disk": must be one of: volume, memory'),
    );
  });

  test("a misspelt top-level key suggests the nearest one", () => {
    expect(messageOf(productionWith({ set: { logLvl: "debug" } }))).toBe(
      oneProblem('toolboxai:logLvl: unknown key; did you mean "logLevel"?'),
    );
  });

  test("a key under a misspelt namespace is refused with the key it was meant to be", () => {
    expect(messageOf(productionWithKeys({ "toolbox:logLevel": "debug" }))).toBe(
      oneProblem(
        'toolbox:logLevel: unknown namespace "toolbox": nothing reads this key; ' +
          'did you mean "toolboxai:logLevel"?',
      ),
    );
  });

  test("a misspelt provider namespace suggests the provider's", () => {
    expect(messageOf(productionWithKeys({ "kubernets:context": "kind-dev" }))).toBe(
      oneProblem(
        'kubernets:context: unknown namespace "kubernets": nothing reads this key; ' +
          'did you mean "kubernetes:context"?',
      ),
    );
  });

  test("a namespace far from every known one lists the known namespaces, not the value", () => {
    const error = configErrorOf(productionWithKeys({ "acme:apiToken": "do-not-show-me" }));
    expect(error.message).toBe(
      oneProblem(
        'acme:apiToken: unknown namespace "acme": nothing reads this key; ' +
          "known namespaces: docker, kubernetes, pulumi, random, toolboxai",
      ),
    );
    expect(error.message).not.toContain("do-not-show-me");
  });

  test("keys of the providers' namespaces are theirs and accepted", () => {
    const config = validateConfig(
      productionWithKeys({
        "kubernetes:context": "kind-dev",
        "pulumi:disable-default-providers": '["*"]',
        "random:anything": "x",
      }),
    );
    expect(config.environment).toBe("production");
  });

  test("the provider namespaces are pulumi and the program's @pulumi/* provider packages", () => {
    const manifest = JSON.parse(readFileSync(path.join(projectRoot, "package.json"), "utf8")) as {
      dependencies: Record<string, string>;
    };
    const providers = Object.keys(manifest.dependencies)
      .filter((name) => name.startsWith("@pulumi/") && name !== "@pulumi/pulumi")
      .map((name) => name.slice("@pulumi/".length));
    expect([...providerNamespaces].sort()).toEqual(["pulumi", ...providers].sort());
  });

  test("a service name far from every known one lists the known names", () => {
    const input = productionWith({ services: (services) => (services.frobnicator = {}) });
    expect(messageOf(input)).toBe(
      oneProblem(
        "toolboxai:services.frobnicator: unknown key; known keys here: agentCoordinator, " +
          "alertmanager, alloy, backend, backup, celeryBeat, celeryWorker, dashboard, flower, gateway, " +
          "grafana, jaeger, kubeStateMetrics, loki, mcpServer, nodeExporter, postgres, " +
          "postgresExporter, postgresOperator, prometheus, redis, redisExporter, redisSentinel, robloxSync",
      ),
    );
  });
});

describe("names", () => {
  test("a domain that is not a host name", () => {
    expect(messageOf(productionWith({ set: { domain: "Not A Host" } }))).toBe(
      oneProblem(
        'toolboxai:domain = "Not A Host": ' +
          "must be a fully qualified lowercase DNS name such as app.example.com",
      ),
    );
  });

  test("a namespace with uppercase letters", () => {
    expect(messageOf(productionWith({ set: { namespace: "ToolboxAI" } }))).toBe(
      oneProblem(
        'toolboxai:namespace = "ToolboxAI": ' +
          "must be a DNS label: lowercase letters, digits and '-', 1 to 63 characters",
      ),
    );
  });
});

describe("secrets", () => {
  test("a secret set as plain text must be stored encrypted, and is never shown", () => {
    const password = "correct-horse-battery-staple";
    const error = configErrorOf(productionWith({ set: { postgresPassword: password } }));
    expect(error.message).toBe(
      oneProblem(
        "toolboxai:postgresPassword = [secret]: " +
          "must be stored encrypted: run `pulumi config set --secret postgresPassword`",
      ),
    );
    expect(error.message).not.toContain(password);
    expect(JSON.stringify(error.problems)).not.toContain(password);
  });

  test("a stored-encrypted secret that is too short is shown as [secret]", () => {
    const password = "hunter2";
    const error = configErrorOf(
      productionWith({ set: { postgresPassword: password }, secret: ["postgresPassword"] }),
    );
    expect(error.message).toBe(
      oneProblem(
        "toolboxai:postgresPassword = [secret]: " +
          "must be at least 16 characters (or empty to generate one)",
      ),
    );
    expect(error.message).not.toContain(password);
    expect(JSON.stringify(error.problems)).not.toContain(password);
  });
});

describe("required keys and shapes", () => {
  test("a missing required key", () => {
    expect(messageOf(productionWith({ remove: ["domain"] }))).toBe(
      oneProblem(
        "toolboxai:domain: is required; " +
          "must be a fully qualified lowercase DNS name such as app.example.com",
      ),
    );
  });

  test("services given as a string that is not a mapping", () => {
    expect(messageOf(productionWith({ set: { services: "nonsense" } }))).toBe(
      oneProblem('toolboxai:services = "nonsense": must be a YAML mapping'),
    );
  });
});

describe("several problems", () => {
  test("are all listed, with their count in the header", () => {
    const input = productionWith({
      set: { environment: "prod" },
      services: (services) => (services.backend.replicas = 0),
    });
    expect(messageOf(input)).toBe(
      [
        "Pulumi.production.yaml has 2 configuration problems:",
        '  toolboxai:environment = "prod": must be one of: dev, staging, production',
        "  toolboxai:services.backend.replicas = 0: must be an integer from 1 to 50",
      ].join("\n"),
    );
  });
});

describe("values YAML reads as another type", () => {
  test("an unquoted number is accepted as a CPU or storage quantity", () => {
    const config = validateConfig(
      productionWith({
        services: (services) => {
          services.backend.resources.limits.cpu = 2;
          services.postgres.storage.size = 100;
        },
      }),
    );
    expect(config.services.backend.resources.limits.cpu).toBe("2");
    expect(config.services.postgres.storage?.size).toBe("100");
  });

  test("an unquoted tag YAML reads as a number says so and how to quote it", () => {
    // `tag: 1.4` in the stack file; the engine passes the services mapping as JSON.
    const input = productionWith({ services: (services) => (services.backend.image.tag = 1.4) });
    expect(messageOf(input)).toBe(
      oneProblem(
        "toolboxai:services.backend.image.tag = 1.4: was read as a number, but must be text; " +
          'quote it: tag: "1.4" (quote what you meant: unquoted, YAML drops trailing zeros, ' +
          "so 1.10 reads as 1.1)",
      ),
    );
  });

  test("`tag: 1.4` written in a stack file is read as a number and reported as one", () => {
    const production = readFileSync(path.join(projectRoot, "Pulumi.production.yaml"), "utf8");
    const edited = production.replace(
      "image: { repository: ghcr.io/toolboxai/backend, tag: 1.4.0 }",
      "image: { repository: ghcr.io/toolboxai/backend, tag: 1.4 }",
    );
    expect(edited).not.toBe(production);
    const dir = mkdtempSync(path.join(tmpdir(), "toolboxai-config-"));
    try {
      const stackFile = path.join(dir, "Pulumi.production.yaml");
      writeFileSync(stackFile, edited);
      const { values, secretKeys } = readStackConfig("production", projectRoot, stackFile);
      expect(messageOf({ stack: "production", values, secretKeys: new Set(secretKeys) })).toContain(
        "toolboxai:services.backend.image.tag = 1.4: was read as a number, but must be text; " +
          'quote it: tag: "1.4"',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("an unquoted whole-number tag is told to quote it, without the note on zeros", () => {
    const input = productionWith({ services: (services) => (services.backend.image.tag = 2) });
    expect(messageOf(input)).toBe(
      oneProblem(
        "toolboxai:services.backend.image.tag = 2: was read as a number, but must be text; " +
          'quote it: tag: "2"',
      ),
    );
  });

  test("a boolean where text belongs, in a field that is a union of strings", () => {
    const input = productionWith({
      services: (services) => (services.postgres.storage.storageClass = true),
    });
    expect(messageOf(input)).toBe(
      oneProblem(
        "toolboxai:services.postgres.storage.storageClass = true: " +
          'was read as a boolean, but must be text; quote it: storageClass: "true"',
      ),
    );
  });

  test("a scalar where a mapping belongs says a mapping is expected", () => {
    expect(messageOf(productionWith({ set: { services: "5" } }))).toBe(
      oneProblem("toolboxai:services = 5: must be a mapping of keys to values"),
    );
    expect(messageOf(productionWith({ services: (services) => (services.backend = null) }))).toBe(
      oneProblem("toolboxai:services.backend = null: must be a mapping of keys to values"),
    );
  });
});
