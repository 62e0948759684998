// Images the program builds: a service whose stack settings name a build context gets its image
// built by the Docker engine, tagged with the configured repository and version. Pushed when the
// stack names a registry (the engine's `docker login` credentials); then Kubernetes runs it by
// its digest. On Docker the local tag serves, and the build's ID restarts containers on change.
import * as path from "node:path";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { ResolvedServices } from "../config";
import type { PlatformKind } from "../config/schema";
import { imageReference, type BuiltImage } from "../model/workload";

export interface ImageBuildsArgs {
  readonly services: ResolvedServices;
  readonly platform: PlatformKind;
  /** Registry host to push to; empty: the image stays on the engine that built it. */
  readonly registry: string;
}

export class ImageBuilds extends pulumi.ComponentResource {
  /** The services' settings, each built image in place of the pulled one. */
  readonly services: ResolvedServices;
  /** The built images, by reference (`repository:tag`). */
  readonly built: ReadonlyMap<string, BuiltImage>;

  constructor(name: string, args: ImageBuildsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("toolboxai:images:ImageBuilds", name, {}, opts);
    const built = new Map<string, BuiltImage>();
    for (const [service, settings] of Object.entries(args.services)) {
      const reference = settings && imageReference(settings.image);
      if (!settings?.build || !reference || built.has(reference)) continue;
      const image = new docker.Image(
        service,
        {
          imageName: reference,
          build: {
            context: settings.build.context,
            // The provider reads the Dockerfile's path from the program's folder, not the context.
            dockerfile: path.join(settings.build.context, settings.build.dockerfile),
          },
          skipPush: args.registry === "",
        },
        { parent: this },
      );
      built.set(reference, {
        reference: args.platform === "kubernetes" ? image.repoDigest : image.imageName,
        id: image.repoDigest,
        resource: image,
      });
    }
    this.built = built;
    // Services that share a built image (Celery runs the backend's) run the same build.
    this.services = Object.fromEntries(
      Object.entries(args.services).map(([service, settings]) => {
        const image = settings && built.get(imageReference(settings.image));
        return [
          service,
          image ? { ...settings, image: { ...settings.image, built: image } } : settings,
        ];
      }),
    ) as ResolvedServices;
    this.registerOutputs({ images: [...built.keys()] });
  }
}
