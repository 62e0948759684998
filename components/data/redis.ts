// Redis: persistence (AOF) on a PersistentVolumeClaim, the password only in a mounted config file
// (never on a command line), and a redis-exporter sidecar reading it from a file.
import * as pulumi from "@pulumi/pulumi";
import type { ServiceSettings } from "../config";
import type { ServiceArgs } from "../model/service";
import { recoveryProbeTiming } from "../model/start-up-budget";
import { httpProbes, secretPath, type Endpoint, type WorkloadSpec } from "../model/workload";

export interface RedisArgs extends ServiceArgs {
  readonly exporter: ServiceSettings;
  /** Secret Output. */
  readonly password: pulumi.Output<string>;
}

export const redisPort = 6379;
const authFile = "redis-auth.conf";
const passwordFile = "redis-password";
const exporterPasswordsFile = "redis-exporter-passwords";

/** Non-secret server settings; the password arrives through the included secret file. */
export function redisConf(): string {
  return [
    `port ${redisPort}`,
    "bind 0.0.0.0",
    "protected-mode yes",
    "dir /data",
    "appendonly yes",
    "appendfsync everysec",
    "save 900 1",
    "save 300 10",
    // Celery's broker queues must never be evicted.
    "maxmemory-policy noeviction",
    // The backup Job takes its snapshot as a replica would (redis-cli --rdb); with no replicas
    // to batch, waiting the default 5 s for more of them only delays it.
    "repl-diskless-sync-delay 0",
    `include ${secretPath(authFile)}`,
    "",
  ].join("\n");
}

/**
 * The redis workload as a pure function of its settings: what the component renders, and what
 * tests read without a renderer.
 */
export function redisSpec(args: Omit<RedisArgs, "renderer">): WorkloadSpec {
  const { settings, exporter } = args;
  const storage = settings.storage!;
  const localAddress = `redis://127.0.0.1:${redisPort}`;
  return {
    name: "redis",
    component: "cache",
    kind: "stateful",
    priority: "critical",
    zones: ["cache"],
    replicas: 1,
    secretFiles: [
      {
        name: authFile,
        value: pulumi.secret(args.password.apply((pw) => `requirepass ${pw}\n`)),
      },
      { name: passwordFile, value: args.password },
      {
        name: exporterPasswordsFile,
        // redis_exporter reads a JSON map of address → password from REDIS_PASSWORD_FILE.
        value: pulumi.secret(args.password.apply((pw) => JSON.stringify({ [localAddress]: pw }))),
      },
    ],
    configFiles: [{ name: "redis.conf", mountPath: "/etc/redis/redis.conf", content: redisConf() }],
    probeTiming: recoveryProbeTiming("redis"),
    persistentVolume: {
      mountPath: "/data",
      size: storage.size,
      storageClass: storage.storageClass,
    },
    metrics: [{ port: "metrics" }],
    containers: [
      {
        name: "redis",
        image: settings.image,
        command: ["redis-server", "/etc/redis/redis.conf"],
        ports: [{ name: "redis", port: redisPort }],
        secretFiles: [authFile, passwordFile],
        probes: {
          readiness: {
            exec: {
              command: [
                "sh",
                "-c",
                `REDISCLI_AUTH="$(cat ${secretPath(passwordFile)})" redis-cli -h 127.0.0.1 ping | grep -q PONG`,
              ],
            },
          },
          liveness: { tcp: { port: "redis" } },
        },
        resources: settings.resources,
        writablePaths: ["/tmp"],
      },
      {
        name: "exporter",
        image: exporter.image,
        ports: [{ name: "metrics", port: 9121, purpose: "metrics" }],
        secretFiles: [exporterPasswordsFile],
        env: {
          REDIS_ADDR: localAddress,
          REDIS_PASSWORD_FILE: secretPath(exporterPasswordsFile),
        },
        probes: httpProbes("metrics", "/health"),
        resources: exporter.resources,
      },
    ],
  };
}

export class Redis extends pulumi.ComponentResource {
  readonly endpoint: Endpoint;

  constructor(name: string, args: RedisArgs, opts?: pulumi.ComponentResourceOptions) {
    super("toolboxai:data:Redis", name, {}, opts);
    const rendered = args.renderer.render(redisSpec(args), this);
    this.endpoint = rendered.endpoint("redis");
    this.registerOutputs({ host: this.endpoint.host, port: this.endpoint.port });
  }
}
