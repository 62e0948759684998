// Health checks: readiness on every serving container, liveness on every long-running one, the
// two not the same check, and the source design's probe timing (period 30 s, failure threshold 3,
// start period at least 40 s) (the Kyverno, Polaris, kube-score, CIS Docker 5.27 and Checkov
// probe rows, plus the seed's probe-timing row).
import type { Policies } from "@pulumi/policy";
import { describedContainer, podAdmission, type AdmissionValidation } from "./lib/admission-form";
import { podRule, type PodView } from "./lib/define";
import { describeContainer, type ContainerEntry } from "./lib/kubernetes";

/* eslint-disable @typescript-eslint/no-explicit-any -- policy props are untyped JSON */

/** Kubernetes probe defaults, for probes that leave a field unset. */
const probeDefaults = { periodSeconds: 10, failureThreshold: 3, initialDelaySeconds: 0 };

/**
 * Containers that run for the pod's lifetime and may carry probes: regular containers, and
 * native sidecars (init containers with `restartPolicy: Always`). Other init containers and
 * ephemeral containers cannot have probes.
 */
function probedContainers(pod: PodView): ContainerEntry[] {
  return pod.containers.filter(
    (entry) =>
      entry.role === "container" ||
      (entry.role === "initContainer" && entry.container.restartPolicy === "Always"),
  );
}

/** Jobs, CronJobs and Pods that do not restart run to completion: nothing to keep alive. */
function runsToCompletion(pod: PodView): boolean {
  if (pod.ref.kind === "Job" || pod.ref.kind === "CronJob") return true;
  if (pod.ref.kind === "Pod") {
    const restart = pod.podSpec.restartPolicy;
    return restart === "Never" || restart === "OnFailure";
  }
  return false;
}

/**
 * Validations over the containers `probedContainers` picks (CEL), that each satisfies `holds`;
 * the message describes the first that does not (`says`: a CEL string over `c`).
 */
function everyProbedContainer(
  holds: string,
  says: (role: string) => string,
): AdmissionValidation[] {
  return [
    ["containers", "container", "true"],
    ["initContainers", "initContainer", "has(c.restartPolicy) && c.restartPolicy == 'Always'"],
  ].map(([field, role, probed]) => ({
    expression: `variables.${field}.all(c, !(${probed}) || (${holds}))`,
    messageExpression: `variables.${field}.filter(c, (${probed}) && !(${holds})).map(c, ${says(role)})[0]`,
  }));
}

function describePort(port: any): string {
  return port?.name ? `${port.name}/${port.containerPort}` : String(port?.containerPort);
}

export const readinessProbe = podRule({
  name: "readiness-probe",
  description:
    "Every serving container (one that declares ports), native sidecars included, has a " +
    "readinessProbe, so traffic reaches it only when it can answer (Kyverno require-probes; " +
    "Polaris readinessProbeMissing; kube-score container-readiness-probe; CIS Docker 5.27; " +
    "CKV_K8S_9).",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Add a readinessProbe that checks the container can serve (an HTTP health path, or the " +
    "service's own ping); components take it from the container's `probes.readiness`.",
  check: (pod) =>
    probedContainers(pod)
      .filter(
        (entry) => (entry.container.ports ?? []).length > 0 && !entry.container.readinessProbe,
      )
      .map(
        (entry) =>
          `${describeContainer(entry)} serves port ` +
          `${(entry.container.ports as any[]).map(describePort).join(", ")} but has no readinessProbe`,
      ),
  admission: podAdmission(() =>
    everyProbedContainer(
      "!has(c.ports) || size(c.ports) == 0 || has(c.readinessProbe)",
      (role) =>
        `${describedContainer(role)} + ' serves port ' + c.ports.map(p, has(p.name) ? ` +
        `p.name + '/' + string(p.containerPort) : string(p.containerPort)).join(', ') + ` +
        `' but has no readinessProbe'`,
    ),
  ),
});

export const livenessProbe = podRule({
  name: "liveness-probe",
  description:
    "Every long-running container (regular containers and native sidecars of workloads that do " +
    "not run to completion: not Jobs, CronJobs, or Pods with restartPolicy Never/OnFailure) has " +
    "a livenessProbe, so a hung process is restarted (Kyverno require-probes; Polaris " +
    "livenessProbeMissing; kube-score; CIS Docker 5.27; CKV_K8S_8).",
  severity: "medium",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Add a livenessProbe that checks only that the process is alive (a TCP connect or a cheap " +
    "local command); components take it from the container's `probes.liveness`.",
  check: (pod) =>
    runsToCompletion(pod)
      ? []
      : probedContainers(pod)
          .filter((entry) => !entry.container.livenessProbe)
          .map((entry) => `${describeContainer(entry)} has no livenessProbe`),
  admission: podAdmission(() => {
    // Jobs, CronJobs and Pods that do not restart run to completion: nothing to keep alive.
    const runsToCompletion =
      "object.kind in ['Job', 'CronJob'] || (object.kind == 'Pod' && " +
      "has(variables.podSpec.restartPolicy) && variables.podSpec.restartPolicy in ['Never', 'OnFailure'])";
    return everyProbedContainer(
      `${runsToCompletion} || has(c.livenessProbe)`,
      (role) => `${describedContainer(role)} + ' has no livenessProbe'`,
    );
  }),
});

const handlerFields = ["exec", "httpGet", "tcpSocket", "grpc"] as const;

/** A stable text of a plain JSON value, keys sorted, so key order never matters. */
function canonical(value: any): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical(value[key])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** The check a probe runs, without its timing: {httpGet: …}, {tcpSocket: …}, … */
function handlerOf(probe: any): string {
  const handler: Record<string, unknown> = {};
  for (const field of handlerFields) {
    if (probe?.[field] !== undefined) handler[field] = probe[field];
  }
  return canonical(handler);
}

export const probesDiffer = podRule({
  name: "probes-differ",
  description:
    "A container's livenessProbe does not run the same check (exec command, httpGet, tcpSocket " +
    "or grpc handler; timing ignored) as its readinessProbe: a failing dependency should take " +
    "the pod out of rotation, not restart it (Kyverno; kube-score container-probes-identical).",
  severity: "medium",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Make liveness a cheaper, dependency-free check than readiness, e.g. readiness " +
    "`httpGet /health`, liveness `tcpSocket` on the same port (components/model/workload.ts " +
    "`httpProbes`).",
  check: (pod) =>
    probedContainers(pod)
      .filter(
        (entry) =>
          entry.container.livenessProbe &&
          entry.container.readinessProbe &&
          handlerOf(entry.container.livenessProbe) === handlerOf(entry.container.readinessProbe),
      )
      .map(
        (entry) =>
          `${describeContainer(entry)} livenessProbe runs the same check as its readinessProbe ` +
          `(${handlerFields.filter((field) => entry.container.livenessProbe[field] !== undefined).join(", ")})`,
      ),
  admission: podAdmission(() => {
    const same = handlerFields
      .map(
        (field) =>
          `has(c.livenessProbe.${field}) == has(c.readinessProbe.${field}) && ` +
          `(!has(c.livenessProbe.${field}) || c.livenessProbe.${field} == c.readinessProbe.${field})`,
      )
      .join(" && ");
    const handlers = handlerFields
      .map((field) => `(has(c.livenessProbe.${field}) ? ['${field}'] : [])`)
      .join(" + ");
    return everyProbedContainer(
      `!has(c.livenessProbe) || !has(c.readinessProbe) || !(${same})`,
      (role) =>
        `${describedContainer(role)} + ' livenessProbe runs the same check as its ` +
        `readinessProbe (' + (${handlers}).join(', ') + ')'`,
    );
  }),
});

/** A probe field, or the Kubernetes default when unset. */
function effective(probe: any, field: keyof typeof probeDefaults): number {
  const value = probe?.[field];
  return typeof value === "number" ? value : probeDefaults[field];
}

function shown(probe: any, field: keyof typeof probeDefaults): string {
  return typeof probe?.[field] === "number"
    ? String(probe[field])
    : `unset (Kubernetes default ${probeDefaults[field]})`;
}

export const probeTiming = podRule({
  name: "probe-timing",
  description:
    "Probe timing follows the source design's health checks: readiness and liveness " +
    "`periodSeconds` equal the configured period (30) and `failureThreshold` the configured " +
    "threshold (3), unset fields counting as the Kubernetes defaults (10 and 3); and the start " +
    "period is at least `startPeriodSeconds` (40): startupProbe initialDelaySeconds + " +
    "periodSeconds × failureThreshold, or, without a startupProbe, livenessProbe " +
    "initialDelaySeconds (seed probe-timing row; Docker `interval`/`retries`/`start_period`).",
  severity: "medium",
  enforcementLevel: "mandatory",
  config: {
    periodSeconds: {
      type: "integer",
      minimum: 1,
      default: 30,
      description: "Required readiness and liveness periodSeconds.",
    },
    failureThreshold: {
      type: "integer",
      minimum: 1,
      default: 3,
      description: "Required readiness and liveness failureThreshold.",
    },
    startPeriodSeconds: {
      type: "integer",
      minimum: 0,
      default: 40,
      description: "Least time a container gets to start before liveness can restart it.",
    },
  },
  remediationSteps:
    "Use the model's probe timing (components/model/workload.ts `defaultProbeTiming`) rather " +
    "than overriding `probeTiming` on the workload; for third-party manifests set periodSeconds, " +
    "failureThreshold and a startupProbe that allows the start period.",
  check: (pod, config) => {
    const period = Number(config.periodSeconds);
    const threshold = Number(config.failureThreshold);
    const startPeriod = Number(config.startPeriodSeconds);
    const messages: string[] = [];
    for (const entry of probedContainers(pod)) {
      const container = entry.container;
      for (const kind of ["readinessProbe", "livenessProbe"] as const) {
        const probe = container[kind];
        if (!probe) continue;
        if (effective(probe, "periodSeconds") !== period) {
          messages.push(
            `${describeContainer(entry)} ${kind} periodSeconds is ` +
              `${shown(probe, "periodSeconds")}; expected ${period}`,
          );
        }
        if (effective(probe, "failureThreshold") !== threshold) {
          messages.push(
            `${describeContainer(entry)} ${kind} failureThreshold is ` +
              `${shown(probe, "failureThreshold")}; expected ${threshold}`,
          );
        }
      }
      const startup = container.startupProbe;
      if (startup) {
        const delay = effective(startup, "initialDelaySeconds");
        const every = effective(startup, "periodSeconds");
        const tries = effective(startup, "failureThreshold");
        const allowed = delay + every * tries;
        if (allowed < startPeriod) {
          messages.push(
            `${describeContainer(entry)} startupProbe allows ${allowed}s to start ` +
              `(initialDelaySeconds ${delay} + periodSeconds ${every} × failureThreshold ` +
              `${tries}); expected at least ${startPeriod}s`,
          );
        }
      } else if (container.livenessProbe) {
        const delay = effective(container.livenessProbe, "initialDelaySeconds");
        if (delay < startPeriod) {
          messages.push(
            `${describeContainer(entry)} has no startupProbe and livenessProbe ` +
              `initialDelaySeconds is ${delay}; expected a startupProbe or an initial delay of ` +
              `at least ${startPeriod}s`,
          );
        }
      }
    }
    return messages;
  },
  admission: podAdmission((config) => {
    const period = Number(config.periodSeconds);
    const threshold = Number(config.failureThreshold);
    const startPeriod = Number(config.startPeriodSeconds);
    /** CEL: the probe's field, or the Kubernetes default (int(): JSON numbers may be doubles). */
    const effective = (probe: string, field: keyof typeof probeDefaults) =>
      `int(has(${probe}.${field}) ? ${probe}.${field} : ${probeDefaults[field]})`;
    const shown = (probe: string, field: keyof typeof probeDefaults) =>
      `(has(${probe}.${field}) ? string(int(${probe}.${field})) : ` +
      `'unset (Kubernetes default ${probeDefaults[field]})')`;
    const timing = (["readinessProbe", "livenessProbe"] as const).flatMap((kind) =>
      (
        [
          ["periodSeconds", period],
          ["failureThreshold", threshold],
        ] as const
      ).flatMap(([field, expected]) =>
        everyProbedContainer(
          `!has(c.${kind}) || ${effective(`c.${kind}`, field)} == ${expected}`,
          (role) =>
            `${describedContainer(role)} + ' ${kind} ${field} is ' + ` +
            `${shown(`c.${kind}`, field)} + '; expected ${expected}'`,
        ),
      ),
    );
    const startup = "c.startupProbe";
    const allowed =
      `${effective(startup, "initialDelaySeconds")} + ` +
      `${effective(startup, "periodSeconds")} * ${effective(startup, "failureThreshold")}`;
    const livenessDelay = effective("c.livenessProbe", "initialDelaySeconds");
    return [
      ...timing,
      ...everyProbedContainer(
        `has(${startup}) ? ${allowed} >= ${startPeriod} : ` +
          `(!has(c.livenessProbe) || ${livenessDelay} >= ${startPeriod})`,
        (role) =>
          `${describedContainer(role)} + (has(${startup}) ? ' startupProbe allows ' + ` +
          `string(${allowed}) + 's to start (initialDelaySeconds ' + ` +
          `string(${effective(startup, "initialDelaySeconds")}) + ' + periodSeconds ' + ` +
          `string(${effective(startup, "periodSeconds")}) + ' × failureThreshold ' + ` +
          `string(${effective(startup, "failureThreshold")}) + '); expected at least ${startPeriod}s' : ` +
          `' has no startupProbe and livenessProbe initialDelaySeconds is ' + ` +
          `string(${livenessDelay}) + '; expected a startupProbe or an initial delay of at least ` +
          `${startPeriod}s')`,
      ),
    ];
  }),
});

export const healthPolicies: Policies = [readinessProbe, livenessProbe, probesDiffer, probeTiming];
