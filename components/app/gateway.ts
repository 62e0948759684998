// The gateway: nginx in front of everything. /api and /ws go to the backend, / to the dashboard,
// with rate limiting and security headers; TLS terminates at an Ingress whose certificate comes
// from the configured cert-manager issuer.
import * as k8s from "../kubernetes/api";
import * as pulumi from "@pulumi/pulumi";
import { awaitAnnotations, type AwaitContext } from "../kubernetes/await";
import { recommendedLabels } from "../kubernetes/labels";
import { httpProbes, type Endpoint } from "../model/workload";
import { renderNginxConf } from "./nginx-conf";
import { scaling, type ServiceArgs } from "./service";

export interface GatewayArgs extends ServiceArgs {
  readonly domain: string;
  readonly backend: Endpoint;
  readonly dashboard: Endpoint;
  /** Grafana, routed under /grafana/. */
  readonly grafana?: Endpoint;
  readonly ingress: AwaitContext & {
    readonly namespace: string;
    readonly instance: string;
    readonly className: string;
    /** cert-manager ClusterIssuer; empty: serve the Ingress without TLS (local clusters). */
    readonly tlsIssuer: string;
    readonly dependsOn?: readonly pulumi.Resource[];
  };
}

export const gatewayPort = 8080;

/** The URL users reach the platform at: HTTPS once an issuer provides a certificate. */
export function publicUrlOf(domain: string, tlsIssuer: string): string {
  return `${tlsIssuer !== "" ? "https" : "http"}://${domain}`;
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
    });
    const rendered = args.renderer.render(
      {
        name: "gateway",
        component: "gateway",
        zones: ["frontend"],
        publicEntry: true,
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
    const service = rendered.endpoint("http");

    const tls = args.ingress.tlsIssuer !== "";
    new k8s.networking.v1.Ingress(
      "gateway",
      {
        metadata: {
          name: "gateway",
          namespace: args.ingress.namespace,
          labels: recommendedLabels("gateway", "gateway", args.ingress),
          annotations: {
            ...awaitAnnotations(args.ingress),
            ...(tls ? { "cert-manager.io/cluster-issuer": args.ingress.tlsIssuer } : {}),
          },
        },
        spec: {
          ingressClassName: args.ingress.className,
          ...(tls ? { tls: [{ hosts: [args.domain], secretName: "gateway-tls" }] } : {}),
          rules: [
            {
              host: args.domain,
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
      { parent: this, dependsOn: [...(args.ingress.dependsOn ?? [])] },
    );
    this.publicUrl = publicUrlOf(args.domain, args.ingress.tlsIssuer);
    this.registerOutputs({ publicUrl: this.publicUrl });
  }
}
