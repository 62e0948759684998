// Images: container images and RemoteImages pinned by a version tag or a digest.
import { isSha256Digest, parseImage } from "../images";
import { requireDigestConfig, resourceRule } from "../lib/define";
import { dockerContainerType, dockerRemoteImageType } from "../lib/docker";

/** Why an image reference is not pinned, or undefined. */
export function imagePinProblem(image: string, requireDigest: boolean): string | undefined {
  // A bare image ID (what a RemoteImage's imageId gives) is as pinned as a digest.
  if (isSha256Digest(image)) return undefined;
  const reference = parseImage(image);
  if (isSha256Digest(reference.digest)) return undefined;
  if (reference.tag === undefined) {
    return `image "${image}" has no tag, so Docker pulls latest; pin a version tag or a digest`;
  }
  if (reference.tag === "latest")
    return `image "${image}" uses the latest tag; pin a version tag or a digest`;
  if (requireDigest) {
    return `image "${image}" is not pinned by digest; append @sha256:<digest>`;
  }
  return undefined;
}

export const dockerImagePinned = resourceRule({
  name: "docker-image-pinned",
  description:
    "Docker container images and RemoteImages are pinned by a version tag (not latest) or a " +
    "digest; digests can be required by config (image-tag-pinned; image-digest (config)).",
  severity: "medium",
  enforcementLevel: "mandatory",
  config: { requireDigest: requireDigestConfig },
  remediationSteps:
    'Reference images as "registry/name:1.2.3" or "registry/name@sha256:…" in the stack file; ' +
    "give containers the RemoteImage's `imageId` or `repoDigest`.",
  appliesTo: (type) => type === dockerContainerType || type === dockerRemoteImageType,
  check: (resource, config) => {
    const field = resource.type === dockerContainerType ? "image" : "name";
    const image = resource.props[field];
    if (typeof image !== "string" || image === "") return [`${field} is unset; set a pinned image`];
    const problem = imagePinProblem(image, config.requireDigest === true);
    return problem ? [problem] : [];
  },
});
