// Stack configuration validation: every kind of bad input gets one exact, pinned message that
// names the key, the stack file, the value and what is allowed. Inputs start from the real
// Pulumi.production.yaml (read the way the engine merges it with Pulumi.yaml's defaults) and
// change one thing each.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import type { ZodType } from "zod";
import { serviceDefaults } from "../components/config/defaults";
import {
  buildContextProblems,
  nodeDisk,
  renderDirProblems,
  type DiskView,
} from "../components/config/disk";
import {
  booleanKeys,
  objectKeys,
  integerKeys,
  providerNamespaces,
  stackConfigSchema,
} from "../components/config/schema";
import { ConfigError, validateConfig, type RawConfigInput } from "../components/config/validate";
import { projectRoot, readStackConfig } from "../tools/engine/mock-engine";

// The services mapping is edited freely, including into shapes the schema rejects.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Mapping = Record<string, any>;

interface Edit {
  /** Top-level keys (without `toolboxai:`) set to the raw string the engine would pass. */
  readonly set?: Record<string, string>;
  /** Top-level keys removed, as if neither the stack file nor Pulumi.yaml set them. */
  readonly remove?: readonly string[];
  /** Edits the parsed `toolboxai:services` mapping in place; it is written back as JSON. */
  readonly services?: (services: Mapping) => void;
  /** Top-level keys marked as stored encrypted (`pulumi config set --secret`). */
  readonly secret?: readonly string[];
}

const key = (name: string) => `toolboxai:${name}`;

/** A stack's real config as validateConfig receives it. */
function stackInput(stack: string): RawConfigInput {
  const { values, secretKeys } = readStackConfig(stack);
  return { stack, values, secretKeys: new Set(secretKeys) };
}

/** The production stack's real config with one edit applied. */
function productionWith(edit: Edit = {}): RawConfigInput {
  const input = stackInput("production");
  const values = { ...input.values };
  if (edit.services) {
    const services = JSON.parse(values[key("services")]) as Mapping;
    edit.services(services);
    values[key("services")] = JSON.stringify(services);
  }
  for (const [name, value] of Object.entries(edit.set ?? {})) values[key(name)] = value;
  for (const name of edit.remove ?? []) delete values[key(name)];
  const secretKeys = new Set([...input.secretKeys, ...(edit.secret ?? []).map(key)]);
  return { stack: "production", values, secretKeys };
}

/** The production stack's real config plus full keys (`namespace:key`) as the engine passes. */
function productionWithKeys(values: Record<string, string>): RawConfigInput {
  const input = productionWith();
  return { ...input, values: { ...input.values, ...values } };
}

/** The ConfigError validateConfig throws for `input`; fails the test if it accepts it. */
function configErrorOf(input: RawConfigInput): ConfigError {
  try {
    validateConfig(input);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error("validateConfig accepted the config; a ConfigError was expected");
}

const messageOf = (input: RawConfigInput) => configErrorOf(input).message;

/** The full message of a ConfigError with exactly one problem. */
const oneProblem = (line: string) =>
  `Pulumi.production.yaml has 1 configuration problem:\n  ${line}`;

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

describe("renderDir", () => {
  const renderDirMessage = (renderDir: string) => messageOf(productionWith({ set: { renderDir } }));
  const ownFolder = "name a folder of the render's own, such as /tmp/toolboxai-render";

  test("the root, a top-level folder or a system folder is refused, also when written with ..", () => {
    expect(renderDirMessage("/")).toBe(
      oneProblem(
        'toolboxai:renderDir = "/": is the root or a top-level folder, shared by everything on ' +
          `the machine: ${ownFolder}`,
      ),
    );
    expect(renderDirMessage("/tmp")).toBe(
      oneProblem(
        'toolboxai:renderDir = "/tmp": is the root or a top-level folder, shared by everything ' +
          `on the machine: ${ownFolder}`,
      ),
    );
    expect(renderDirMessage("/etc/../etc")).toBe(
      oneProblem(
        'toolboxai:renderDir = "/etc/../etc": is the operating system\'s folder /etc or inside ' +
          `it: ${ownFolder}`,
      ),
    );
    expect(renderDirMessage("/usr/local/render")).toBe(
      oneProblem(
        'toolboxai:renderDir = "/usr/local/render": is the operating system\'s folder /usr or ' +
          `inside it: ${ownFolder}`,
      ),
    );
  });

  test("a path that is not normalised or holds other characters is refused", () => {
    const allowed =
      "must be a normalised absolute path of letters, digits, '.', '_', '-' and '/' (no '..', " +
      "'//' or trailing '/'), such as /tmp/toolboxai-render";
    for (const renderDir of ["/tmp/a b;$(id)", "/tmp/render/", "/tmp/./render", "/tmp//render"]) {
      expect(renderDirMessage(renderDir)).toBe(
        oneProblem(`toolboxai:renderDir = ${JSON.stringify(renderDir)}: ${allowed}`),
      );
    }
    expect(renderDirMessage("/tmp/x/../../etc/passwd")).toBe(
      oneProblem(
        'toolboxai:renderDir = "/tmp/x/../../etc/passwd": is the operating system\'s folder ' +
          `/etc or inside it: ${ownFolder}`,
      ),
    );
  });

  test("empty or an absolute path; a relative one is refused", () => {
    expect(validateConfig(productionWith({ set: { renderDir: "/tmp/render" } })).renderDir).toBe(
      "/tmp/render",
    );
    expect(messageOf(productionWith({ set: { renderDir: "out/render" } }))).toBe(
      oneProblem(
        'toolboxai:renderDir = "out/render": must be empty (deploy to the cluster) or an absolute ' +
          "folder path, where the provider then writes the manifests instead of applying them",
      ),
    );
  });
});

describe("renderDir on disk", () => {
  let scratch: string;
  beforeEach(() => (scratch = mkdtempSync(path.join(tmpdir(), "toolboxai-renderdir-"))));
  afterEach(() => rmSync(scratch, { recursive: true, force: true }));
  const problemsOf = (renderDir: string) => renderDirProblems({ renderDir }, nodeDisk);
  const problem = (renderDir: string, message: string) => [
    { key: "toolboxai:renderDir", shownValue: JSON.stringify(renderDir), message },
  ];

  test("a missing folder, an empty one, or one holding only the provider's folders is accepted", () => {
    const render = path.join(scratch, "render");
    expect(problemsOf(render)).toEqual([]);
    mkdirSync(render);
    expect(problemsOf(render)).toEqual([]);
    mkdirSync(path.join(render, "0-crd"));
    mkdirSync(path.join(render, "1-manifest"));
    expect(problemsOf(render)).toEqual([]);
    expect(problemsOf("")).toEqual([]);
  });

  test("a folder holding anything else is refused, naming what it holds", () => {
    const render = path.join(scratch, "render");
    mkdirSync(path.join(render, "1-manifest"), { recursive: true });
    writeFileSync(path.join(render, "important.txt"), "precious");
    writeFileSync(path.join(render, "0-crd"), "a file, not the provider's folder");
    expect(problemsOf(render)).toEqual(
      problem(
        render,
        "holds 0-crd, important.txt, which no render wrote: the folder must be missing, empty, " +
          "or hold only 0-crd/ and 1-manifest/ from an earlier render; name another folder or " +
          "empty this one",
      ),
    );
  });

  test("a file is not a folder", () => {
    const file = path.join(scratch, "file");
    writeFileSync(file, "");
    expect(problemsOf(file)).toEqual(problem(file, `is not a folder (${file})`));
  });

  test("a link into a system folder is followed and refused, also below a missing folder", () => {
    symlinkSync("/etc", path.join(scratch, "link"));
    const ownFolder = "name a folder of the render's own, such as /tmp/toolboxai-render";
    expect(problemsOf(path.join(scratch, "link"))).toEqual(
      problem(
        path.join(scratch, "link"),
        `resolves to /etc, which is the operating system's folder /etc or inside it: ${ownFolder}`,
      ),
    );
    expect(problemsOf(path.join(scratch, "link", "new", "render"))).toEqual(
      problem(
        path.join(scratch, "link", "new", "render"),
        "resolves to /etc/new/render, which is the operating system's folder /etc or inside it: " +
          ownFolder,
      ),
    );
  });

  test("a provider folder that is a link is not the provider's", () => {
    const render = path.join(scratch, "render");
    mkdirSync(render);
    mkdirSync(path.join(scratch, "victim"));
    symlinkSync(path.join(scratch, "victim"), path.join(render, "1-manifest"));
    expect(problemsOf(render)[0].message).toMatch(/^holds 1-manifest, which no render wrote/);
  });
});

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
          remove: ["delivery"],
        }),
      ),
    ).toBe(
      oneProblem(
        'toolboxai:tlsIssuer = "letsencrypt": is set, but platform is docker: nothing reads it; ' +
          "remove it (it applies to platform: kubernetes)",
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
        productionWith({ set: { platform: "docker", tlsIssuer: "" }, remove: ["delivery"] }),
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

describe("image builds", () => {
  const withBuild = (set: Record<string, string>, image?: object) =>
    productionWith({
      set,
      services: (services) => {
        services.backend.build = { context: "images/backup-tools" };
        if (image) services.backend.image = image;
      },
    });

  test("on Kubernetes a build needs a registry to push to", () => {
    expect(messageOf(withBuild({}))).toBe(
      oneProblem(
        "toolboxai:services.backend.build: needs toolboxai:imageRegistry on platform kubernetes: " +
          "a cluster pulls images from a registry, not from the engine that built them",
      ),
    );
    expect(validateConfig(withBuild({ imageRegistry: "ghcr.io" })).services.backend.build).toEqual({
      context: "images/backup-tools",
      dockerfile: "Dockerfile",
      allowOutsideProject: false,
    });
  });

  test("the image lives in that registry, and has a version tag", () => {
    expect(messageOf(withBuild({ imageRegistry: "registry.local:5000" }))).toBe(
      oneProblem(
        'toolboxai:services.backend.image.repository = "ghcr.io/toolboxai/backend": must be in ' +
          "the registry built images are pushed to (registry.local:5000/…)",
      ),
    );
    expect(
      messageOf(
        withBuild(
          { imageRegistry: "ghcr.io" },
          { repository: "ghcr.io/toolboxai/backend", digest: `sha256:${"a".repeat(64)}` },
        ),
      ),
    ).toBe(
      oneProblem(
        "toolboxai:services.backend.image.tag: is required with build: the built image is " +
          "tagged with this version",
      ),
    );
  });

  /** A stand-in disk holding `files` (absolute paths, links already resolved) and nothing else. */
  const standInDisk = (files: readonly string[]): DiskView => ({
    realpath: (file) => (files.includes(file) ? file : undefined),
    entries: () => undefined,
  });

  test("the context folder and its Dockerfile must exist (a stand-in disk, then the real one)", () => {
    const config = validateConfig(withBuild({ imageRegistry: "ghcr.io" }));
    const context = path.join(projectRoot, "images", "backup-tools");
    expect(
      buildContextProblems(config.services, projectRoot, standInDisk([projectRoot, context])),
    ).toEqual([
      {
        key: "toolboxai:services.backend.build.dockerfile",
        shownValue: '"Dockerfile"',
        message: `is not a file: ${path.join(context, "Dockerfile")} does not exist`,
      },
    ]);
    expect(buildContextProblems(config.services, "/nowhere", standInDisk([]))).toEqual([
      {
        key: "toolboxai:services.backend.build.context",
        shownValue: '"images/backup-tools"',
        message: "is not a folder: /nowhere/images/backup-tools does not exist",
      },
    ]);
    // The repository's own folder passes.
    expect(buildContextProblems(config.services, projectRoot, nodeDisk)).toEqual([]);
  });

  describe("outside the project", () => {
    let scratch: string;
    let project: string;
    beforeEach(() => {
      scratch = mkdtempSync(path.join(tmpdir(), "toolboxai-build-"));
      project = path.join(scratch, "project");
      mkdirSync(path.join(project, "images", "app"), { recursive: true });
      writeFileSync(path.join(project, "images", "app", "Dockerfile"), "FROM scratch\n");
      mkdirSync(path.join(scratch, "elsewhere"));
      writeFileSync(path.join(scratch, "elsewhere", "Dockerfile"), "FROM scratch\n");
    });
    afterEach(() => rmSync(scratch, { recursive: true, force: true }));
    const problemsOf = (build: Mapping) => {
      const config = validateConfig(
        productionWith({
          set: { imageRegistry: "ghcr.io" },
          services: (services) => (services.backend.build = build),
        }),
      );
      return buildContextProblems(config.services, project, nodeDisk);
    };
    const outside = (field: string, value: string, resolved: string) => ({
      key: `toolboxai:services.backend.build.${field}`,
      shownValue: JSON.stringify(value),
      message:
        `is outside the project folder ${project} (it resolves to ${resolved}), and the build ` +
        "sends its context to the Docker engine: keep the build inside the project, or set " +
        "services.backend.build.allowOutsideProject: true",
    });
    const elsewhere = () => path.join(scratch, "elsewhere");

    test("a context reached with .. is refused", () => {
      expect(problemsOf({ context: "../elsewhere" })).toEqual([
        outside("context", "../elsewhere", elsewhere()),
      ]);
      expect(problemsOf({ context: "images/app" })).toEqual([]);
    });

    test("a context reached through a link is refused", () => {
      symlinkSync(elsewhere(), path.join(project, "images", "link"));
      expect(problemsOf({ context: "images/link" })).toEqual([
        outside("context", "images/link", elsewhere()),
      ]);
    });

    test("a Dockerfile outside the project is refused", () => {
      expect(
        problemsOf({ context: "images/app", dockerfile: "../../../elsewhere/Dockerfile" }),
      ).toEqual([
        outside(
          "dockerfile",
          "../../../elsewhere/Dockerfile",
          path.join(elsewhere(), "Dockerfile"),
        ),
      ]);
    });

    test("allowOutsideProject: true lets it through", () => {
      expect(problemsOf({ context: "../elsewhere", allowOutsideProject: true })).toEqual([]);
    });
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
    expect(messageOf(productionWith({ set: { platform: "docker", tlsIssuer: "" } }))).toBe(
      oneProblem(
        "toolboxai:delivery: is set, but platform is docker: nothing reads it; remove it (it applies to platform: kubernetes)",
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

  test("__proto__ is an unknown key, not a prototype, at the top level and below", () => {
    const top = messageOf(productionWithKeys({ "toolboxai:__proto__": "x" }));
    expect(top).toMatch(
      /^Pulumi\.production\.yaml has 1 configuration problem:\n {2}toolboxai:__proto__: unknown key; known keys here: alertChatWebhookUrl, /,
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
          "postgresExporter, prometheus, redis, redisExporter, robloxSync",
      ),
    );
  });
});

describe("images", () => {
  test('tag "latest" is refused', () => {
    const input = productionWith({
      services: (services) => (services.backend.image.tag = "latest"),
    });
    expect(messageOf(input)).toBe(
      oneProblem(
        'toolboxai:services.backend.image.tag = "latest": must be a pinned version, not "latest"',
      ),
    );
  });

  test("a tag outside Docker's tag grammar says what a tag may hold", () => {
    const input = productionWith({
      services: (services) => (services.backend.image.tag = "1.4.0:beta"),
    });
    expect(messageOf(input)).toBe(
      oneProblem(
        'toolboxai:services.backend.image.tag = "1.4.0:beta": must be a Docker image tag: ' +
          "1 to 128 letters, digits, '_', '.' or '-', not starting with '.' or '-' " +
          "(such as 1.4.0 or 1.4.0-beta)",
      ),
    );
  });

  test("a repository that carries a tag or digest is refused: the tag belongs in tag", () => {
    const pinned = (repository: string) =>
      messageOf(
        productionWith({
          services: (services) => (services.dashboard.image = { repository, tag: "1.0" }),
        }),
      );
    const advice =
      "the reference is repository:tag or repository@digest, so give the version in image.tag " +
      "or image.digest";
    expect(pinned("ghcr.io/toolboxai/dashboard:latest")).toBe(
      oneProblem(
        'toolboxai:services.dashboard.image.repository = "ghcr.io/toolboxai/dashboard:latest": ' +
          `must not carry a tag or digest (":latest"): ${advice}`,
      ),
    );
    expect(pinned(`ghcr.io/toolboxai/dashboard@sha256:${"a".repeat(64)}`)).toContain(
      `must not carry a tag or digest ("@sha256:aaaaaaaaaaa…"): ${advice}`,
    );
    // Without a path, host:port is a repository and its tag.
    expect(pinned("registry.local:5000")).toBe(
      oneProblem(
        'toolboxai:services.dashboard.image.repository = "registry.local:5000": must not carry ' +
          `a tag or digest (":5000"): ${advice}`,
      ),
    );
  });

  test("a colon is allowed only before a registry's port", () => {
    const withRepository = (repository: string) =>
      productionWith({
        services: (services) => (services.dashboard.image = { repository, tag: "1.0" }),
      });
    expect(
      validateConfig(withRepository("registry.local:5000/toolboxai/dashboard")).services.dashboard
        .image.repository,
    ).toBe("registry.local:5000/toolboxai/dashboard");
    expect(messageOf(withRepository("ghcr.io/toolboxai:1/dashboard"))).toBe(
      oneProblem(
        'toolboxai:services.dashboard.image.repository = "ghcr.io/toolboxai:1/dashboard": must ' +
          "be an image repository such as ghcr.io/toolboxai/backend (a ':' only before a " +
          "registry's port, such as registry.local:5000/backend)",
      ),
    );
  });

  test("a repository that is not text says what a repository is", () => {
    const input = productionWith({
      services: (services) => (services.backend.image.repository = ["ghcr.io/toolboxai/backend"]),
    });
    expect(messageOf(input)).toBe(
      oneProblem(
        'toolboxai:services.backend.image.repository = ["ghcr.io/toolboxai/backend"]: ' +
          "must be an image repository such as ghcr.io/toolboxai/backend (a ':' only before a " +
          "registry's port, such as registry.local:5000/backend)",
      ),
    );
  });

  test("an image with neither tag nor digest", () => {
    const input = productionWith({ services: (services) => delete services.backend.image.tag });
    expect(messageOf(input)).toBe(
      oneProblem(
        'toolboxai:services.backend.image = {"repository":"ghcr.io/toolboxai/backend"}: ' +
          "must pin a tag or a digest",
      ),
    );
  });

  test("a missing application image is reported once, not again where it is inherited", () => {
    const input = productionWith({ services: (services) => delete services.backend.image });
    expect(messageOf(input)).toBe(
      oneProblem(
        "toolboxai:services.backend.image: " +
          "is required: application images have no default; set repository and tag",
      ),
    );
  });
});

describe("resource quantities", () => {
  test("a CPU value that is not a quantity", () => {
    const input = productionWith({
      services: (services) => (services.backend.resources.requests.cpu = "lots"),
    });
    expect(messageOf(input)).toBe(
      oneProblem(
        'toolboxai:services.backend.resources.requests.cpu = "lots": ' +
          "must be a CPU quantity such as 250m or 1",
      ),
    );
  });

  test("a memory value that is not a quantity", () => {
    const input = productionWith({
      services: (services) => (services.backend.resources.limits.memory = "1.5GB"),
    });
    expect(messageOf(input)).toBe(
      oneProblem(
        'toolboxai:services.backend.resources.limits.memory = "1.5GB": ' +
          "must be a memory quantity such as 256Mi or 1Gi",
      ),
    );
  });

  test("a limit, request or storage size of 0 is refused", () => {
    const zero =
      "must be more than 0 (a zero limit sets no bound; a zero request or size reserves nothing)";
    const input = productionWith({
      services: (services) => {
        services.dashboard.resources = {
          requests: { cpu: "0", memory: "0" },
          limits: { cpu: 0, memory: "0Mi" },
        };
      },
    });
    expect(messageOf(input)).toBe(
      [
        "Pulumi.production.yaml has 4 configuration problems:",
        `  toolboxai:services.dashboard.resources.requests.cpu = "0": ${zero}`,
        `  toolboxai:services.dashboard.resources.requests.memory = "0": ${zero}`,
        `  toolboxai:services.dashboard.resources.limits.cpu = 0: ${zero}`,
        `  toolboxai:services.dashboard.resources.limits.memory = "0Mi": ${zero}`,
      ].join("\n"),
    );
    const storage = productionWith({
      services: (services) => (services.postgres.storage = { size: "0Gi", storageClass: "" }),
    });
    expect(messageOf(storage)).toBe(
      oneProblem(`toolboxai:services.postgres.storage.size = "0Gi": ${zero}`),
    );
  });

  test("a CPU limit below the CPU request", () => {
    const input = productionWith({
      services: (services) => (services.backend.resources.limits.cpu = "250m"),
    });
    expect(messageOf(input)).toBe(
      oneProblem(
        'toolboxai:services.backend.resources.limits.cpu = "250m": ' +
          "must be at least the CPU request (500m)",
      ),
    );
  });

  test("a memory limit below the memory request", () => {
    const input = productionWith({
      services: (services) => (services.postgres.resources.requests.memory = "8Gi"),
    });
    expect(messageOf(input)).toBe(
      oneProblem(
        'toolboxai:services.postgres.resources.limits.memory = "4Gi": ' +
          "must be at least the memory request (8Gi)",
      ),
    );
  });
});

describe("replica rules", () => {
  test("autoscaling maxReplicas below minReplicas", () => {
    const input = productionWith({
      services: (services) => (services.backend.autoscaling.maxReplicas = 2),
    });
    expect(messageOf(input)).toBe(
      oneProblem(
        "toolboxai:services.backend.autoscaling.maxReplicas = 2: must be at least minReplicas (3)",
      ),
    );
  });

  test("postgres, a singleton, with two replicas", () => {
    const input = productionWith({ services: (services) => (services.postgres.replicas = 2) });
    expect(messageOf(input)).toBe(
      oneProblem(
        "toolboxai:services.postgres.replicas = 2: must be 1: this service runs as a single pod",
      ),
    );
  });

  test("celeryBeat, a singleton, with two replicas", () => {
    const input = productionWith({
      services: (services) => (services.celeryBeat = { replicas: 2 }),
    });
    expect(messageOf(input)).toBe(
      oneProblem(
        "toolboxai:services.celeryBeat.replicas = 2: must be 1: this service runs as a single pod",
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
      "delivery",
      "docker",
      "monitoring",
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

describe("autoscaled services", () => {
  test("replicas next to autoscaling is refused: the autoscaler owns the count", () => {
    const input = productionWith({ services: (services) => (services.backend.replicas = 3) });
    expect(messageOf(input)).toBe(
      oneProblem(
        "toolboxai:services.backend.replicas = 3: must be left out when autoscaling is set: " +
          "the autoscaler owns the replica count (from minReplicas 3)",
      ),
    );
  });
});

describe("backups", () => {
  const backupWith = (edit: (backup: Mapping) => void) => {
    const input = productionWith();
    const backup = JSON.parse(input.values[key("backup")]) as Mapping;
    edit(backup);
    return productionWithKeys({ [key("backup")]: JSON.stringify(backup) });
  };

  test("the recovery point objective must be one a schedule can meet exactly", () => {
    expect(messageOf(productionWith({ set: { recoveryPointObjectiveMinutes: "45" } }))).toBe(
      oneProblem(
        "toolboxai:recoveryPointObjectiveMinutes = 45: must be one of: 5, 6, 10, 12, 15, 20, 30, " +
          "60, 120, 180, 240, 360, 480, 720, 1440 (a divisor of an hour or a day, so that backups " +
          "run exactly that often)",
      ),
    );
  });

  test("a recipient that is not an age public key is named with what is allowed", () => {
    const input = backupWith((backup) => ((backup.recipients as string[])[1] = "ssh-ed25519 AAAA"));
    expect(messageOf(input)).toBe(
      oneProblem(
        'toolboxai:backup.recipients.1 = "ssh-ed25519 AAAA": must be an age public key (age1 ' +
          "followed by 58 Bech32 characters, as `age-keygen -y` prints it)",
      ),
    );
  });

  test("a bucket without its credentials validates: they are a deploy-time requirement", () => {
    // Production's own file: a bucket, no credentials. `pulumi up` refuses that (examples.ts,
    // tests/example-values.test.ts); the config itself is valid, so a preview renders it.
    const config = validateConfig(productionWith());
    expect(config.backup?.storage.type).toBe("s3");
    expect(config.suppliedSecrets).toEqual({});
  });

  test("bucket credentials without a bucket are read by nothing", () => {
    const input = backupWith((backup) => (backup.storage = { type: "volume" }));
    const values = {
      ...input.values,
      [key("backupS3AccessKeyId")]: "AKIAEXAMPLE",
      [key("backupS3SecretAccessKey")]: "example-secret",
    };
    const secretKeys = new Set([
      ...input.secretKeys,
      key("backupS3AccessKeyId"),
      key("backupS3SecretAccessKey"),
    ]);
    expect(messageOf({ ...input, values, secretKeys })).toBe(
      [
        "Pulumi.production.yaml has 2 configuration problems:",
        "  toolboxai:backupS3AccessKeyId = [secret]: is set, but backup.storage.type is not s3: " +
          "nothing reads it; remove it",
        "  toolboxai:backupS3SecretAccessKey = [secret]: is set, but backup.storage.type is not " +
          "s3: nothing reads it; remove it",
      ].join("\n"),
    );
  });

  test("an unknown storage type lists both", () => {
    const input = backupWith((backup) => (backup.storage = { type: "nfs" }));
    expect(messageOf(input)).toContain(
      'toolboxai:backup.storage.type = "nfs": must have type: volume (with size, storageClass) ' +
        "or type: s3 (with endpoint, bucket)",
    );
  });
});
