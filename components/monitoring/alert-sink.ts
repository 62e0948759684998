// The local alert sink (`monitoring.alertSink`, dev): nginx on the gateway's image that accepts
// Alertmanager's webhook POSTs, writes each notification as one JSON line on its stdout (`docker
// logs <prefix>-alert-sink`, `kubectl logs`) and answers 204. nginx reads a request body only
// for a location that passes it on, so the POST is proxied to a second server, on the loopback
// address only, that answers 204: the body is then in `$request_body`, logged with `escape=json`.
// (Not a Unix socket under /tmp: a container killed without a clean stop would leave the socket
// file in the pod's /tmp, and the restarted nginx could not bind it.)
import type { ServiceSettings } from "../config";
import { alertSinkResources } from "../config/defaults";
import { httpProbes, type WorkloadSpec } from "../model/workload";

export const alertSinkName = "alert-sink";
export const alertSinkPort = 8080;
/** The loopback-only server that answers the proxied POSTs; never a declared port. */
const answerPort = 8081;

/**
 * The largest notification it logs: the body must fit the in-memory buffer to be logged, so the
 * two are the same and a larger one is refused (413) rather than logged empty.
 */
export const alertSinkMaxBody = "1m";

/** The sink's nginx.conf, for nginx-unprivileged: the pid and temp files under /tmp. */
export function alertSinkNginxConf(): string {
  return [
    "worker_processes 1;",
    "pid /tmp/nginx.pid;",
    "error_log /dev/stderr warn;",
    "",
    "events {",
    "  worker_connections 64;",
    "}",
    "",
    "http {",
    "  server_tokens off;",
    "  default_type application/octet-stream;",
    `  client_max_body_size ${alertSinkMaxBody};`,
    `  client_body_buffer_size ${alertSinkMaxBody};`,
    "  client_body_temp_path /tmp/client_temp;",
    "  proxy_temp_path /tmp/proxy_temp;",
    "  fastcgi_temp_path /tmp/fastcgi_temp;",
    "  uwsgi_temp_path /tmp/uwsgi_temp;",
    "  scgi_temp_path /tmp/scgi_temp;",
    "  access_log off;",
    "  # Notifications only: a refused GET or a probe is not one.",
    "  map $request_method $notification {",
    "    POST 1;",
    "    default 0;",
    "  }",
    "",
    "  # One JSON line per notification: the receiver (the path Alertmanager posted to) and the",
    "  # notification, Alertmanager's webhook JSON as a string.",
    "  log_format alert escape=json",
    `    '{"time":"$time_iso8601","receiver":"$uri","status":"$status",'`,
    `    '"notification":"$request_body"}';`,
    "",
    "  server {",
    `    listen ${alertSinkPort};`,
    "",
    "    location = /healthz {",
    "      default_type text/plain;",
    '      return 200 "ok\\n";',
    "    }",
    "",
    "    location / {",
    "      limit_except POST {",
    "        deny all;",
    "      }",
    "      access_log /dev/stdout alert if=$notification;",
    `      proxy_pass http://127.0.0.1:${answerPort};`,
    "      proxy_http_version 1.1;",
    "    }",
    "  }",
    "",
    "  server {",
    `    listen 127.0.0.1:${answerPort};`,
    "    location / {",
    "      return 204;",
    "    }",
    "  }",
    "}",
    "",
  ].join("\n");
}

/**
 * The sink's workload: the gateway's nginx image (`image`), one replica, no storage, on the
 * secure defaults (UID 10001, read-only root, /tmp the only writable path). In the monitoring
 * zone, beside Alertmanager, its only client: the observability zone would also give it a
 * route to the database zone (Grafana's), which a log sink has no use for.
 */
export function alertSinkSpec(image: ServiceSettings["image"]): WorkloadSpec {
  return {
    name: alertSinkName,
    component: "monitoring",
    zones: ["monitoring"],
    replicas: 1,
    configFiles: [
      { name: "nginx.conf", mountPath: "/etc/nginx/nginx.conf", content: alertSinkNginxConf() },
    ],
    containers: [
      {
        name: alertSinkName,
        image,
        ports: [{ name: "http", port: alertSinkPort }],
        probes: httpProbes("http", "/healthz"),
        resources: alertSinkResources,
        writablePaths: ["/tmp"],
      },
    ],
  };
}
