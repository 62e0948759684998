// The resolved configuration: PlatformConfig and its services, and the image a service runs.
import type * as pulumi from "@pulumi/pulumi";
import type { StackPolicyConfig } from "../../policies/lib/admission-policies";
import type {
  Autoscaling,
  ImageBuild,
  ImageRef,
  Resources,
  SecretKey,
  ServiceName,
  StackConfig,
  Storage,
} from "./schema";

/** A service's settings after the stack's overrides are laid over the code defaults. */
export interface ServiceSettings {
  /** The image from the stack; components/images adds the build when the stack names one. */
  readonly image: ImageSpec;
  readonly replicas: number;
  readonly resources: Resources;
  readonly autoscaling?: Autoscaling;
  readonly maxUnavailable: number;
  readonly internetEgress: boolean;
  readonly storage?: Storage;
  /** Build the image locally (components/images) instead of pulling it. */
  readonly build?: ImageBuild;
}

/** Services a feature switch can turn off; they are resolved only when on. */
export type OptionalService =
  "robloxSync" | "flower" | "grafana" | "postgresExporter" | "postgresOperator" | "redisSentinel";

export type ResolvedServices = Readonly<
  Record<Exclude<ServiceName, OptionalService>, ServiceSettings>
> &
  Readonly<Partial<Record<OptionalService, ServiceSettings>>>;

export interface PlatformConfig extends Omit<StackConfig, "services" | SecretKey> {
  readonly stack: string;
  /** Every enabled service; a switched-off one (robloxSyncEnabled, …) is absent. */
  readonly services: ResolvedServices;
  /** Secret values the stack supplied; the rest are generated. Plain strings: wrap before use. */
  readonly suppliedSecrets: Readonly<Partial<Record<SecretKey, string>>>;
  /**
   * The stack's policy config (policies/config/<stack>.json), which its admission policies
   * enforce; read by loadPlatformConfig where they are on (Kubernetes, admissionPolicies not off).
   */
  readonly policyConfig?: StackPolicyConfig;
}

/** An image a container runs: pulled by its pinned reference, or built by the program. */
export interface ImageSpec extends ImageRef {
  /** Set when components/images built it (the stack named a build context). */
  readonly built?: BuiltImage;
}

export interface BuiltImage {
  /** What containers run: the pushed digest on Kubernetes, the local tag on Docker. */
  readonly reference: pulumi.Output<string>;
  /** The built image's ID or digest: a new build of the same tag restarts the containers. */
  readonly id: pulumi.Output<string>;
  /** The build, which containers wait for. */
  readonly resource: pulumi.Resource;
}
