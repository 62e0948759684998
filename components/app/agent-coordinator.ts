// The agent coordinator (port 8888): orchestrates the AI agents and talks to the MCP server.
import * as pulumi from "@pulumi/pulumi";
import type { Endpoint, WorkloadSpec } from "../model/workload";
import type { ServiceArgs } from "../model/service";
import { httpUrl } from "./urls";
import { pythonHttpService, type DataWiring } from "./wiring";

export interface AgentCoordinatorArgs extends ServiceArgs {
  readonly wiring: DataWiring;
  readonly mcpServer: Endpoint;
}

export const agentCoordinatorPort = 8888;

/** The agent coordinator workload as a pure function of its settings and wiring. */
export function agentCoordinatorSpec(args: Omit<AgentCoordinatorArgs, "renderer">): WorkloadSpec {
  return pythonHttpService({
    name: "agent-coordinator",
    component: "agents",
    zones: ["backend", "mcp"],
    port: agentCoordinatorPort,
    settings: args.settings,
    wiring: args.wiring,
    env: { MCP_SERVER_URL: httpUrl(args.mcpServer) },
  });
}

export class AgentCoordinator extends pulumi.ComponentResource {
  readonly endpoint: Endpoint;

  constructor(name: string, args: AgentCoordinatorArgs, opts?: pulumi.ComponentResourceOptions) {
    super("toolboxai:app:AgentCoordinator", name, {}, opts);
    this.endpoint = args.renderer.render(agentCoordinatorSpec(args), this).endpoint("http");
    this.registerOutputs({ host: this.endpoint.host, port: this.endpoint.port });
  }
}
