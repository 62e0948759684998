import {
  imageDigest,
  imagePolicies,
  imagePullPolicy,
  imageTagPinned,
  parseImage,
  registryAllowlist,
} from "../../policies/images";
import { runPolicies } from "../../policies/runner";
import { compliantCronJob, compliantPod } from "./fixtures/hygiene";
import { clone, compliantDeployment, messagesOf, resourceOf } from "./support";

/* eslint-disable @typescript-eslint/no-explicit-any -- fixtures are untyped JSON */

const container = (deployment: any) => deployment.spec.template.spec.containers[0];
const digest = `sha256:${"a1".repeat(32)}`;

/** The Deployment with an init container and an ephemeral container using the given images. */
function withExtraContainers(init: any, ephemeral: any): any {
  const deployment = clone(compliantDeployment());
  const spec = deployment.spec.template.spec;
  spec.initContainers = [{ name: "migrate", imagePullPolicy: "IfNotPresent", ...init }];
  spec.ephemeralContainers = [{ name: "debug", imagePullPolicy: "IfNotPresent", ...ephemeral }];
  return deployment;
}

describe("parseImage", () => {
  test.each([
    ["postgres:16.10-alpine", "docker.io/library/postgres", "16.10-alpine", undefined],
    [
      "nginxinc/nginx-unprivileged:1.28.0-alpine",
      "docker.io/nginxinc/nginx-unprivileged",
      "1.28.0-alpine",
      undefined,
    ],
    ["docker.io/redis", "docker.io/library/redis", undefined, undefined],
    ["index.docker.io/library/redis:7", "docker.io/library/redis", "7", undefined],
    ["ghcr.io/toolboxai/backend:1.4.0", "ghcr.io/toolboxai/backend", "1.4.0", undefined],
    ["localhost:5000/app:2", "localhost:5000/app", "2", undefined],
    [`quay.io/a/b@${digest}`, "quay.io/a/b", undefined, digest],
    [`ghcr.io/toolboxai/backend:1.4.0@${digest}`, "ghcr.io/toolboxai/backend", "1.4.0", digest],
  ])("%s", (image, name, tag, imageDigest) => {
    const reference = parseImage(image);
    expect([reference.name, reference.tag, reference.digest]).toEqual([name, tag, imageDigest]);
  });
});

describe("the program's images", () => {
  test("every image the program deploys passes the whole image domain", async () => {
    const images = [
      "ghcr.io/toolboxai/backend:1.4.0",
      "postgres:16.10-alpine",
      "redis:7.4.5-alpine",
      "nginxinc/nginx-unprivileged:1.28.0-alpine",
      "quay.io/prometheuscommunity/postgres-exporter:v0.17.1",
      "oliver006/redis_exporter:v1.74.0-alpine",
    ];
    const deployment = clone(compliantDeployment());
    deployment.spec.template.spec.containers = images.map((image, index) => ({
      ...container(compliantDeployment()),
      name: `c${index}`,
      image,
    }));
    expect(await runPolicies(imagePolicies, [resourceOf(deployment)])).toEqual([]);
  });
});

describe("image-tag-pinned", () => {
  test("the compliant fixture passes, and so does a digest without a tag", async () => {
    expect(await messagesOf(imageTagPinned, [compliantDeployment()])).toEqual([]);
    const deployment = clone(compliantDeployment());
    container(deployment).image = `ghcr.io/toolboxai/backend@${digest}`;
    expect(await messagesOf(imageTagPinned, [deployment])).toEqual([]);
  });
  test("latest, no tag, and no image, on every container role", async () => {
    const deployment = withExtraContainers(
      { image: "ghcr.io/toolboxai/backend:latest" },
      { image: "busybox" },
    );
    delete container(deployment).image;
    expect(await messagesOf(imageTagPinned, [deployment])).toEqual([
      'Deployment toolboxai/api: container "api" sets no image',
      'Deployment toolboxai/api: initContainer "migrate" image "ghcr.io/toolboxai/backend:latest" ' +
        "uses the latest tag; pin a version tag or an @sha256: digest",
      'Deployment toolboxai/api: ephemeralContainer "debug" image "busybox" has no tag; pin a ' +
        "version tag (not latest) or an @sha256: digest",
    ]);
  });
  test("a malformed digest does not pin; a CronJob is checked too", async () => {
    const cronJob = compliantCronJob();
    cronJob.spec.jobTemplate.spec.template.spec.containers[0].image =
      "ghcr.io/toolboxai/x@sha256:zz";
    expect(await messagesOf(imageTagPinned, [compliantCronJob()])).toEqual([]);
    expect(await messagesOf(imageTagPinned, [cronJob])).toEqual([
      'CronJob toolboxai/report: container "report" image "ghcr.io/toolboxai/x@sha256:zz" has a ' +
        "malformed digest; expected @<algorithm>:<hex>, e.g. @sha256:<64 hex digits>",
    ]);
  });
});

describe("image-digest", () => {
  test("off by default: the compliant fixture passes", async () => {
    expect(await messagesOf(imageDigest, [compliantDeployment()])).toEqual([]);
  });
  test("requireDigest: a tag alone fails; tag plus digest passes", async () => {
    const config = { "image-digest": { requireDigest: true } };
    expect(await messagesOf(imageDigest, [compliantDeployment()], config)).toEqual([
      'Deployment toolboxai/api: container "api" image "ghcr.io/toolboxai/backend:1.4.0" is not ' +
        "pinned by digest; expected @sha256:<64 hex digits>",
    ]);
    const deployment = clone(compliantDeployment());
    container(deployment).image = `ghcr.io/toolboxai/backend:1.4.0@${digest}`;
    expect(await messagesOf(imageDigest, [deployment], config)).toEqual([]);
  });
  test("requireDigest on a Pod's init container; a short digest does not count", async () => {
    const pod = compliantPod();
    pod.spec.containers[0].image = `ghcr.io/toolboxai/backend@${digest}`;
    pod.spec.initContainers = [{ name: "wait", image: "ghcr.io/toolboxai/backend@sha256:abc" }];
    expect(
      await messagesOf(imageDigest, [pod], { "image-digest": { requireDigest: true } }),
    ).toEqual([
      'Pod toolboxai/api: initContainer "wait" image "ghcr.io/toolboxai/backend@sha256:abc" is ' +
        "not pinned by digest; expected @sha256:<64 hex digits>",
    ]);
  });
});

describe("image-registry-allowlist", () => {
  const allowed =
    "ghcr.io/toolboxai/, docker.io/library/, docker.io/nginxinc/, quay.io/prometheuscommunity/, " +
    "docker.io/oliver006/, docker.io/prom/prometheus, docker.io/prom/alertmanager, " +
    "docker.io/prom/node-exporter, docker.io/grafana/grafana, docker.io/grafana/loki, " +
    "docker.io/grafana/alloy, docker.io/jaegertracing/jaeger, " +
    "registry.k8s.io/kube-state-metrics/kube-state-metrics, docker.io/pulumi/pulumi, " +
    "ghcr.io/cloudnative-pg/cloudnative-pg, ghcr.io/cloudnative-pg/postgresql";
  test("the compliant fixture passes", async () => {
    expect(await messagesOf(registryAllowlist, [compliantDeployment()])).toEqual([]);
  });
  test("other registries, look-alike prefixes and non-library Docker Hub names fail", async () => {
    const deployment = withExtraContainers(
      { image: "ghcr.io/toolboxai-evil/backend:1.4.0" },
      { image: "bitnami/redis:7.4" },
    );
    container(deployment).image = "registry.example.com/toolboxai/backend:1.4.0";
    expect(await messagesOf(registryAllowlist, [deployment])).toEqual([
      'Deployment toolboxai/api: container "api" image "registry.example.com/toolboxai/backend:1.4.0" ' +
        "resolves to registry.example.com/toolboxai/backend, which no allowed registry admits " +
        `(allowed: ${allowed})`,
      'Deployment toolboxai/api: initContainer "migrate" image ' +
        '"ghcr.io/toolboxai-evil/backend:1.4.0" resolves to ghcr.io/toolboxai-evil/backend, which ' +
        `no allowed registry admits (allowed: ${allowed})`,
      'Deployment toolboxai/api: ephemeralContainer "debug" image "bitnami/redis:7.4" resolves to ' +
        `docker.io/bitnami/redis, which no allowed registry admits (allowed: ${allowed})`,
    ]);
  });
  test("allowedRegistries is configurable", async () => {
    const cronJob = compliantCronJob();
    const config = { "image-registry-allowlist": { allowedRegistries: ["registry.example.com"] } };
    expect(await messagesOf(registryAllowlist, [cronJob], config)).toEqual([
      'CronJob toolboxai/report: container "report" image "ghcr.io/toolboxai/backend:1.4.0" ' +
        "resolves to ghcr.io/toolboxai/backend, which no allowed registry admits (allowed: " +
        "registry.example.com)",
    ]);
    container(cronJob.spec.jobTemplate).image = "registry.example.com/tools/report:2";
    expect(await messagesOf(registryAllowlist, [cronJob], config)).toEqual([]);
  });
});

describe("image-pull-policy", () => {
  test("the compliant fixture passes; an unpinned image with Always passes", async () => {
    expect(await messagesOf(imagePullPolicy, [compliantDeployment()])).toEqual([]);
    const deployment = clone(compliantDeployment());
    container(deployment).image = "ghcr.io/toolboxai/backend:latest";
    container(deployment).imagePullPolicy = "Always";
    expect(await messagesOf(imagePullPolicy, [deployment])).toEqual([]);
  });
  test("pinned with Always or unset, unpinned with IfNotPresent", async () => {
    const deployment = withExtraContainers(
      { image: "ghcr.io/toolboxai/backend" },
      { image: `ghcr.io/toolboxai/backend@${digest}`, imagePullPolicy: "Always" },
    );
    delete container(deployment).imagePullPolicy;
    expect(await messagesOf(imagePullPolicy, [deployment])).toEqual([
      'Deployment toolboxai/api: container "api" image "ghcr.io/toolboxai/backend:1.4.0" is ' +
        "pinned; imagePullPolicy is unset, expected IfNotPresent",
      'Deployment toolboxai/api: initContainer "migrate" image "ghcr.io/toolboxai/backend" is not ' +
        "pinned; imagePullPolicy is IfNotPresent, expected Always",
      `Deployment toolboxai/api: ephemeralContainer "debug" image "ghcr.io/toolboxai/backend@${digest}" ` +
        "is pinned; imagePullPolicy is Always, expected IfNotPresent",
    ]);
  });
  test("a Pod is checked too", async () => {
    const pod = compliantPod();
    pod.spec.containers[0].imagePullPolicy = "Never";
    expect(await messagesOf(imagePullPolicy, [pod])).toEqual([
      'Pod toolboxai/api: container "api" image "ghcr.io/toolboxai/backend:1.4.0" is pinned; ' +
        "imagePullPolicy is Never, expected IfNotPresent",
    ]);
  });
});
