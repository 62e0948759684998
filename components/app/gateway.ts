// The gateway: nginx in front of everything. /api and /ws go to the backend, / to the dashboard,
// with rate limiting and security headers. On Kubernetes, TLS terminates at an Ingress whose
// certificate comes from the configured cert-manager issuer; on Docker, the renderer publishes
// its port on the host (plain HTTP on a laptop).
import * as k8s from "../kubernetes/api";
import * as pulumi from "@pulumi/pulumi";
import { awaitAnnotations } from "../kubernetes/await";
import { recommendedLabels } from "../kubernetes/labels";
import { httpProbes, type Endpoint } from "../model/workload";
import type { IngressEntry, PublicEntry } from "../platform/platform";
import { renderNginxConf } from "./nginx-conf";
import { scaling, type ServiceArgs } from "../model/service";

export interface GatewayArgs extends ServiceArgs {
  readonly domain: string;
  readonly backend: Endpoint;
  readonly dashboard: Endpoint;
  /** Grafana, routed under /grafana/. */
  readonly grafana?: Endpoint;
  readonly entry: PublicEntry;
}

export const gatewayPort = 8080;

/**
 * The URL users reach the platform at: HTTPS once an issuer provides a certificate; on Docker,
 * plain HTTP on the published port.
 */
export function publicUrlOf(domain: string, entry: PublicEntry): string {
  return entry.kind === "published"
    ? `http://${domain}:${entry.hostPort}`
    : `${entry.tlsIssuer !== "" ? "https" : "http"}://${domain}`;
}

export class Gateway extends pulumi.ComponentResource {
  readonly publicUrl: string;
  readonly nginxConf: string;

  constructor(name: string, args: GatewayArgs, opts?: pulumi.ComponentResourceOptions) {
    super("toolboxai:app:Gateway", name, {}, opts);
    this.nginxConf = renderNginxConf({
      serverName: args.domain,
      listenPort: gatewayPort,
      backend: args.backend,
      dashboard: args.dashboard,
      grafana: args.grafana,
      apiRatePerSecond: 10,
      apiBurst: 20,
      behindProxy: args.entry.kind === "ingress",
    });
    const rendered = args.renderer.render(
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
    if (args.entry.kind === "ingress")
      this.ingress(args.domain, args.entry, rendered.endpoint("http"));
    this.publicUrl = publicUrlOf(args.domain, args.entry);
    this.registerOutputs({ publicUrl: this.publicUrl });
  }

  private ingress(domain: string, entry: IngressEntry, service: Endpoint): void {
    const tls = entry.tlsIssuer !== "";
    new k8s.networking.v1.Ingress(
      "gateway",
      {
        metadata: {
          name: "gateway",
          namespace: entry.namespace,
          labels: recommendedLabels("gateway", "gateway", entry),
          annotations: {
            ...awaitAnnotations(entry),
            ...(tls ? { "cert-manager.io/cluster-issuer": entry.tlsIssuer } : {}),
          },
        },
        spec: {
          ingressClassName: entry.className,
          ...(tls ? { tls: [{ hosts: [domain], secretName: "gateway-tls" }] } : {}),
          rules: [
            {
              host: domain,
              http: {
                paths: [
                  {
                    path: "/",
                    pathType: "Prefix",
                    backend: { service: { name: "gateway", port: { number: service.port } } },
                  },
                ],
              },
            },
          ],
        },
      },
      { parent: this, dependsOn: [...(entry.dependsOn ?? [])] },
    );
  }
}
