// Renders one WorkloadSpec on a Docker engine: its image, a container per replica attached to
// the networks of its zones and of the zones it reaches, hardened from the same security
// profile as on Kubernetes, with its data, secret and config files on volumes (each container's
// secrets, each folder of config files), filled by the renderer's helper container, mounted
// read-only. The files are root's and 0444 (the provider sets no owner): the app's user reads
// them; only this workload mounts them. Small builders over the workload's scope make each part.
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { secretChecksum } from "../model/checksum";
import { resolveSecurity } from "../model/security";
import { assertValidWorkload } from "../model/validate";
import type { RenderedWorkload } from "../model/renderer";
import {
  type ImageSpec,
  mountedFiles,
  secretFileVariable,
  secretPath,
  type Endpoint,
  type PortSpec,
  type WorkloadSpec,
} from "../model/workload";
import { reachableZones, type Zone } from "../model/zones";
import {
  configFolders,
  dockerLabels,
  dockerLimits,
  dockerHealthTiming,
  dockerProblems,
  folderVolumeName,
  hardening,
  healthcheck,
  healthWaitSeconds,
  helperLimits,
  scheduledLoop,
  tmpfsOf,
} from "./container";

/**
 * The networks beyond the zones', whose members reach nothing of each other (inter-container
 * traffic off): `internet` routes out of the engine (NAT), for the workloads that declare
 * internet egress; `published` carries a public entry's published port in, and routes nothing out
 * (no NAT).
 */
export type OutsideNetwork = "internet" | "published";

export interface DockerContext {
  /** Prefix of every name on the engine (containers, networks, volumes): the instance. */
  readonly prefix: string;
  /** Key of the digests that restart containers when their files change: a stack secret. */
  readonly checksumKey: pulumi.Input<string>;
  /** Labels every resource carries (the instance, the project). */
  readonly labels: Readonly<Record<string, string>>;
  /** The network of a zone, created once per zone by the renderer. */
  readonly network: (zone: Zone) => docker.Network;
  /** The network out to the internet, or in from a published port (see OutsideNetwork). */
  readonly outsideNetwork: (purpose: OutsideNetwork) => docker.Network;
  /** A container's image: pulled once per reference by the renderer, or built by the program. */
  readonly image: (image: ImageSpec) => ContainerImage;
  /** The host port a public entry (`WorkloadSpec.publicEntry`) is published on. */
  readonly publicPort: number;
  /** Host address published ports bind to; 127.0.0.1 keeps them off the network. */
  readonly publishAddress: string;
  /**
   * Queues files for upload into a volume (Docker refuses uploads into a read-only root
   * filesystem, even into a volume on it): the renderer's one helper container, created when it
   * finishes, receives them. `paths` are where the workload sees the files.
   */
  readonly addFiles: (
    volume: docker.Volume,
    folder: string,
    files: readonly { readonly path: string; readonly content: pulumi.Input<string> }[],
    image: ContainerImage,
  ) => void;
  /**
   * Queues a volume to be made the workload's own (owner `uid:gid`) before it starts: Docker has
   * no fsGroup, and a new volume is root's.
   */
  readonly ownVolume: (volume: pulumi.Input<string>, owner: string, image: ContainerImage) => void;
  /**
   * The name of the shared volume a claim names (`WorkloadSpec.claims`), when this renderer
   * created it; undefined for one made outside the program.
   */
  readonly claimVolume: (claim: string) => pulumi.Output<string> | undefined;
  /** The helper containers, once the renderer has finished: what filled volumes depend on. */
  readonly filesReady: pulumi.Output<pulumi.Resource[]>;
  /** Pulumi `protect` on volumes that hold data. */
  readonly protectData: boolean;
  /** Workloads whose containers start only after these are healthy. */
  readonly startAfter: (spec: WorkloadSpec) => readonly docker.Container[];
  /** Zones of the workloads rendered so far that declared metrics (what a scraper joins). */
  readonly scrapedZones: () => readonly Zone[];
}

/** What a container runs, and what must exist before it. */
export interface ContainerImage {
  readonly reference: pulumi.Input<string>;
  /** The pull or the build. */
  readonly ready: pulumi.Resource;
  /** A built image's ID: it labels the containers, so a new build replaces them. */
  readonly id?: pulumi.Output<string>;
}

export interface DockerWorkloadArgs {
  readonly spec: WorkloadSpec;
  readonly context: DockerContext;
}

/** Where the helper container sees a folder volume while uploading into it. */
const secretsFolder = "/run/secrets";

type ContainerSpec = WorkloadSpec["containers"][number];

function commandOf(container: ContainerSpec): string[] {
  return [...(container.command ?? []), ...(container.args ?? [])];
}

/** Kubernetes' command and args are Docker's entrypoint and command. */
function commandArgs(container: ContainerSpec) {
  return {
    ...(container.command ? { entrypoints: [...container.command] } : {}),
    ...(container.args ? { command: [...container.args] } : {}),
  };
}

/** Plain variables and the `*_FILE` variable of each secret file the container mounts. */
function envOf(spec: WorkloadSpec, container: ContainerSpec): string[] {
  const env: Record<string, string> = { ...container.env };
  for (const name of mountedFiles(spec, container).secretFiles) {
    env[secretFileVariable(name)] = secretPath(name);
  }
  return Object.keys(env)
    .sort()
    .map((key) => `${key}=${env[key]}`);
}

/** What every builder of one workload's resources reads. */
interface WorkloadScope {
  readonly spec: WorkloadSpec;
  readonly context: DockerContext;
  readonly labels: { label: string; value: string }[];
  readonly child: pulumi.CustomResourceOptions;
}

/** A folder of files on a volume of its own, and what goes into it. */
interface FileVolume {
  readonly folder: string;
  readonly volume: docker.Volume;
  readonly files: { path: string; content: pulumi.Input<string> }[];
  /** Whose it is: the one container's that mounts these secrets; every container's that names a
   * config file in the folder. */
  readonly mountedBy: (container: ContainerSpec) => boolean;
}

/**
 * The workload's files on volumes: the secrets of each container that mounts any on a volume of
 * its own, holding exactly the files it names (Kubernetes mounts each file alone: a sidecar
 * never sees the main container's other secrets); config files on a volume per folder.
 */
function createFileVolumes(scope: WorkloadScope): FileVolume[] {
  const { spec, context, labels, child } = scope;
  const volumes: FileVolume[] = [];
  const values = new Map((spec.secretFiles ?? []).map((file) => [file.name, file.value]));
  for (const container of spec.containers) {
    const names = mountedFiles(spec, container).secretFiles;
    if (names.length === 0) continue;
    // The main container's keeps the workload's name; a sidecar's is named after it.
    const isMain = container === spec.containers[0];
    const folder = isMain ? secretsFolder : `${secretsFolder}/${container.name}`;
    volumes.push({
      folder: secretsFolder,
      volume: new docker.Volume(
        isMain ? `${spec.name}-secrets` : `${spec.name}-secrets-${container.name}`,
        { name: folderVolumeName(context.prefix, spec.name, folder), labels },
        child,
      ),
      files: names.map((name) => ({ path: secretPath(name), content: values.get(name)! })),
      mountedBy: (candidate) => candidate === container,
    });
  }
  const folders = configFolders(spec.configFiles ?? []);
  for (const [folder, files] of folders) {
    // A folder mounted inside another one (Prometheus' rules/ in /etc/prometheus) needs its
    // mount point in the outer volume: the outer one is read-only, and the root as well.
    const mountPoints = [...folders.keys()]
      .filter((inner) => inner.startsWith(`${folder}/`))
      .map((inner) => ({
        path: `${inner}/.mount-point`,
        content: `The folder ${inner} is mounted here.\n`,
      }));
    volumes.push({
      folder,
      volume: new docker.Volume(
        `${spec.name}${folder.replace(/[^a-z0-9]+/gi, "-")}`,
        { name: folderVolumeName(context.prefix, spec.name, folder), labels },
        child,
      ),
      files: [
        ...files.map((file) => ({ path: file.mountPath, content: file.content })),
        ...mountPoints,
      ],
      mountedBy: (container) =>
        files.some((file) => mountedFiles(spec, container).configFiles.includes(file.name)),
    });
  }
  return volumes;
}

/**
 * A digest of every file the workload mounts, which labels its containers so that a change of
 * its files replaces (restarts) them; undefined without files.
 */
function filesDigestOf(scope: WorkloadScope, volumes: readonly FileVolume[]) {
  const { spec, context } = scope;
  const uploads = volumes.flatMap((volume) => volume.files);
  if (uploads.length === 0) return undefined;
  return pulumi.unsecret(
    pulumi
      .all([context.checksumKey, ...uploads.map((upload) => upload.content)])
      .apply(([key, ...contents]) =>
        secretChecksum(
          key,
          spec.name,
          JSON.stringify(uploads.map((upload, index) => [upload.path, contents[index]])),
        ),
      ),
  );
}

/** The volume a stateful workload keeps its data on, protected where the stack asks. */
function createDataVolume(scope: WorkloadScope): docker.Volume | undefined {
  const { spec, context, labels, child } = scope;
  if (!spec.persistentVolume) return undefined;
  // Named `data`, like the claim of each replica on Kubernetes.
  return new docker.Volume(
    `${spec.name}-data`,
    { name: `${context.prefix}-${spec.name}-data`, labels },
    // The data outlives the stack where the stack asks (protectData), as on Kubernetes.
    { ...child, protect: context.protectData },
  );
}

/**
 * The networks a container joins: its zones', those of the zones it reaches, of its extra egress
 * (trace export), and for a scraper those of every scraped workload: on Docker a client must
 * share a network with its server. Docker filters no ports, so joining a zone for one port opens
 * all of that zone's ports to it (Kubernetes' NetworkPolicies are finer). Internal networks keep
 * the data tier offline.
 */
function networksOf(scope: WorkloadScope): Zone[] {
  const { spec, context } = scope;
  return [
    ...new Set<Zone>([
      ...spec.zones,
      ...reachableZones(spec.zones),
      ...(spec.egress ?? []).map((egress) => egress.zone),
      ...(spec.scrapes ? context.scrapedZones() : []),
    ]),
  ];
}

/**
 * The networks outside the zones a workload joins: the internet's when it declares internet
 * egress (every zone network is internal), the published one for its public entry.
 */
function outsideNetworksOf(spec: WorkloadSpec): OutsideNetwork[] {
  return [
    ...(spec.internetEgress ? ["internet" as const] : []),
    ...(spec.publicEntry ? ["published" as const] : []),
  ];
}

/** The main container's mounts: its files read-only, its data volume, the claims it mounts. */
function mainMounts(scope: WorkloadScope, files: readonly FileVolume[], data?: docker.Volume) {
  const { spec, context } = scope;
  return [
    ...fileMounts(spec.containers[0], files),
    ...(data && spec.persistentVolume
      ? [{ type: "volume", source: data.name, target: spec.persistentVolume.mountPath }]
      : []),
    ...(spec.claims ?? []).map((claim) => ({
      type: "volume",
      source: `${context.prefix}-${claim.claimName}`,
      target: claim.mountPath,
      readOnly: claim.readOnly ?? false,
    })),
  ];
}

/**
 * The folders of files a container mounts, read-only where the workload sees them: its own
 * secrets, and each config folder holding a file it names (`mountedFiles`: by default all for
 * the main container, none for a sidecar). Docker mounts folders, not files: a container that
 * names one config file sees the others of its folder.
 */
function fileMounts(container: ContainerSpec, files: readonly FileVolume[]) {
  return files
    .filter(({ mountedBy }) => mountedBy(container))
    .map(({ folder, volume }) => ({
      type: "volume",
      source: volume.name,
      target: folder,
      readOnly: true,
    }));
}

/** A public entry's port, published on the host (the gateway); none for any other workload. */
function publishedPorts(scope: WorkloadScope, ports: readonly PortSpec[]) {
  const { spec, context } = scope;
  const entry = spec.publicEntry;
  const port = entry && ports.find((candidate) => candidate.name === entry.port);
  if (!port) return {};
  return {
    ports: [{ internal: port.port, external: context.publicPort, ip: context.publishAddress }],
  };
}

/** What a workload's containers are built from, once its files, data and image are set up. */
interface Prepared {
  readonly security: ReturnType<typeof resolveSecurity>;
  readonly fileVolumes: readonly FileVolume[];
  /** Labels the containers, so that a change of the files replaces them. */
  readonly filesDigest?: pulumi.Output<string>;
  readonly dataVolume?: docker.Volume;
  readonly mainImage: ContainerImage;
  /** What the main containers wait for: the image, the filled volumes, earlier workloads. */
  readonly dependsOn: pulumi.Input<pulumi.Resource[]>;
  readonly ports: readonly PortSpec[];
}

/** Sets up the files (volumes the renderer's helper fills), the data volume and the image. */
function prepare(scope: WorkloadScope, ports: readonly PortSpec[]): Prepared {
  const { spec, context } = scope;
  // Files: each folder a volume, which the renderer's helper fills before the container starts.
  const fileVolumes = createFileVolumes(scope);
  // Containers name their image by its pinned reference (what the pack checks), pulled once by
  // the renderer's RemoteImage, which they depend on.
  const mainImage = context.image(spec.containers[0].image);
  for (const { volume, folder, files } of fileVolumes) {
    context.addFiles(volume, folder, files, mainImage);
  }
  const filesDigest = filesDigestOf(scope, fileVolumes);
  const dataVolume = createDataVolume(scope);
  const security = resolveSecurity(spec.name, spec.security);
  // What it writes to is its own, as fsGroup makes it on Kubernetes.
  const owner = `${security.runAsUser}:${security.runAsGroup}`;
  if (dataVolume) context.ownVolume(dataVolume.name, owner, mainImage);
  for (const claim of (spec.claims ?? []).filter((candidate) => !candidate.readOnly)) {
    // Only a volume the program made: one made outside it keeps its owner.
    const shared = context.claimVolume(claim.claimName);
    if (shared) context.ownVolume(shared, owner, mainImage);
  }
  // Only workloads rendered before this one: the order stays acyclic when zones reach each
  // other (the backend zone reaches itself).
  const startAfter = context.startAfter(spec);
  const dependsOn = context.filesReady.apply((helper) => [
    mainImage.ready,
    ...helper,
    ...startAfter,
  ]);
  return { security, fileVolumes, filesDigest, dataVolume, mainImage, dependsOn, ports };
}

/** Every running container's: restarted unless stopped, its logs rotated at 10 MB × 3. */
const restartAndLogs = {
  restart: "unless-stopped",
  logDriver: "json-file",
  logOpts: { "max-size": "10m", "max-file": "3" },
};

/** What every container of the workload has: hardening, limits, writable paths, logs, labels. */
function containerBasics(
  scope: WorkloadScope,
  prepared: Prepared,
  container: ContainerSpec,
  image: ContainerImage,
) {
  return {
    ...hardening(prepared.security),
    ...dockerLimits(container),
    tmpfs: tmpfsOf(container),
    ...restartAndLogs,
    // What restarts a container when it changes: its files, and a new build of its image.
    labels: pulumi
      .all([prepared.filesDigest ?? "", image.id ?? ""])
      .apply(([files, built]) => [
        ...scope.labels,
        ...(files ? [{ label: "files.toolboxai.io/digest", value: files }] : []),
        ...(built ? [{ label: "image.toolboxai.io/id", value: built }] : []),
      ]),
  };
}

/** A replica's networks: its zones' under the workload's name, the outside ones, its port. */
function networkAttachments(scope: WorkloadScope, prepared: Prepared) {
  const { spec, context } = scope;
  return {
    // The service's name only where its clients are: on the internet and published networks
    // (no traffic between members) Docker's DNS could answer with an address nobody reaches.
    networksAdvanced: [
      ...networksOf(scope).map((zone) => ({
        name: context.network(zone).name,
        aliases: [spec.name],
      })),
      ...outsideNetworksOf(spec).map((purpose) => ({
        name: context.outsideNetwork(purpose).name,
      })),
    ],
    ...publishedPorts(scope, prepared.ports),
  };
}

/**
 * A replica with sidecars gets a sandbox, as a pod does (Kubernetes' pause container): a
 * container that holds the replica's networks and runs nothing, whose network namespace the main
 * container and its sidecars join. Joined to the main container instead, the sidecars would be
 * cut off whenever it restarts: Docker gives a restarted container a new namespace and leaves its
 * joiners in the old one (an exporter would then see its database down for good).
 */
function createSandbox(scope: WorkloadScope, prepared: Prepared, suffix: string) {
  const { spec, context } = scope;
  return new docker.Container(
    `${spec.name}${suffix}-sandbox`,
    {
      name: `${context.prefix}-${spec.name}${suffix}-sandbox`,
      image: prepared.mainImage.reference,
      // The main image's shell, waiting; a stop ends it at once. The entrypoint is set (an empty
      // one is the image's, which Docker reports back: a change on every preview).
      entrypoints: ["sh", "-c"],
      command: ['trap "exit 0" TERM INT; while :; do sleep 3600 & wait $!; done'],
      ...hardening(prepared.security),
      // The helpers' memory and CPU. Not their process limit: nproc counts every process of the
      // UID on the engine, and the sandbox shares its UID with the workloads.
      memory: helperLimits.memory,
      memorySwap: helperLimits.memorySwap,
      cpus: helperLimits.cpus,
      // Its one job: the replica's network interfaces, beside loopback.
      healthcheck: {
        tests: ["CMD-SHELL", "tail -n +3 /proc/net/dev | grep -qv '^ *lo:'"],
        ...dockerHealthTiming(),
      },
      ...restartAndLogs,
      labels: scope.labels,
      ...networkAttachments(scope, prepared),
    },
    { ...scope.child, dependsOn: [prepared.mainImage.ready] },
  );
}

/**
 * One replica's main container: on its zones' networks under the workload's name, or in its
 * sandbox's network namespace. A scheduled job's runs in its loop (Docker has no scheduler).
 */
function createMainContainer(
  scope: WorkloadScope,
  prepared: Prepared,
  suffix: string,
  sandbox?: docker.Container,
): docker.Container {
  const { spec, context } = scope;
  const main = spec.containers[0];
  const scheduled =
    spec.kind === "scheduled" && spec.schedule
      ? scheduledLoop(commandOf(main), spec.schedule)
      : undefined;
  return new docker.Container(
    `${spec.name}${suffix}`,
    {
      name: `${context.prefix}-${spec.name}${suffix}`,
      image: prepared.mainImage.reference,
      ...(scheduled
        ? { entrypoints: [], command: scheduled.command, healthcheck: scheduled.healthcheck }
        : { ...commandArgs(main), healthcheck: healthcheck(main, spec.probeTiming) }),
      envs: envOf(spec, main),
      ...containerBasics(scope, prepared, main, prepared.mainImage),
      // By ID, as Docker reports it back (by name, every preview would replace the container).
      ...(sandbox
        ? { networkMode: pulumi.interpolate`container:${sandbox.id}` }
        : networkAttachments(scope, prepared)),
      mounts: mainMounts(scope, prepared.fileVolumes, prepared.dataVolume),
      // A service is healthy before `pulumi up` goes on to what depends on it; a scheduled
      // job is healthy only after its first run, which nothing waits for.
      wait: scheduled === undefined,
      waitTimeout: healthWaitSeconds(spec.probeTiming),
    },
    { ...scope.child, dependsOn: prepared.dependsOn },
  );
}

/** A replica's sidecars (exporters), in its sandbox's network namespace, as in a pod. */
function createSidecars(
  scope: WorkloadScope,
  prepared: Prepared,
  sandbox: docker.Container,
  main: docker.Container,
  suffix: string,
): docker.Container[] {
  const { spec, context } = scope;
  return spec.containers.slice(1).map((sidecar) => {
    const image = context.image(sidecar.image);
    return new docker.Container(
      `${spec.name}${suffix}-${sidecar.name}`,
      {
        name: `${context.prefix}-${spec.name}${suffix}-${sidecar.name}`,
        image: image.reference,
        ...commandArgs(sidecar),
        healthcheck: healthcheck(sidecar, spec.probeTiming),
        envs: envOf(spec, sidecar),
        ...containerBasics(scope, prepared, sidecar, image),
        // By ID, as Docker reports it back (by name, every preview would replace the sidecar);
        // a new sandbox takes the replica's containers with it.
        networkMode: pulumi.interpolate`container:${sandbox.id}`,
        mounts: fileMounts(sidecar, prepared.fileVolumes),
        wait: true,
        waitTimeout: healthWaitSeconds(spec.probeTiming),
      },
      { ...scope.child, dependsOn: [main, image.ready] },
    );
  });
}

export class DockerWorkload extends pulumi.ComponentResource implements RenderedWorkload {
  readonly containers: docker.Container[] = [];
  private readonly ports: readonly PortSpec[];
  /** The spec's name: its alias on every network. */
  readonly workloadName: string;

  constructor(name: string, args: DockerWorkloadArgs, opts?: pulumi.ComponentResourceOptions) {
    super("toolboxai:docker:Workload", name, {}, opts);
    const { spec, context } = args;
    assertValidWorkload(spec);
    const problems = dockerProblems(spec);
    if (problems.length > 0) throw new Error(problems.join("\n"));
    this.workloadName = spec.name;
    this.ports = spec.containers.flatMap((container) => container.ports ?? []);
    const labels = dockerLabels({
      ...context.labels,
      ...spec.labels,
      "app.kubernetes.io/name": spec.name,
      "app.kubernetes.io/component": spec.component,
    });
    const scope: WorkloadScope = { spec, context, labels, child: { parent: this } };
    const prepared = prepare(scope, this.ports);
    // A scheduled job runs one container: its runs never overlap.
    const replicas = spec.kind === "scheduled" ? 1 : spec.replicas;
    for (let index = 0; index < replicas; index++) {
      const suffix = replicas === 1 ? "" : `-${index + 1}`;
      if (spec.containers.length === 1) {
        this.containers.push(createMainContainer(scope, prepared, suffix));
        continue;
      }
      const sandbox = createSandbox(scope, prepared, suffix);
      const main = createMainContainer(scope, prepared, suffix, sandbox);
      this.containers.push(
        sandbox,
        main,
        ...createSidecars(scope, prepared, sandbox, main, suffix),
      );
    }
    this.registerOutputs({ containers: this.containers.map((container) => container.name) });
  }

  /** On Docker, a service is reached by its name on a shared network. */
  endpoint(portName: string): Endpoint {
    const port = this.ports.find((candidate) => candidate.name === portName);
    if (!port) throw new Error(`workload ${this.workloadName} publishes no port "${portName}"`);
    return { host: this.workloadName, port: port.port };
  }
}
