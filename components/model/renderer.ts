// What a platform renderer offers the components: turn a WorkloadSpec into running resources
// and say where they are reached. Kubernetes (../kubernetes/renderer.ts) and Docker
// (../docker/renderer.ts) implement it; components depend only on this interface.
import type * as pulumi from "@pulumi/pulumi";
import type { Endpoint, SharedVolumeSpec, WorkloadSpec } from "./workload";

export interface RenderedWorkload {
  /** Where other workloads reach the named port. Throws if the workload has no such port. */
  endpoint(portName: string): Endpoint;
}

export interface WorkloadRenderer {
  /** Creates the workload's resources as children of `parent`. */
  render(spec: WorkloadSpec, parent: pulumi.Resource): RenderedWorkload;
  /**
   * The host name a workload of this renderer is reached at, known before it is rendered (the
   * monitoring tier's workloads name each other in their configs).
   */
  hostOf(workload: string): string;
  /** Creates storage that workloads mount by the returned claim name (`WorkloadSpec.claims`). */
  volume(spec: SharedVolumeSpec, parent: pulumi.Resource): string;
}
