// What a field case says: the specs with and without the field, and where each platform shows
// it.
import { scrapeTargetsOf } from "../../components/model/scrape";
import type { WorkloadSpec } from "../../components/model/workload";
import { Render, Companions } from "./render";

export type Place = (render: Render) => unknown;

export interface FieldCase {
  /** The spec without the field, or with another value of it; default: the minimal service. */
  readonly base?: WorkloadSpec;
  /** The spec with the field set or changed. */
  readonly set: WorkloadSpec;
  /** Workloads rendered with the subject (what a field relates it to). */
  readonly companions?: Companions;
  /** Where the Kubernetes render shows the field. */
  readonly kubernetes?: Place;
  /** Where the Docker render shows the field. */
  readonly docker?: Place;
  /**
   * Why the platform without a place cannot express the field. Checked: that platform's render
   * is the same with and without it, or (refused) it refuses the spec.
   */
  readonly only?: { readonly reason: string; readonly refused?: boolean };
  /** Read by no renderer but by a view of the rendered specs (scrape targets): where. */
  readonly view?: (spec: WorkloadSpec) => unknown;
}

export const scrapeTargets = (spec: WorkloadSpec) => scrapeTargetsOf(spec, "unit", "subject");
export const dockerFiltersNoPorts =
  "Docker filters no ports: a container reaches every port of the networks it joins";
export const noDaemon = {
  reason: "a node agent's access to the node; Docker has no nodes and refuses a daemon",
  refused: true,
};
export const noApi = {
  reason: "grants on the Kubernetes API, which Docker has not",
  refused: true,
};
