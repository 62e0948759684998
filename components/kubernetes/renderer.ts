// The Kubernetes WorkloadRenderer: each workload becomes a KubernetesWorkload component.
import type * as pulumi from "@pulumi/pulumi";
import type { RenderedWorkload, WorkloadRenderer } from "../model/renderer";
import type { WorkloadSpec } from "../model/workload";
import { scrapeTargetsOf, type ScrapeTarget } from "../monitoring/prometheus-config";
import { addFootprints, emptyFootprint, footprintOf, type Footprint } from "./budget";
import { KubernetesWorkload, type KubernetesContext } from "./workload";

export class KubernetesRenderer implements WorkloadRenderer {
  /** Names of the Secrets rendered so far (for stack outputs; never their values). */
  readonly secretNames: string[] = [];
  /** What every workload rendered so far can occupy at its largest (for the namespace quota). */
  footprint: Footprint = emptyFootprint;
  /** The metrics endpoints every workload rendered so far declared (Prometheus's scrape jobs). */
  readonly scrapeTargets: ScrapeTarget[] = [];

  constructor(readonly context: KubernetesContext) {}

  render(spec: WorkloadSpec, parent: pulumi.Resource): RenderedWorkload {
    const workload = new KubernetesWorkload(spec.name, { spec, context: this.context }, { parent });
    if (workload.secretName) this.secretNames.push(workload.secretName);
    this.footprint = addFootprints(this.footprint, footprintOf(spec));
    this.scrapeTargets.push(...scrapeTargetsOf(spec, this.context.namespace));
    return workload;
  }
}
