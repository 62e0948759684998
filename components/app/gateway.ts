// The gateway: nginx in front of everything. /api and /ws go to the backend, / to the dashboard,
// with rate limiting and security headers. It is the stack's public entry, which the renderer
// realises: on Kubernetes an Ingress whose certificate comes from the configured cert-manager
// issuer terminates TLS; on Docker its port is published on the host (plain HTTP on a laptop).
import * as pulumi from "@pulumi/pulumi";
import { httpProbes, type Endpoint } from "../model/workload";
import { renderNginxConf } from "./nginx-conf";
import { scaling, type ServiceArgs } from "../model/service";

export interface GatewayArgs extends ServiceArgs {
  readonly domain: string;
  readonly backend: Endpoint;
  readonly dashboard: Endpoint;
  /** Grafana, routed under /grafana/. */
  readonly grafana?: Endpoint;
}

export const gatewayPort = 8080;

export class Gateway extends pulumi.ComponentResource {
  readonly publicUrl: string;
  readonly nginxConf: string;

  constructor(name: string, args: GatewayArgs, opts?: pulumi.ComponentResourceOptions) {
    super("toolboxai:app:Gateway", name, {}, opts);
    const address = args.renderer.publicAddress(args.domain);
    this.nginxConf = renderNginxConf({
      serverName: args.domain,
      listenPort: gatewayPort,
      backend: args.backend,
      dashboard: args.dashboard,
      grafana: args.grafana,
      apiRatePerSecond: 10,
      apiBurst: 20,
      behindProxy: address.behindProxy,
      nameServer: args.renderer.nameServer,
    });
    args.renderer.render(
      {
        name: "gateway",
        component: "gateway",
        zones: ["frontend"],
        publicEntry: { port: "http", host: args.domain },
        priority: "critical",
        ...scaling(args.settings),
        configFiles: [
          { name: "nginx.conf", mountPath: "/etc/nginx/nginx.conf", content: this.nginxConf },
        ],
        containers: [
          {
            name: "gateway",
            image: args.settings.image,
            ports: [{ name: "http", port: gatewayPort }],
            probes: httpProbes("http", "/healthz"),
            resources: args.settings.resources,
            writablePaths: ["/tmp"],
          },
        ],
      },
      this,
    );
    this.publicUrl = address.url;
    this.registerOutputs({ publicUrl: this.publicUrl });
  }
}
