// What a platform renderer offers the components: turn a WorkloadSpec into running resources
// and say where they are reached. Kubernetes (../kubernetes/renderer.ts) and Docker
// (../docker/renderer.ts) implement it; components depend only on this interface.
import type * as pulumi from "@pulumi/pulumi";
import type { Endpoint, SharedVolumeSpec, WorkloadSpec } from "./workload";

export interface RenderedWorkload {
  /** Where other workloads reach the named port. Throws if the workload has no such port. */
  endpoint(portName: string): Endpoint;
}

/** Where users reach a workload's public entry (`WorkloadSpec.publicEntry`). */
export interface PublicAddress {
  readonly url: string;
  /**
   * A proxy of the platform (the cluster's Ingress controller) forwards the requests: the
   * workload may trust its forwarded headers. False where users connect to the workload itself.
   */
  readonly behindProxy: boolean;
}

export interface WorkloadRenderer {
  /** Creates the workload's resources as children of `parent`. */
  render(spec: WorkloadSpec, parent: pulumi.Resource): RenderedWorkload;
  /**
   * The host name a workload of this renderer is reached at, known before it is rendered (the
   * monitoring tier's workloads name each other in their configs).
   */
  hostOf(workload: string): string;
  /**
   * Where users will reach a public entry at `host`, known before it is rendered (the backend
   * names its public URL before the gateway exists).
   */
  publicAddress(host: string): PublicAddress;
  /**
   * The DNS server a workload asks at request time (nginx's `resolver`), so a proxy starts, and
   * keeps up, while the names it forwards to come and go.
   */
  readonly nameServer: string;
  /** Creates storage that workloads mount by the returned claim name (`WorkloadSpec.claims`). */
  volume(spec: SharedVolumeSpec, parent: pulumi.Resource): string;
}
