// roblox-sync: keeps Roblox experiences in step with the platform. Alone in the roblox zone: it
// reaches the backend and the public Roblox APIs over HTTPS, and nothing reaches it.
import * as pulumi from "@pulumi/pulumi";
import { httpProbes, type Endpoint, type WorkloadSpec } from "../model/workload";
import { scaling, type ServiceArgs } from "../model/service";
import { httpUrl } from "./urls";
import {
  httpMetricFamilies,
  telemetryEnvironment,
  traceExport,
  type TelemetryWiring,
} from "./wiring";

export interface RobloxSyncArgs extends ServiceArgs {
  readonly environment: string;
  readonly telemetry: TelemetryWiring;
  readonly logLevel: string;
  readonly backend: Endpoint;
}

export const robloxSyncPort = 8080;

/** The roblox-sync workload as a pure function of its settings and wiring. */
export function robloxSyncSpec(args: Omit<RobloxSyncArgs, "renderer">): WorkloadSpec {
  return {
    name: "roblox-sync",
    component: "integration",
    zones: ["roblox"],
    egress: [traceExport],
    ...scaling(args.settings),
    metrics: [{ port: "http", path: "/metrics", families: httpMetricFamilies }],
    containers: [
      {
        name: "roblox-sync",
        image: args.settings.image,
        ports: [{ name: "http", port: robloxSyncPort }],
        env: {
          ENVIRONMENT: args.environment,
          LOG_LEVEL: args.logLevel.toUpperCase(),
          BACKEND_URL: httpUrl(args.backend),
          ...telemetryEnvironment("roblox-sync", args.telemetry),
        },
        probes: httpProbes("http", "/health"),
        resources: args.settings.resources,
        writablePaths: ["/tmp"],
      },
    ],
  };
}

export class RobloxSync extends pulumi.ComponentResource {
  constructor(name: string, args: RobloxSyncArgs, opts?: pulumi.ComponentResourceOptions) {
    super("toolboxai:app:RobloxSync", name, {}, opts);
    args.renderer.render(robloxSyncSpec(args), this);
    this.registerOutputs({});
  }
}
