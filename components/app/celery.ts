// Celery: workers (2 by default), beat as a singleton that is stopped before a new one starts
// (Recreate, so two schedulers never run at once), and Flower on 5555 behind basic auth read
// from a secret config file.
import * as pulumi from "@pulumi/pulumi";
import type { ServiceSettings } from "../config";
import {
  defaultProbeTiming,
  httpProbes,
  secretPath,
  type Endpoint,
  type WorkloadSpec,
} from "../model/workload";
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
  readonly flower?: FlowerSettings;
}

/** Flower's settings, and the secret password of its basic auth. */
export type FlowerSettings = ServiceSettings & { readonly password: pulumi.Output<string> };

/** Flower's config file (Python), so the credentials never appear on a command line. */
export function flowerConfig(password: pulumi.Output<string>): pulumi.Output<string> {
  return pulumi.secret(password.apply((pw) => `basic_auth = [${JSON.stringify(`admin:${pw}`)}]\n`));
}

/** Seconds Celery waits for replies: with its own start-up, under the probe's timeout. */
export const workerProbeWaitSeconds = defaultProbeTiming.timeoutSeconds - 3;

/**
 * Alive: this worker alone (`-d`) answers a ping, at once. Ready: it is among the workers the
 * broker sees. Celery waits its whole --timeout for replies without `-d`, so every wait stays
 * under the probe's own timeout (a longer one failed every probe).
 */
const workerProbes = {
  liveness: {
    exec: {
      command: [
        "sh",
        "-c",
        `celery -A ${celeryApp} inspect ping -d "celery@$HOSTNAME" --timeout ${workerProbeWaitSeconds}`,
      ],
    },
  },
  readiness: {
    exec: {
      command: [
        "sh",
        "-c",
        `celery -A ${celeryApp} status --timeout ${workerProbeWaitSeconds} | grep -q "celery@$HOSTNAME"`,
      ],
    },
  },
};

/** The Celery worker workload as a pure function of its settings and wiring. */
export function celeryWorkerSpec({
  wiring,
  worker,
}: Pick<CeleryArgs, "wiring" | "worker">): WorkloadSpec {
  return {
    name: "celery-worker",
    egress: [traceExport],
    component: "worker",
    zones: ["backend"],
    ...scaling(worker),
    secretFiles: dataSecretFiles(wiring),
    containers: [
      {
        name: "celery-worker",
        image: worker.image,
        command: ["celery", "-A", celeryApp, "worker", "--loglevel", wiring.logLevel],
        env: {
          ...dataEnvironment(wiring),
          ...telemetryEnvironment("celery-worker", wiring.telemetry),
        },
        probes: workerProbes,
        resources: worker.resources,
        writablePaths: ["/tmp"],
      },
    ],
  };
}

/** Celery beat, the scheduler: a singleton, replaced by stopping the old one first. */
export function celeryBeatSpec({
  wiring,
  beat,
}: Pick<CeleryArgs, "wiring" | "beat">): WorkloadSpec {
  return {
    name: "celery-beat",
    egress: [traceExport],
    component: "scheduler",
    zones: ["backend"],
    ...scaling(beat),
    updateStrategy: "recreate",
    secretFiles: dataSecretFiles(wiring),
    containers: [
      {
        name: "celery-beat",
        image: beat.image,
        command: [
          "celery",
          "-A",
          celeryApp,
          "beat",
          "--schedule",
          beatSchedule,
          "--loglevel",
          wiring.logLevel,
        ],
        env: {
          ...dataEnvironment(wiring),
          ...telemetryEnvironment("celery-beat", wiring.telemetry),
        },
        probes: {
          readiness: { exec: { command: ["test", "-s", beatSchedule] } },
          // Beat rewrites its schedule file at least every few minutes while alive.
          liveness: {
            exec: { command: ["sh", "-c", `find ${beatSchedule} -mmin -10 | grep -q .`] },
          },
        },
        resources: beat.resources,
        writablePaths: ["/tmp"],
      },
    ],
  };
}

/** Flower, Celery's monitoring UI, as a pure function of its settings and wiring. */
export function flowerSpec({
  wiring,
  flower,
}: {
  readonly wiring: DataWiring;
  readonly flower: FlowerSettings;
}): WorkloadSpec {
  return {
    name: "flower",
    component: "monitoring-ui",
    egress: [traceExport],
    zones: ["backend"],
    ...scaling(flower),
    secretFiles: [
      ...dataSecretFiles(wiring),
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
        env: { ...dataEnvironment(wiring), ...telemetryEnvironment("flower", wiring.telemetry) },
        probes: httpProbes("http", "/healthcheck"),
        resources: flower.resources,
        writablePaths: ["/tmp"],
      },
    ],
  };
}

export class Celery extends pulumi.ComponentResource {
  readonly flowerEndpoint?: Endpoint;

  constructor(name: string, args: CeleryArgs, opts?: pulumi.ComponentResourceOptions) {
    super("toolboxai:app:Celery", name, {}, opts);
    args.renderer.render(celeryWorkerSpec(args), this);
    args.renderer.render(celeryBeatSpec(args), this);
    if (args.flower) {
      const rendered = args.renderer.render(
        flowerSpec({ wiring: args.wiring, flower: args.flower }),
        this,
      );
      this.flowerEndpoint = rendered.endpoint("http");
    }
    this.registerOutputs({ flowerHost: this.flowerEndpoint?.host });
  }
}
