// Container images: pinned tags or digests, digests where required, an allow-list of registries,
// and a pull policy that matches how the image is pinned. Every container of every pod-bearing
// kind is checked, init and ephemeral containers included (the Kyverno, Polaris, kube-score,
// CIS Docker 4.2 and Checkov image rows).
import type { Policies } from "@pulumi/policy";
import { celString, celStrings, podAdmission, type AdmissionVariable } from "./lib/admission-form";
import { podRule, requireDigestConfig } from "./lib/define";
import { containerFields, describeContainer, type ContainerEntry } from "./lib/kubernetes";

/** An image reference split the way Docker resolves it. */
export interface ImageReference {
  /** Registry host, `docker.io` when the reference names none. */
  readonly registry: string;
  /** Repository path under the registry; `library/<name>` for bare Docker Hub names. */
  readonly repository: string;
  readonly tag?: string;
  /** `algorithm:hex`, without the `@`. */
  readonly digest?: string;
  /** `registry/repository`, the form `allowedRegistries` entries are prefixes of. */
  readonly name: string;
}

/**
 * Parses an image reference Docker-style: no registry host → docker.io; a single path segment on
 * docker.io → docker.io/library/<name>; index.docker.io is docker.io. The first path segment is a
 * host when it contains a dot or a colon, or is `localhost`.
 */
export function parseImage(image: string): ImageReference {
  let rest = image.trim();
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const segments = rest.split("/");
  let registry = "docker.io";
  const first = segments[0];
  if (
    segments.length > 1 &&
    (first.includes(".") || first.includes(":") || first.toLowerCase() === "localhost")
  ) {
    registry = first.toLowerCase();
    segments.shift();
  }
  if (registry === "index.docker.io" || registry === "registry-1.docker.io") registry = "docker.io";
  if (registry === "docker.io" && segments.length === 1) segments.unshift("library");
  const repository = segments.join("/");
  return {
    registry,
    repository,
    ...(tag ? { tag } : {}),
    ...(digest ? { digest } : {}),
    name: `${registry}/${repository}`,
  };
}

const sha256Digest = /^sha256:[a-f0-9]{64}$/;

/** A content digest: sha256 and 64 lowercase hex digits. */
export function isSha256Digest(digest: string | undefined): boolean {
  return digest !== undefined && sha256Digest.test(digest);
}

/** Pinned: a well-formed digest, or a tag other than `latest`. */
export function isPinned(reference: ImageReference): boolean {
  if (reference.digest !== undefined && anyDigest.test(reference.digest)) return true;
  return reference.tag !== undefined && reference.tag !== "latest";
}

const anyDigest = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-fA-F0-9]{32,}$/;

/**
 * The containers' images, parsed in CEL as `parseImage` parses them, for the admission forms
 * (each map's values all strings: the API server refuses a literal that mixes types):
 * `variables.images`, a map of strings for each container that names an image, in the pack's
 * order (containers, init containers, ephemeral ones): its `role` and `name`, the `image` as
 * written; `at` ("yes" when it has an @), `digest`, `tag` (empty when none), `pinned` ("yes" or
 * "no") and `ref`, the normalised `registry/repository`.
 */
export const imageVariables: readonly AdmissionVariable[] = [
  {
    name: "imageEntries",
    expression: containerFields
      .map(
        ([field, role]) =>
          `variables.${field}.filter(c, has(c.image) && c.image != '')` +
          `.map(c, {'role': '${role}', 'name': string(c.name), 'image': string(c.image), ` +
          "'trimmed': string(c.image).trim()})",
      )
      .join(" + "),
  },
  {
    // Split at the first @: the digest after it, the rest before.
    name: "imageDigests",
    expression:
      "variables.imageEntries.map(e, {'role': e.role, 'name': e.name, 'image': e.image, " +
      "'at': e.trimmed.contains('@') ? 'yes' : '', " +
      "'digest': e.trimmed.contains('@') ? e.trimmed.substring(e.trimmed.indexOf('@') + 1) : '', " +
      "'rest': e.trimmed.contains('@') ? e.trimmed.substring(0, e.trimmed.indexOf('@')) : e.trimmed})",
  },
  {
    // A tag after the last colon when it follows the last slash (a registry's port is no tag).
    name: "imageTags",
    expression:
      "variables.imageDigests.map(d, {'role': d.role, 'name': d.name, 'image': d.image, " +
      "'at': d.at, 'digest': d.digest, " +
      "'tag': d.rest.lastIndexOf(':') > d.rest.lastIndexOf('/') ? d.rest.substring(d.rest.lastIndexOf(':') + 1) : '', " +
      "'path': d.rest.lastIndexOf(':') > d.rest.lastIndexOf('/') ? d.rest.substring(0, d.rest.lastIndexOf(':')) : d.rest})",
  },
  {
    // The registry is the first path segment when it looks like a host; else Docker Hub, where a
    // bare name is an official image (library/).
    name: "images",
    expression: (() => {
      const first = "t.path.split('/')[0]";
      const hasHost =
        `t.path.contains('/') && (${first}.contains('.') || ${first}.contains(':') || ` +
        `${first}.lowerAscii() == 'localhost')`;
      const afterHost = `t.path.substring(size(${first}) + 1)`;
      const onHub = (repository: string) =>
        `'docker.io/' + (${repository}.contains('/') ? '' : 'library/') + ${repository}`;
      const ref =
        `(${hasHost}) ? (${first}.lowerAscii() in ['index.docker.io', 'registry-1.docker.io'] ? ` +
        `${onHub(afterHost)} : ${first}.lowerAscii() + '/' + ${afterHost}) : ${onHub("t.path")}`;
      const pinned =
        `(t.at == 'yes' && t.digest.matches(${celString(anyDigest.source)})) || ` +
        `(t.tag != '' && t.tag != 'latest')`;
      return (
        "variables.imageTags.map(t, {'role': t.role, 'name': t.name, 'image': t.image, " +
        `'at': t.at, 'digest': t.digest, 'tag': t.tag, 'pinned': (${pinned}) ? 'yes' : 'no', ` +
        `'ref': ${ref}})`
      );
    })(),
  },
];

/** Containers that name an image, with the image. */
function imagesOf(
  containers: readonly ContainerEntry[],
): { entry: ContainerEntry; image: string }[] {
  return containers
    .filter((entry) => typeof entry.container.image === "string" && entry.container.image !== "")
    .map((entry) => ({ entry, image: entry.container.image as string }));
}

export const imageTagPinned = podRule({
  name: "image-tag-pinned",
  description:
    "Every container image is pinned: a tag other than `latest`, or a digest; an image with no " +
    "tag at all fails (Kyverno disallow-latest-tag; Polaris tagNotSpecified; kube-score " +
    "container-image-tag; CKV_K8S_14).",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Give the image an explicit version tag (e.g. `postgres:16.10-alpine`) or an " +
    "`@sha256:<digest>`. Component images take their tag from the stack's image settings; never " +
    "use `latest` or leave the tag off.",
  check: (pod) => {
    const messages: string[] = [];
    for (const entry of pod.containers) {
      const image = entry.container.image;
      if (typeof image !== "string" || image === "") {
        messages.push(`${describeContainer(entry)} sets no image`);
        continue;
      }
      const reference = parseImage(image);
      if (isPinned(reference)) continue;
      if (reference.digest !== undefined) {
        messages.push(
          `${describeContainer(entry)} image "${image}" has a malformed digest; expected ` +
            "@<algorithm>:<hex>, e.g. @sha256:<64 hex digits>",
        );
      } else if (reference.tag === "latest") {
        messages.push(
          `${describeContainer(entry)} image "${image}" uses the latest tag; pin a version tag ` +
            "or an @sha256: digest",
        );
      } else {
        messages.push(
          `${describeContainer(entry)} image "${image}" has no tag; pin a version tag (not ` +
            "latest) or an @sha256: digest",
        );
      }
    }
    return messages;
  },
  // A container without an image never reaches admission: the API requires one.
  admission: podAdmission(
    () => [
      {
        expression: "variables.images.all(i, i.pinned == 'yes')",
        messageExpression:
          "variables.images.filter(i, i.pinned != 'yes').map(i, i.role + ' \"' + i.name + " +
          "'\" image \"' + i.image + '\" ' + (i.at == 'yes' ? 'has a malformed digest; expected " +
          "@<algorithm>:<hex>, e.g. @sha256:<64 hex digits>' : i.tag == 'latest' ? 'uses the " +
          "latest tag; pin a version tag or an @sha256: digest' : 'has no tag; pin a version tag " +
          "(not latest) or an @sha256: digest'))[0]",
      },
    ],
    { variables: imageVariables },
  ),
});

export const imageDigest = podRule({
  name: "image-digest",
  description:
    "Where `requireDigest` is set, every container image is pinned by an @sha256: digest, so the " +
    "bytes cannot change under a tag (Kyverno require-image-digest; CKV_K8S_43).",
  severity: "medium",
  enforcementLevel: "mandatory",
  config: { requireDigest: requireDigestConfig },
  remediationSteps:
    "Append the image's digest to the reference (`name:tag@sha256:<digest>`, from `docker " +
    "buildx imagetools inspect` or the registry), or turn `requireDigest` off for this stack.",
  check: (pod, config) => {
    if (config.requireDigest !== true) return [];
    return imagesOf(pod.containers)
      .filter(({ image }) => !isSha256Digest(parseImage(image).digest))
      .map(
        ({ entry, image }) =>
          `${describeContainer(entry)} image "${image}" is not pinned by digest; expected ` +
          "@sha256:<64 hex digits>",
      );
  },
  admission: podAdmission(
    (config) => {
      if (config.requireDigest !== true) return [];
      const bySha256 = "i.at == 'yes' && i.digest.matches('^sha256:[a-f0-9]{64}$')";
      return [
        {
          expression: `variables.images.all(i, ${bySha256})`,
          messageExpression:
            `variables.images.filter(i, !(${bySha256})).map(i, i.role + ' "' + i.name + ` +
            `'" image "' + i.image + '" is not pinned by digest; expected @sha256:<64 hex digits>')[0]`,
        },
      ];
    },
    { variables: imageVariables },
  ),
});

/**
 * What the program deploys: its own images, Docker Hub official images, two exporters, nginx, the
 * monitoring tier, and the Pulumi CLI the operator's workspaces run (delivery).
 */
export const defaultAllowedRegistries: readonly string[] = [
  "ghcr.io/toolboxai/",
  "docker.io/library/",
  "docker.io/nginxinc/",
  "quay.io/prometheuscommunity/",
  "docker.io/oliver006/",
  // The monitoring tier's official images, by repository.
  "docker.io/prom/prometheus",
  "docker.io/prom/alertmanager",
  "docker.io/prom/node-exporter",
  "docker.io/grafana/grafana",
  "docker.io/grafana/loki",
  "docker.io/grafana/alloy",
  "docker.io/jaegertracing/jaeger",
  "registry.k8s.io/kube-state-metrics/kube-state-metrics",
  "docker.io/pulumi/pulumi",
  // CloudNativePG's operator and its PostgreSQL operand images (database.engine: cloudnative-pg).
  "ghcr.io/cloudnative-pg/cloudnative-pg",
  "ghcr.io/cloudnative-pg/postgresql",
];

/** An entry admits a name equal to it or below it at a path boundary. */
function admits(entry: string, name: string): boolean {
  const prefix = entry.replace(/\/+$/, "");
  if (prefix === "") return false;
  return name === prefix || name.startsWith(`${prefix}/`);
}

export const registryAllowlist = podRule({
  name: "image-registry-allowlist",
  description:
    "Images come only from the configured registries and repository prefixes; references are " +
    "normalised Docker-style first (`redis` is docker.io/library/redis, `nginxinc/x` is " +
    "docker.io/nginxinc/x) (Kyverno restrict-image-registries; CIS Docker 4.2).",
  severity: "high",
  enforcementLevel: "mandatory",
  config: {
    allowedRegistries: {
      type: "array",
      items: { type: "string", minLength: 1 },
      default: [...defaultAllowedRegistries],
      description:
        "Prefixes of normalised image names (`registry/repository`), matched at a path boundary: " +
        '"ghcr.io/toolboxai/" admits ghcr.io/toolboxai/backend, not ghcr.io/toolboxai-x/y.',
    },
  },
  remediationSteps:
    "Pull the image from an allowed registry (mirror it into ghcr.io/toolboxai/ if need be), or, " +
    "after review, add its registry/repository prefix to `allowedRegistries` in the stack's " +
    "policy config.",
  check: (pod, config) => {
    const allowed: string[] = [...(config.allowedRegistries ?? [])].map(String);
    return imagesOf(pod.containers)
      .filter(({ image }) => !allowed.some((entry) => admits(entry, parseImage(image).name)))
      .map(
        ({ entry, image }) =>
          `${describeContainer(entry)} image "${image}" resolves to ${parseImage(image).name}, ` +
          `which no allowed registry admits (allowed: ${allowed.join(", ") || "none"})`,
      );
  },
  admission: podAdmission(
    (config) => {
      const allowed: string[] = [...(config.allowedRegistries ?? [])].map(String);
      const prefixes = allowed
        .map((entry) => entry.replace(/\/+$/, ""))
        .filter((prefix) => prefix !== "");
      const admitted = `${celStrings(prefixes)}.exists(p, i.ref == p || i.ref.startsWith(p + '/'))`;
      return [
        {
          expression: `variables.images.all(i, ${admitted})`,
          messageExpression:
            `variables.images.filter(i, !(${admitted})).map(i, i.role + ' "' + i.name + ` +
            `'" image "' + i.image + '" resolves to ' + i.ref + ` +
            `${celString(`, which no allowed registry admits (allowed: ${allowed.join(", ") || "none"})`)})[0]`,
        },
      ];
    },
    { variables: imageVariables },
  ),
});

export const imagePullPolicy = podRule({
  name: "image-pull-policy",
  description:
    "`imagePullPolicy` is set explicitly and matches the pinning: IfNotPresent for a pinned tag " +
    "or digest (the bytes cannot change, so no registry round trip), Always for anything else " +
    "(Kyverno; Polaris pullPolicyNotAlways; kube-score container-image-pull-policy; CKV_K8S_15).",
  severity: "medium",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Set `imagePullPolicy: IfNotPresent` on containers whose image has a version tag or digest, " +
    "and `Always` on any other; better, pin the image (see image-tag-pinned).",
  packOnly:
    "The API server fills in `imagePullPolicy` before admission policies see the object " +
    "(IfNotPresent for a tag other than latest, Always otherwise): whether the stack set it " +
    "cannot be judged there.",
  check: (pod) =>
    imagesOf(pod.containers).flatMap(({ entry, image }) => {
      const pinned = isPinned(parseImage(image));
      const expected = pinned ? "IfNotPresent" : "Always";
      const actual = entry.container.imagePullPolicy;
      if (actual === expected) return [];
      return [
        `${describeContainer(entry)} image "${image}" is ${pinned ? "pinned" : "not pinned"}; ` +
          `imagePullPolicy is ${actual ?? "unset"}, expected ${expected}`,
      ];
    }),
});

export const imagePolicies: Policies = [
  imageTagPinned,
  imageDigest,
  registryAllowlist,
  imagePullPolicy,
];
