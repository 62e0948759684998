// The React dashboard: static files served by nginx-unprivileged on 8080, reached through the
// gateway.
import * as pulumi from "@pulumi/pulumi";
import { httpProbes, type Endpoint, type WorkloadSpec } from "../model/workload";
import { scaling, type ServiceArgs } from "../model/service";

export const dashboardPort = 8080;

/** The dashboard workload as a pure function of its settings. */
export function dashboardSpec(args: Omit<ServiceArgs, "renderer">): WorkloadSpec {
  return {
    name: "dashboard",
    component: "frontend",
    zones: ["frontend"],
    ...scaling(args.settings),
    containers: [
      {
        name: "dashboard",
        image: args.settings.image,
        ports: [{ name: "http", port: dashboardPort }],
        probes: httpProbes("http", "/"),
        resources: args.settings.resources,
        writablePaths: ["/tmp", "/var/cache/nginx"],
      },
    ],
  };
}

export class Dashboard extends pulumi.ComponentResource {
  readonly endpoint: Endpoint;

  constructor(name: string, args: ServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("toolboxai:app:Dashboard", name, {}, opts);
    this.endpoint = args.renderer.render(dashboardSpec(args), this).endpoint("http");
    this.registerOutputs({ host: this.endpoint.host, port: this.endpoint.port });
  }
}
