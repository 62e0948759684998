// What a tier rendered, recorded as it is rendered: the views that need every workload (the scrape
// targets Prometheus reads, a namespace's quota, the names of the Secrets) are pure functions of
// this record, and the record is closed when such a view reads it, so that a workload rendered
// afterwards, which the view would silently miss, fails instead.
import type * as pulumi from "@pulumi/pulumi";
import type { PublicAddress, RenderedWorkload, WorkloadRenderer } from "./renderer";
import type { SharedVolumeSpec, WorkloadSpec } from "./workload";

/** One rendered workload, and where its renderer put it. */
export interface RecordedWorkload {
  readonly spec: WorkloadSpec;
  /** The namespace it runs in; empty where the platform has none (Docker). */
  readonly namespace: string;
  /** Where it is reached. */
  readonly host: string;
}

/** Everything a tier rendered. */
export interface TierRecord {
  readonly workloads: readonly RecordedWorkload[];
  readonly volumes: readonly SharedVolumeSpec[];
}

/** A renderer that records what is rendered through it; read the record with `close`. */
export class RecordingRenderer implements WorkloadRenderer {
  private readonly workloads: RecordedWorkload[] = [];
  private readonly volumes: SharedVolumeSpec[] = [];
  private closedBy?: string;

  constructor(
    private readonly inner: WorkloadRenderer,
    /** The namespace the inner renderer renders into; empty on Docker. */
    private readonly namespace: string,
  ) {}

  render(spec: WorkloadSpec, parent: pulumi.Resource): RenderedWorkload {
    this.assertOpen(`workload ${spec.name}`);
    const rendered = this.inner.render(spec, parent);
    this.workloads.push({ spec, namespace: this.namespace, host: this.inner.hostOf(spec.name) });
    return rendered;
  }

  volume(spec: SharedVolumeSpec, parent: pulumi.Resource): string {
    this.assertOpen(`volume ${spec.name}`);
    const claim = this.inner.volume(spec, parent);
    this.volumes.push(spec);
    return claim;
  }

  hostOf(workload: string): string {
    return this.inner.hostOf(workload);
  }

  publicAddress(host: string): PublicAddress {
    return this.inner.publicAddress(host);
  }

  get nameServer(): string {
    return this.inner.nameServer;
  }

  /**
   * Everything rendered through this renderer, for `reader`, a view that needs all of it: from
   * now on, rendering through it fails, naming the reader.
   */
  close(reader: string): TierRecord {
    this.closedBy ??= reader;
    return { workloads: [...this.workloads], volumes: [...this.volumes] };
  }

  private assertOpen(what: string): void {
    if (this.closedBy !== undefined) {
      throw new Error(
        `${what} is rendered after ${this.closedBy} read every workload of its tier, and would ` +
          `be missing there: create it before (index.ts)`,
      );
    }
  }
}
