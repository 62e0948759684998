// The MCP server (port 9877): in the backend zone for the API, and in the mcp zone with the agent
// coordinator.
import * as pulumi from "@pulumi/pulumi";
import type { Endpoint, WorkloadSpec } from "../model/workload";
import type { ServiceArgs } from "../model/service";
import { pythonHttpService, type DataWiring } from "./wiring";

export interface McpServerArgs extends ServiceArgs {
  readonly wiring: DataWiring;
}

export const mcpServerPort = 9877;

/** The MCP server workload as a pure function of its settings and wiring. */
export function mcpServerSpec(args: Omit<McpServerArgs, "renderer">): WorkloadSpec {
  return pythonHttpService({
    name: "mcp-server",
    component: "mcp",
    zones: ["backend", "mcp"],
    port: mcpServerPort,
    settings: args.settings,
    wiring: args.wiring,
  });
}

export class McpServer extends pulumi.ComponentResource {
  readonly endpoint: Endpoint;

  constructor(name: string, args: McpServerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("toolboxai:app:McpServer", name, {}, opts);
    this.endpoint = args.renderer.render(mcpServerSpec(args), this).endpoint("http");
    this.registerOutputs({ host: this.endpoint.host, port: this.endpoint.port });
  }
}
