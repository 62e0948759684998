// The FastAPI backend: the API behind /api and /ws, on port 8009 with /health and /metrics.
import * as pulumi from "@pulumi/pulumi";
import type { Endpoint, WorkloadSpec } from "../model/workload";
import type { ServiceArgs } from "../model/service";
import { httpUrl } from "./urls";
import { pythonHttpService, type DataWiring } from "./wiring";

/** What the backend promises beyond the HTTP families: the security dashboard's sign-in, abuse
 * and session panels read these. */
export const backendMetricFamilies = [
  "toolboxai_auth_attempts_total",
  "toolboxai_rate_limited_requests_total",
  "toolboxai_active_sessions",
];

export interface BackendArgs extends ServiceArgs {
  readonly wiring: DataWiring;
  /** The public URL, for links and CORS. */
  readonly publicUrl: string;
  readonly mcpServer: Endpoint;
  readonly agentCoordinator: Endpoint;
}

export const backendPort = 8009;

/** The backend workload as a pure function of its settings and wiring: what the component
 * renders, and what tests read without a renderer. */
export function backendSpec(args: Omit<BackendArgs, "renderer">): WorkloadSpec {
  const spec = pythonHttpService({
    name: "backend",
    component: "api",
    zones: ["backend"],
    port: backendPort,
    settings: args.settings,
    wiring: args.wiring,
    metricFamilies: backendMetricFamilies,
    env: {
      PUBLIC_URL: args.publicUrl,
      MCP_SERVER_URL: httpUrl(args.mcpServer),
      AGENT_COORDINATOR_URL: httpUrl(args.agentCoordinator),
    },
  });
  return { ...spec, priority: "critical" };
}

export class Backend extends pulumi.ComponentResource {
  readonly endpoint: Endpoint;

  constructor(name: string, args: BackendArgs, opts?: pulumi.ComponentResourceOptions) {
    super("toolboxai:app:Backend", name, {}, opts);
    this.endpoint = args.renderer.render(backendSpec(args), this).endpoint("http");
    this.registerOutputs({ host: this.endpoint.host, port: this.endpoint.port });
  }
}
