// What every service component (the apps, the data stores) is built from: its settings, resolved
// from the stack config over the defaults, and the renderer of its platform.
import type { ServiceSettings } from "../config";
import type { WorkloadRenderer } from "./renderer";
import type { WorkloadSpec } from "./workload";

export interface ServiceArgs {
  /** This service's settings, from the stack config laid over the defaults. */
  readonly settings: ServiceSettings;
  readonly renderer: WorkloadRenderer;
}

/** The replica, scaling and egress fields of a WorkloadSpec, straight from the settings. */
export function scaling(
  settings: ServiceSettings,
): Pick<WorkloadSpec, "replicas" | "autoscaling" | "maxUnavailable" | "internetEgress"> {
  return {
    replicas: settings.replicas,
    autoscaling: settings.autoscaling,
    maxUnavailable: settings.maxUnavailable,
    internetEgress: settings.internetEgress,
  };
}
