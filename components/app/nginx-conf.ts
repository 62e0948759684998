// The gateway's nginx.conf, generated from the endpoints it routes to. Written for
// nginx-unprivileged: a non-root port, pid and temp files under /tmp, logs to stdout/stderr.
import type { Endpoint } from "../model/workload";

export interface GatewayRoutes {
  readonly serverName: string;
  readonly listenPort: number;
  readonly backend: Endpoint;
  readonly dashboard: Endpoint;
  /** Grafana, served under /grafana/ (it is configured for that sub-path); none: no route. */
  readonly grafana?: Endpoint;
  /** Sustained requests per second per client on /api and /ws. */
  readonly apiRatePerSecond: number;
  readonly apiBurst: number;
  /**
   * Whether a proxy (the ingress controller) is the only client: then its X-Forwarded-For names
   * the client. Published directly (Docker), the header is the client's own and is not trusted.
   */
  readonly behindProxy: boolean;
  /** The DNS server the upstream names are resolved through while nginx runs. */
  readonly nameServer: string;
}

/** Headers on every response, errors included. */
export const securityHeaders: Readonly<Record<string, string>> = {
  "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
  "X-Content-Type-Options": "nosniff",
  "X-Frame-Options": "DENY",
  "Referrer-Policy": "strict-origin-when-cross-origin",
  "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
  "Content-Security-Policy":
    "default-src 'self'; img-src 'self' data: https:; style-src 'self' 'unsafe-inline'; connect-src 'self' wss:; frame-ancestors 'none'",
};

/**
 * An upstream whose name is resolved while nginx runs (`resolve`, nginx 1.27.3+), not once at
 * start: nginx starts while a Service is missing or DNS is not ready (that upstream answers 502)
 * and follows a Service whose address changes. `resolve` needs the group in shared memory.
 */
function upstream(name: string, endpoint: Endpoint, keepalive: number): string[] {
  return [
    `  upstream ${name} {`,
    `    zone upstream_${name} 64k;`,
    `    server ${endpoint.host}:${endpoint.port} resolve;`,
    `    keepalive ${keepalive};`,
    "  }",
  ];
}

function proxyHeaders(indent: string): string[] {
  return [
    "proxy_http_version 1.1;",
    "proxy_set_header Host $host;",
    "proxy_set_header X-Real-IP $remote_addr;",
    "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
    "proxy_set_header X-Forwarded-Proto $forwarded_proto;",
  ].map((line) => indent + line);
}

export function renderNginxConf(routes: GatewayRoutes): string {
  const headers = Object.entries(securityHeaders).map(
    ([name, value]) => `    add_header ${name} "${value}" always;`,
  );
  return [
    "worker_processes auto;",
    "pid /tmp/nginx.pid;",
    "error_log /dev/stderr warn;",
    "",
    "events {",
    "  worker_connections 1024;",
    "}",
    "",
    "http {",
    // No mime.types: the gateway serves no files of its own, only proxies (whose upstreams set
    // the content type), and the file stays self-contained (on Docker its folder is a volume).
    "  default_type application/octet-stream;",
    "  server_tokens off;",
    "  sendfile on;",
    "  keepalive_timeout 65;",
    "  client_max_body_size 10m;",
    "  access_log /dev/stdout;",
    "",
    "  client_body_temp_path /tmp/client_temp;",
    "  proxy_temp_path /tmp/proxy_temp;",
    "  fastcgi_temp_path /tmp/fastcgi_temp;",
    "  uwsgi_temp_path /tmp/uwsgi_temp;",
    "  scgi_temp_path /tmp/scgi_temp;",
    "",
    ...(routes.behindProxy
      ? [
          "  # Only the ingress controller can reach this pod (NetworkPolicy), so its",
          "  # X-Forwarded-For is trusted for the client address that rate limits key on.",
          "  set_real_ip_from 0.0.0.0/0;",
          "  real_ip_header X-Forwarded-For;",
          "  real_ip_recursive on;",
          "",
        ]
      : []),
    `  limit_req_zone $binary_remote_addr zone=api:10m rate=${routes.apiRatePerSecond}r/s;`,
    "  limit_req_status 429;",
    "",
    "  map $http_upgrade $connection_upgrade {",
    "    default upgrade;",
    "    '' close;",
    "  }",
    "  map $http_x_forwarded_proto $forwarded_proto {",
    "    default $http_x_forwarded_proto;",
    "    '' $scheme;",
    "  }",
    "",
    // valid=10s: a Service recreated with a new address is followed within seconds.
    `  resolver ${routes.nameServer} valid=10s ipv6=off;`,
    "  resolver_timeout 5s;",
    ...upstream("backend", routes.backend, 16),
    ...upstream("dashboard", routes.dashboard, 8),
    ...(routes.grafana ? upstream("grafana", routes.grafana, 4) : []),
    "",
    "  server {",
    `    listen ${routes.listenPort};`,
    `    server_name ${routes.serverName};`,
    ...headers,
    "",
    "    location = /healthz {",
    "      access_log off;",
    "      default_type text/plain;",
    '      return 200 "ok\\n";',
    "    }",
    "",
    "    location /api/ {",
    `      limit_req zone=api burst=${routes.apiBurst} nodelay;`,
    "      proxy_pass http://backend;",
    ...proxyHeaders("      "),
    '      proxy_set_header Connection "";',
    "    }",
    "",
    "    location /ws {",
    `      limit_req zone=api burst=${routes.apiBurst} nodelay;`,
    "      proxy_pass http://backend;",
    ...proxyHeaders("      "),
    "      proxy_set_header Upgrade $http_upgrade;",
    "      proxy_set_header Connection $connection_upgrade;",
    "      proxy_read_timeout 3600s;",
    "    }",
    "",
    ...(routes.grafana
      ? [
          "    location /grafana/ {",
          `      limit_req zone=api burst=${routes.apiBurst} nodelay;`,
          "      proxy_pass http://grafana;",
          ...proxyHeaders("      "),
          // Grafana Live uses a websocket under the same path.
          "      proxy_set_header Upgrade $http_upgrade;",
          "      proxy_set_header Connection $connection_upgrade;",
          "    }",
          "",
        ]
      : []),
    "    location / {",
    "      proxy_pass http://dashboard;",
    ...proxyHeaders("      "),
    '      proxy_set_header Connection "";',
    "    }",
    "  }",
    "}",
    "",
  ].join("\n");
}
