// What every application and data component shares: its resolved settings and the renderer.
import type { ServiceSettings } from "../config";
import type { WorkloadRenderer } from "../model/renderer";
import type { WorkloadSpec } from "../model/workload";

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

/** An in-cluster HTTP URL. */
export function httpUrl(endpoint: { host: string; port: number }, path = ""): string {
  return `http://${endpoint.host}:${endpoint.port}${path}`;
}
