// The agent coordinator (port 8888): orchestrates the AI agents and talks to the MCP server.
import * as pulumi from "@pulumi/pulumi";
import type { Endpoint } from "../model/workload";
import type { ServiceArgs } from "../model/service";
import { httpUrl } from "./urls";
import { pythonHttpService, type DataWiring } from "./wiring";

export interface AgentCoordinatorArgs extends ServiceArgs {
  readonly wiring: DataWiring;
  readonly mcpServer: Endpoint;
}

export const agentCoordinatorPort = 8888;

export class AgentCoordinator extends pulumi.ComponentResource {
  readonly endpoint: Endpoint;

  constructor(name: string, args: AgentCoordinatorArgs, opts?: pulumi.ComponentResourceOptions) {
    super("toolboxai:app:AgentCoordinator", name, {}, opts);
    const spec = pythonHttpService({
      name: "agent-coordinator",
      component: "agents",
      zones: ["backend", "mcp"],
      port: agentCoordinatorPort,
      settings: args.settings,
      wiring: args.wiring,
      env: { MCP_SERVER_URL: httpUrl(args.mcpServer) },
    });
    this.endpoint = args.renderer.render(spec, this).endpoint("http");
    this.registerOutputs({ host: this.endpoint.host, port: this.endpoint.port });
  }
}
