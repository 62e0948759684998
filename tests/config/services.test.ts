// A service's settings: image builds, image references, resource quantities and replica rules.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { buildContextProblems, nodeDisk, type DiskView } from "../../components/config/disk";
import { validateConfig } from "../../components/config/validate";
import { projectRoot } from "../../tools/engine/mock-engine";
import { messageOf, oneProblem, productionWith, type Mapping } from "./support";

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
