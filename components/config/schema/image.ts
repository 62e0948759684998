// An image reference (`{repository, tag, digest}`), as a stack names the image a service runs.
import { z } from "zod";
import { mapping } from "./primitives";

const repositoryMessage =
  "must be an image repository such as ghcr.io/toolboxai/backend (a ':' only before a " +
  "registry's port, such as registry.local:5000/backend)";
/** distribution/reference: `[host[:port]/]path`, lowercase components joined by '.', '_' or '-'. */
const repositoryPattern =
  /^([a-z0-9]+([._-][a-z0-9]+)*(:\d{1,5})?\/)?[a-z0-9]+([._-][a-z0-9]+)*(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/;

function shortened(text = ""): string {
  return text.length > 20 ? `${text.slice(0, 19)}…` : text;
}

/** The tag (`:latest`) or digest (`@sha256:…`) a repository ends in, if it carries one. */
export function pinInRepository(repository: string): string | undefined {
  const at = repository.indexOf("@");
  if (at >= 0) return repository.slice(at);
  const last = repository.slice(repository.lastIndexOf("/") + 1);
  const colon = last.indexOf(":");
  return colon >= 0 ? last.slice(colon) : undefined;
}
/** Docker's tag grammar (distribution/reference): `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`. */
const tagMessage =
  "must be a Docker image tag: 1 to 128 letters, digits, '_', '.' or '-', " +
  "not starting with '.' or '-' (such as 1.4.0 or 1.4.0-beta)";
const digestMessage = "must be sha256: followed by 64 hex digits";

export const imageSchema = z
  .object(
    {
      repository: z
        .string({ error: repositoryMessage })
        .refine((repository) => pinInRepository(repository) === undefined, {
          error: (issue) =>
            `must not carry a tag or digest ("${shortened(pinInRepository(String(issue.input)))}"): the ` +
            "reference is repository:tag or repository@digest, so give the version in " +
            "image.tag or image.digest",
          abort: true,
        })
        .regex(repositoryPattern, { error: repositoryMessage })
        .meta({
          description: "The image's repository, such as `ghcr.io/toolboxai/backend`.",
          allowed: "no tag or digest; a `:` only before a registry's port",
        }),
      /** Never `latest` (CONTRIBUTING, rule 8): a floating tag is not a pinned image. */
      tag: z
        .string({ error: tagMessage })
        .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, { error: tagMessage })
        .refine((tag) => tag !== "latest", { error: 'must be a pinned version, not "latest"' })
        .optional()
        .meta({
          description: "The pinned version, such as `1.4.0`.",
          allowed: "Docker image tag, not `latest`",
        }),
      digest: z
        .string({ error: digestMessage })
        .regex(/^sha256:[a-f0-9]{64}$/, { error: digestMessage })
        .optional()
        .meta({ description: "The image's content digest.", allowed: "`sha256:<64 hex>`" }),
    },
    mapping,
  )
  .strict()
  .refine((image) => image.tag !== undefined || image.digest !== undefined, {
    error: "must pin a tag or a digest",
  })
  .meta({
    description:
      "The image to run: `{repository, tag}`, `{repository, digest}`, or all three; " +
      "a tag or a digest must be set.",
  });

export type ImageRef = z.infer<typeof imageSchema>;
