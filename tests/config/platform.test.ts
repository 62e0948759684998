// The platform and the keys only one platform reads, delivery, and credentials in URLs.
import { validateConfig } from "../../components/config/validate";
import {
  key,
  messageOf,
  oneProblem,
  productionWith,
  productionWithKeys,
  stackInput,
  type Mapping,
} from "./support";

describe("platform", () => {
  test("dev's stack file runs on Docker; staging and production on Kubernetes", () => {
    expect(
      ["dev", "staging", "production"].map((stack) => validateConfig(stackInput(stack)).platform),
    ).toEqual(["docker", "kubernetes", "kubernetes"]);
    expect(validateConfig(stackInput("dev")).docker).toEqual({
      host: "",
      publishAddress: "127.0.0.1",
      gatewayPort: 8080,
    });
  });

  test("only kubernetes or docker", () => {
    expect(messageOf(productionWith({ set: { platform: "nomad" } }))).toBe(
      oneProblem('toolboxai:platform = "nomad": must be one of: kubernetes, docker'),
    );
  });

  test("a key of the other platform is refused, naming the platform it applies to", () => {
    expect(
      messageOf(
        productionWith({
          set: { platform: "docker", tlsIssuer: "letsencrypt" },
          remove: ["delivery", "database", "redis"],
        }),
      ),
    ).toBe(
      oneProblem(
        'toolboxai:tlsIssuer = "letsencrypt": is set, but platform is docker: nothing reads it; ' +
          "remove it (it applies to platform: kubernetes)",
      ),
    );
    // Admission policies need an API server: a Docker stack that asks for them gets none.
    expect(
      messageOf(
        productionWith({
          set: { platform: "docker", tlsIssuer: "", admissionPolicies: "audit" },
          remove: ["delivery", "database", "redis"],
        }),
      ),
    ).toBe(
      oneProblem(
        'toolboxai:admissionPolicies = "audit": is set, but platform is docker: nothing reads ' +
          "it; remove it (it applies to platform: kubernetes)",
      ),
    );
    expect(messageOf(productionWith({ set: { docker: '{"gatewayPort":9000}' } }))).toBe(
      oneProblem(
        "toolboxai:docker: is set, but platform is kubernetes: " +
          "nothing reads it; remove it (it applies to platform: docker)",
      ),
    );
    // At their defaults (as Pulumi.yaml hands them to the program) they are not "set".
    expect(
      validateConfig(
        productionWith({
          set: { platform: "docker", tlsIssuer: "" },
          remove: ["delivery", "database", "redis"],
        }),
      ).platform,
    ).toBe("docker");
  });

  test("the engine's address, the published address and port are checked", () => {
    const dockerWith = (docker: object) =>
      messageOf(
        productionWith({
          set: { platform: "docker", tlsIssuer: "", docker: JSON.stringify(docker) },
        }),
      );
    expect(dockerWith({ host: "/var/run/docker.sock" })).toContain(
      'toolboxai:docker.host = "/var/run/docker.sock": must be empty (the DOCKER_HOST variable or the local socket) or a unix://, tcp:// or ssh:// address of a Docker engine',
    );
    expect(dockerWith({ publishAddress: "0.0.0.256" })).toContain(
      'toolboxai:docker.publishAddress = "0.0.0.256": must be an IPv4 address such as 127.0.0.1',
    );
    expect(dockerWith({ gatewayPort: 80 })).toContain(
      "toolboxai:docker.gatewayPort = 80: must be an integer from 1024 to 65535",
    );
    expect(dockerWith({ port: 8080 })).toContain("toolboxai:docker");
  });
});

describe("delivery", () => {
  test("staging and production deliver with the operator; dev with nothing", () => {
    expect(
      ["dev", "staging", "production"].map(
        (stack) => validateConfig(stackInput(stack)).delivery.mode,
      ),
    ).toEqual(["none", "operator", "operator"]);
  });
  test("operator mode needs a repository and the credentials' Secret, and checks them", () => {
    const withDelivery = (delivery: object) =>
      messageOf(productionWith({ set: { delivery: JSON.stringify(delivery) } }));
    expect(withDelivery({ mode: "operator", repository: "git@github.com:x/y.git" })).toBe(
      [
        "Pulumi.production.yaml has 2 configuration problems:",
        '  toolboxai:delivery.repository = "git@github.com:x/y.git": must be an https:// git URL such as https://github.com/toolboxai/infrastructure.git',
        "  toolboxai:delivery.credentialsSecret: is required; must be a DNS label: lowercase letters, digits and '-', 1 to 63 characters",
      ].join("\n"),
    );
    expect(withDelivery({ mode: "flux" })).toContain(
      "must have mode: none, operator (with repository, credentialsSecret) or argocd (with repository)",
    );
  });
  test("argocd mode fills in its defaults and checks its fields; delivery is refused on Docker", () => {
    const withDelivery = (delivery: object) =>
      productionWith({ set: { delivery: JSON.stringify(delivery) } });
    expect(
      validateConfig(withDelivery({ mode: "argocd", repository: "https://github.com/x/y.git" }))
        .delivery,
    ).toEqual({
      mode: "argocd",
      repository: "https://github.com/x/y.git",
      branch: "deploy",
      path: "manifests",
      argocdNamespace: "argocd",
      retryLimit: 5,
    });
    expect(
      messageOf(
        withDelivery({
          mode: "argocd",
          repository: "https://github.com/x/y.git",
          path: "../elsewhere",
          retryLimit: 0,
          credentialsSecret: "pulumi-credentials",
        }),
      ),
    ).toBe(
      [
        "Pulumi.production.yaml has 3 configuration problems:",
        "  toolboxai:delivery.path = \"../elsewhere\": must be empty or a relative folder such as infrastructure (no '..')",
        "  toolboxai:delivery.retryLimit = 0: must be an integer from 1 to 20",
        "  toolboxai:delivery.credentialsSecret: unknown key",
      ].join("\n"),
    );
    expect(
      messageOf(
        productionWith({
          set: { platform: "docker", tlsIssuer: "" },
          remove: ["database", "redis"],
        }),
      ),
    ).toBe(
      oneProblem(
        "toolboxai:delivery: is set, but platform is docker: nothing reads it; remove it (it applies to platform: kubernetes)",
      ),
    );
    // The database engine likewise: a CloudNativePG cluster needs a cluster.
    expect(
      messageOf(
        productionWith({
          set: { platform: "docker", tlsIssuer: "" },
          remove: ["delivery", "redis"],
        }),
      ),
    ).toBe(
      oneProblem(
        "toolboxai:database: is set, but platform is docker: nothing reads it; remove it (it applies to platform: kubernetes)",
      ),
    );
    // And Redis's Sentinel mode: its pods find each other by their cluster DNS names.
    expect(
      messageOf(
        productionWith({
          set: { platform: "docker", tlsIssuer: "" },
          remove: ["delivery", "database"],
        }),
      ),
    ).toBe(
      oneProblem(
        "toolboxai:redis: is set, but platform is docker: nothing reads it; remove it (it applies to platform: kubernetes)",
      ),
    );
  });
});

describe("credentials in URLs", () => {
  const token = "ghp_A1b2C3d4E5f6G7h8";
  const credentialsMessage =
    "must not carry credentials (user:token@ before the host): they would be rendered in plain " +
    "text; keep them in a Secret the delivery tool reads, and give the URL without them";

  test("a delivery repository with user:token@ is refused without showing the token", () => {
    const message = messageOf(
      productionWith({
        set: {
          delivery: JSON.stringify({
            mode: "argocd",
            repository: `https://deploy:${token}@github.com/toolboxai/infrastructure.git`,
          }),
        },
      }),
    );
    expect(message).toBe(
      oneProblem(
        'toolboxai:delivery.repository = "https://[credentials]@github.com/toolboxai/' +
          `infrastructure.git": ${credentialsMessage}`,
      ),
    );
    expect(message).not.toContain(token);
  });

  test("the operator's state backend and the backup endpoint are refused alike", () => {
    const message = messageOf(
      productionWith({
        set: {
          delivery: JSON.stringify({
            mode: "operator",
            repository: "https://github.com/toolboxai/infrastructure.git",
            credentialsSecret: "pulumi-credentials",
            backend: `https://${token}@state.example.com`,
          }),
        },
      }),
    );
    expect(message).toBe(
      oneProblem(
        `toolboxai:delivery.backend = "https://[credentials]@state.example.com": ${credentialsMessage}`,
      ),
    );
    const backup = JSON.parse(productionWith().values[key("backup")]) as Mapping;
    backup.storage = { type: "s3", endpoint: `https://AKIA:${token}@s3.example`, bucket: "b-k" };
    const endpointMessage = messageOf(
      productionWithKeys({ [key("backup")]: JSON.stringify(backup) }),
    );
    expect(endpointMessage).toContain(
      `toolboxai:backup.storage.endpoint = "https://[credentials]@s3.example": ${credentialsMessage}`,
    );
    expect(endpointMessage).not.toContain(token);
  });

  test("any value shown in a message has its URL credentials replaced", () => {
    const message = messageOf(
      productionWith({ set: { domain: `https://u:${token}@app.example.com` } }),
    );
    expect(message).toBe(
      oneProblem(
        'toolboxai:domain = "https://[credentials]@app.example.com": must be a fully qualified ' +
          "lowercase DNS name such as app.example.com",
      ),
    );
  });
});
