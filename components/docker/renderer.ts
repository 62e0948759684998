// The Docker WorkloadRenderer: the same WorkloadSpecs as on Kubernetes, as containers on a local
// Docker engine. A network per zone (the source design's segmentation), each internal: Docker
// gives any other network a route out, so the internet is a network of its own that only the
// workloads declaring internet egress join, and the public entry's published port another one
// without a route out. An image pull per reference (or the program's build), and a start order in
// which a workload starts after the healthy containers of the workloads rendered before it in the
// zones it reaches.
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { PublicAddress, RenderedWorkload, WorkloadRenderer } from "../model/renderer";
import {
  imageReference,
  type ImageSpec,
  type SharedVolumeSpec,
  type WorkloadSpec,
} from "../model/workload";
import { reachableZones, type Zone } from "../model/zones";
import { dockerLabels, helperLimits } from "./container";
import {
  DockerWorkload,
  type ContainerImage,
  type DockerContext,
  type OutsideNetwork,
} from "./workload";

/** Each outside network's driver options (see OutsideNetwork). */
const outsideOptions: Readonly<Record<OutsideNetwork, Record<string, string>>> = {
  internet: { "com.docker.network.bridge.enable_icc": "false" },
  published: {
    "com.docker.network.bridge.enable_icc": "false",
    "com.docker.network.bridge.enable_ip_masquerade": "false",
  },
};

export interface DockerRendererArgs {
  /** Prefix of every name on the engine: the instance (`toolboxai-dev`). */
  readonly prefix: string;
  readonly labels: Readonly<Record<string, string>>;
  /** The host port a public entry is published on (one per engine: the gateway's). */
  readonly publicPort: number;
  /** Default 127.0.0.1: published ports are not reachable from the network. */
  readonly publishAddress?: string;
  readonly protectData: boolean;
  /** Key of the digests that restart containers when their files change: a stack secret. */
  readonly checksumKey: pulumi.Input<string>;
  /** Parent of the shared resources (networks, images). */
  readonly parent: pulumi.Resource;
}

/** Where the helper mounts each volume it fills. */
const filesRoot = "/files";

interface QueuedFiles {
  readonly volume: docker.Volume;
  readonly folder: string;
  readonly files: readonly { readonly path: string; readonly content: pulumi.Input<string> }[];
}

/** The file the volume owner leaves in each volume it gives away. */
const ownedMarker = ".volume-owner";

export class DockerRenderer implements WorkloadRenderer {
  private readonly networks = new Map<Zone | OutsideNetwork, docker.Network>();
  private readonly queued: QueuedFiles[] = [];
  /** Shared volumes by claim name (`volume`). */
  private readonly claims = new Map<string, docker.Volume>();
  /** Volumes to be made their workload's own: volume name → owner (uid:gid). */
  private readonly owned = new Map<pulumi.Input<string>, string>();
  private helperImage?: ContainerImage;
  private resolveHelper?: (helper: pulumi.Resource[]) => void;
  private rejectHelper?: (error: Error) => void;
  private readonly helper = new Promise<pulumi.Resource[]>((resolve, reject) => {
    this.resolveHelper = resolve;
    this.rejectHelper = reject;
  });
  private readonly images = new Map<string, docker.RemoteImage>();
  private readonly rendered: {
    zones: readonly Zone[];
    publicEntry: boolean;
    /** It declares metrics endpoints. */
    scraped: boolean;
    /** It scrapes the others (Prometheus). */
    scrapes: boolean;
    workload: DockerWorkload;
  }[] = [];
  private readonly context: DockerContext;

  constructor(private readonly args: DockerRendererArgs) {
    // The program renders synchronously: if createFileHelper() has not run once it has (it
    // forgot, or it threw halfway), the workloads waiting for the helper fail instead of waiting
    // forever.
    setImmediate(() => {
      if (this.rejectHelper) {
        this.rejectHelper(
          new Error(
            "DockerRenderer.createFileHelper() was not called after the program's last " +
              "workload (the Docker platform's close() calls it)",
          ),
        );
      }
    });
    this.context = {
      prefix: args.prefix,
      checksumKey: args.checksumKey,
      labels: args.labels,
      publicPort: args.publicPort,
      publishAddress: args.publishAddress ?? "127.0.0.1",
      protectData: args.protectData,
      network: (zone) => this.network(zone),
      outsideNetwork: (purpose) => this.outsideNetwork(purpose),
      image: (image) => this.image(image),
      startAfter: (spec) => this.startAfter(spec),
      scrapedZones: () => this.scrapedZones(),
      addFiles: (volume, folder, files, image) => {
        this.queued.push({ volume, folder, files });
        this.helperImage ??= image;
      },
      claimVolume: (claim) => this.claims.get(claim)?.name,
      ownVolume: (volume, owner, image) => {
        this.owned.set(volume, owner);
        this.helperImage ??= image;
      },
      filesReady: pulumi.output(this.helper),
    };
  }

  /**
   * Creates the one container that fills every queued volume, then lets the workloads start.
   * Call it once, after the last workload (the platform's `close`): until then their containers
   * wait for it. It is
   * created and never started (no network, no process): Docker refuses uploads into a read-only
   * root filesystem, so this is the one container whose root is writable (a declared exemption
   * in policies/config/dev.json says why).
   */
  createFileHelper(): void {
    if (!this.resolveHelper) throw new Error("DockerRenderer.createFileHelper() was called twice");
    const resolve = this.resolveHelper;
    this.resolveHelper = undefined;
    this.rejectHelper = undefined;
    if (!this.helperImage) return resolve([]);
    const helpers = [this.createVolumeOwner(this.helperImage)];
    if (this.queued.length === 0) return resolve(helpers.filter((helper) => !!helper));
    const at = (volume: docker.Volume) => pulumi.interpolate`${filesRoot}/${volume.name}`;
    const helper = new docker.Container(
      "files",
      {
        name: `${this.args.prefix}-files`,
        image: this.helperImage.reference,
        start: false,
        mustRun: false,
        networkMode: "none",
        entrypoints: ["true"],
        user: "10001:10001",
        capabilities: { drops: ["ALL"] },
        ...helperLimits,
        labels: dockerLabels({ ...this.args.labels, "app.kubernetes.io/name": "files" }),
        mounts: this.queued.map(({ volume }) => ({
          type: "volume",
          source: volume.name,
          target: at(volume),
        })),
        uploads: this.queued.flatMap(({ volume, folder, files }) =>
          files.map((file) => ({
            file: pulumi.interpolate`${at(volume)}/${file.path.slice(folder.length + 1)}`,
            content: file.content,
            permissions: "0444",
          })),
        ),
      },
      { parent: this.args.parent, dependsOn: [this.helperImage.ready], deleteBeforeReplace: true },
    );
    resolve([helper, ...helpers.filter((owner) => !!owner)]);
  }

  /**
   * Docker's stand-in for fsGroup: a new volume is root's, so a workload running as its own UID
   * could not write its data. One container, run once before the workloads start (Pulumi waits
   * for it to exit), gives each volume to its workload's UID:GID, and leaves a file in it: Docker
   * copies the image's folder, with its owner, only into an empty volume (`volume-nocopy` needs
   * Docker 26). It runs as root with CHOWN alone, no network and a read-only root (declared
   * exemptions in policies/config/dev.json say why).
   */
  private createVolumeOwner(image: ContainerImage): docker.Container | undefined {
    if (this.owned.size === 0) return undefined;
    const volumes = [...this.owned.keys()];
    const at = (volume: pulumi.Input<string>) => pulumi.interpolate`${filesRoot}/${volume}`;
    // For each volume, in one shell (the image's busybox or coreutils): the file, then the owner.
    const script = pulumi.all(volumes.map((volume) => pulumi.output(volume))).apply((names) =>
      names
        .map((name, index) => {
          const folder = `${filesRoot}/${name}`;
          const owner = this.owned.get(volumes[index]);
          return `touch ${folder}/${ownedMarker} && chown ${owner} ${folder} ${folder}/${ownedMarker}`;
        })
        .join(" && "),
    );
    return new docker.Container(
      "volume-owner",
      {
        name: `${this.args.prefix}-volume-owner`,
        image: image.reference,
        // Runs to its end while Pulumi waits (attach), then stays exited: never restarted.
        attach: true,
        mustRun: false,
        restart: "no",
        networkMode: "none",
        entrypoints: ["sh", "-c"],
        command: [script],
        user: "0:0",
        capabilities: { drops: ["ALL"], adds: ["CHOWN"] },
        readOnly: true,
        ...helperLimits,
        labels: dockerLabels({ ...this.args.labels, "app.kubernetes.io/name": "volume-owner" }),
        mounts: volumes.map((volume) => ({ type: "volume", source: volume, target: at(volume) })),
      },
      { parent: this.args.parent, dependsOn: [image.ready], deleteBeforeReplace: true },
    );
  }

  render(spec: WorkloadSpec, parent: pulumi.Resource): RenderedWorkload {
    // A scraper joins the networks of the scraped workloads rendered before it (it cannot join
    // one created later): a workload with metrics after it would be unreachable, so it fails.
    const scraper = this.rendered.find(({ scrapes }) => scrapes);
    if (spec.metrics?.length && scraper) {
      throw new Error(
        `workload ${spec.name} declares metrics but is rendered after ` +
          `${scraper.workload.workloadName}, which scrapes the workloads rendered before it: ` +
          `render it first`,
      );
    }
    const published = this.rendered.find(({ publicEntry }) => publicEntry);
    if (spec.publicEntry && published) {
      throw new Error(
        `workload ${spec.name} declares a public entry, but ${published.workload.workloadName} ` +
          `already publishes host port ${this.args.publicPort}: one public entry per engine`,
      );
    }
    const workload = new DockerWorkload(spec.name, { spec, context: this.context }, { parent });
    this.rendered.push({
      zones: spec.zones,
      publicEntry: !!spec.publicEntry,
      scraped: (spec.metrics ?? []).length > 0,
      scrapes: !!spec.scrapes,
      workload,
    });
    return workload;
  }

  /** Docker's embedded DNS, which every container on a user-defined network asks. */
  readonly nameServer = "127.0.0.11";

  /** Its name: every container of a workload carries it as an alias on its zones' networks. */
  hostOf(workload: string): string {
    return workload;
  }

  /** Plain HTTP on the published port: users connect to the workload itself. */
  publicAddress(host: string): PublicAddress {
    return { url: `http://${host}:${this.args.publicPort}`, behindProxy: false };
  }

  /** A named volume; workloads mount it by the returned name (`claims`). */
  volume(spec: SharedVolumeSpec, parent: pulumi.Resource): string {
    const volume = new docker.Volume(
      spec.name,
      {
        name: `${this.args.prefix}-${spec.name}`,
        labels: dockerLabels({ ...this.args.labels, ...spec.labels }),
      },
      { parent, protect: this.args.protectData },
    );
    this.claims.set(spec.name, volume);
    return spec.name;
  }

  /** The networks created so far, by zone or purpose (a stack output). */
  networkNames(): Record<string, pulumi.Output<string>> {
    return Object.fromEntries([...this.networks].map(([zone, network]) => [zone, network.name]));
  }

  private network(zone: Zone): docker.Network {
    let network = this.networks.get(zone);
    if (!network) {
      network = new docker.Network(
        `network-${zone}`,
        {
          name: `${this.args.prefix}-${zone}`,
          driver: "bridge",
          internal: true,
          labels: dockerLabels({ ...this.args.labels, "zone.toolboxai.io/name": zone }),
        },
        { parent: this.args.parent },
      );
      this.networks.set(zone, network);
    }
    return network;
  }

  /** The network of the internet, or of published ports; created once, when first joined. */
  private outsideNetwork(purpose: OutsideNetwork): docker.Network {
    let network = this.networks.get(purpose);
    if (!network) {
      network = new docker.Network(
        `network-${purpose}`,
        {
          name: `${this.args.prefix}-${purpose}`,
          driver: "bridge",
          internal: false,
          options: outsideOptions[purpose],
          labels: dockerLabels({ ...this.args.labels, "network.toolboxai.io/purpose": purpose }),
        },
        { parent: this.args.parent },
      );
      this.networks.set(purpose, network);
    }
    return network;
  }

  /** A built image as built; a pulled one pulled once per reference. */
  private image(spec: ImageSpec): ContainerImage {
    if (spec.built) {
      return { reference: spec.built.reference, ready: spec.built.resource, id: spec.built.id };
    }
    const reference = imageReference(spec);
    let image = this.images.get(reference);
    if (!image) {
      image = new docker.RemoteImage(
        `image-${reference.replace(/[^a-z0-9]+/gi, "-")}`,
        // Kept on the engine on destroy: other projects may use the same image.
        { name: reference, keepLocally: true },
        { parent: this.args.parent },
      );
      this.images.set(reference, image);
    }
    return { reference, ready: image };
  }

  /** The zones of the workloads rendered so far that declared metrics. */
  private scrapedZones(): Zone[] {
    return [...new Set(this.rendered.flatMap(({ zones, scraped }) => (scraped ? zones : [])))];
  }

  /** The containers of the workloads rendered so far in the zones this spec reaches. */
  private startAfter(spec: WorkloadSpec): docker.Container[] {
    const reached = new Set(reachableZones(spec.zones));
    return this.rendered
      .filter(({ zones }) => zones.some((zone) => reached.has(zone)))
      .flatMap(({ workload }) => workload.containers);
  }
}
