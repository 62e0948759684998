// Celery: workers (2 by default), beat as a singleton that is stopped before a new one starts
// (Recreate, so two schedulers never run at once), and Flower on 5555 behind basic auth read
// from a secret config file.
import * as pulumi from "@pulumi/pulumi";
import type { ServiceSettings } from "../config";
import { httpProbes, secretPath, type Endpoint } from "../model/workload";
import { scaling, type ServiceArgs } from "../model/service";
import {
  dataEnvironment,
  dataSecretFiles,
  telemetryEnvironment,
  traceExport,
  type DataWiring,
} from "./wiring";

/** Flower's own Prometheus metrics of the Celery workers and tasks. */
export const flowerMetricFamilies = [
  "flower_events_total",
  "flower_worker_online",
  "flower_task_runtime_seconds",
];

/** The Celery application module inside the backend image. */
export const celeryApp = "app.celery_app";
export const flowerPort = 5555;
const beatSchedule = "/tmp/celerybeat-schedule";
const flowerConfigFile = "flower-config";

export interface CeleryArgs extends Omit<ServiceArgs, "settings"> {
  readonly wiring: DataWiring;
  readonly worker: ServiceSettings;
  readonly beat: ServiceSettings;
  /** Undefined: no Flower. */
  readonly flower?: ServiceSettings & { readonly password: pulumi.Output<string> };
}

/** Flower's config file (Python), so the credentials never appear on a command line. */
export function flowerConfig(password: pulumi.Output<string>): pulumi.Output<string> {
  return pulumi.secret(password.apply((pw) => `basic_auth = [${JSON.stringify(`admin:${pw}`)}]\n`));
}

export class Celery extends pulumi.ComponentResource {
  readonly flowerEndpoint?: Endpoint;

  constructor(name: string, args: CeleryArgs, opts?: pulumi.ComponentResourceOptions) {
    super("toolboxai:app:Celery", name, {}, opts);
    const env = dataEnvironment(args.wiring);
    const secretFiles = dataSecretFiles(args.wiring);

    args.renderer.render(
      {
        name: "celery-worker",
        egress: [traceExport],
        component: "worker",
        zones: ["backend"],
        ...scaling(args.worker),
        secretFiles,
        containers: [
          {
            name: "celery-worker",
            image: args.worker.image,
            command: ["celery", "-A", celeryApp, "worker", "--loglevel", args.wiring.logLevel],
            env: { ...env, ...telemetryEnvironment("celery-worker", args.wiring.telemetry) },
            probes: {
              readiness: {
                exec: {
                  command: [
                    "sh",
                    "-c",
                    `celery -A ${celeryApp} inspect ping -d "celery@$HOSTNAME" --timeout 10`,
                  ],
                },
              },
              liveness: {
                exec: {
                  command: [
                    "sh",
                    "-c",
                    `celery -A ${celeryApp} status --timeout 10 | grep -q "celery@$HOSTNAME"`,
                  ],
                },
              },
            },
            resources: args.worker.resources,
            writablePaths: ["/tmp"],
          },
        ],
      },
      this,
    );

    args.renderer.render(
      {
        name: "celery-beat",
        egress: [traceExport],
        component: "scheduler",
        zones: ["backend"],
        ...scaling(args.beat),
        updateStrategy: "recreate",
        secretFiles,
        containers: [
          {
            name: "celery-beat",
            image: args.beat.image,
            command: [
              "celery",
              "-A",
              celeryApp,
              "beat",
              "--schedule",
              beatSchedule,
              "--loglevel",
              args.wiring.logLevel,
            ],
            env: { ...env, ...telemetryEnvironment("celery-beat", args.wiring.telemetry) },
            probes: {
              readiness: { exec: { command: ["test", "-s", beatSchedule] } },
              // Beat rewrites its schedule file at least every few minutes while alive.
              liveness: {
                exec: { command: ["sh", "-c", `find ${beatSchedule} -mmin -10 | grep -q .`] },
              },
            },
            resources: args.beat.resources,
            writablePaths: ["/tmp"],
          },
        ],
      },
      this,
    );

    if (args.flower) {
      const flower = args.flower;
      const rendered = args.renderer.render(
        {
          name: "flower",
          component: "monitoring-ui",
          egress: [traceExport],
          zones: ["backend"],
          ...scaling(flower),
          secretFiles: [
            ...secretFiles,
            { name: flowerConfigFile, value: flowerConfig(flower.password) },
          ],
          metrics: [{ port: "http", path: "/metrics", families: flowerMetricFamilies }],
          containers: [
            {
              name: "flower",
              image: flower.image,
              command: [
                "celery",
                "-A",
                celeryApp,
                "flower",
                `--port=${flowerPort}`,
                `--conf=${secretPath(flowerConfigFile)}`,
              ],
              ports: [{ name: "http", port: flowerPort }],
              env: { ...env, ...telemetryEnvironment("flower", args.wiring.telemetry) },
              probes: httpProbes("http", "/healthcheck"),
              resources: flower.resources,
              writablePaths: ["/tmp"],
            },
          ],
        },
        this,
      );
      this.flowerEndpoint = rendered.endpoint("http");
    }
    this.registerOutputs({ flowerHost: this.flowerEndpoint?.host });
  }
}
