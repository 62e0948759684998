import { livenessProbe, probesDiffer, probeTiming, readinessProbe } from "../../policies/health";
import {
  compliantCronJob,
  compliantJob,
  compliantPod,
  compliantStatefulSet,
} from "./fixtures/hygiene";
import { clone, compliantDeployment, messagesOf } from "./support";

/* eslint-disable @typescript-eslint/no-explicit-any -- fixtures are untyped JSON */

const container = (deployment: any) => deployment.spec.template.spec.containers[0];

/** A native sidecar (init container with restartPolicy Always) copied from the main container. */
function withSidecar(deployment: any, changes: (sidecar: any) => void): any {
  const sidecar = { ...clone(container(deployment)), name: "proxy", restartPolicy: "Always" };
  changes(sidecar);
  deployment.spec.template.spec.initContainers = [sidecar];
  return deployment;
}

describe("readiness-probe", () => {
  test("the compliant fixture passes; a container without ports needs none", async () => {
    expect(await messagesOf(readinessProbe, [compliantDeployment()])).toEqual([]);
    const deployment = clone(compliantDeployment());
    container(deployment).ports = [];
    delete container(deployment).readinessProbe;
    expect(await messagesOf(readinessProbe, [deployment])).toEqual([]);
  });
  test("a serving container and a serving sidecar without one; plain init containers are exempt", async () => {
    const deployment = withSidecar(clone(compliantDeployment()), (sidecar) => {
      sidecar.ports = [{ containerPort: 15001 }];
      delete sidecar.readinessProbe;
    });
    deployment.spec.template.spec.initContainers.push({
      name: "migrate",
      image: "ghcr.io/toolboxai/backend:1.4.0",
      ports: [{ containerPort: 9000 }],
    });
    delete container(deployment).readinessProbe;
    expect(await messagesOf(readinessProbe, [deployment])).toEqual([
      'Deployment toolboxai/api: container "api" serves port http/8009 but has no readinessProbe',
      'Deployment toolboxai/api: initContainer "proxy" serves port 15001 but has no readinessProbe',
    ]);
  });
  test("a StatefulSet is checked too", async () => {
    const statefulSet = compliantStatefulSet();
    delete container(statefulSet).readinessProbe;
    expect(await messagesOf(readinessProbe, [statefulSet])).toEqual([
      'StatefulSet toolboxai/postgres: container "postgres" serves port http/8009 but has no ' +
        "readinessProbe",
    ]);
  });
});

describe("liveness-probe", () => {
  test("the compliant fixture passes; Jobs, CronJobs and run-once Pods need none", async () => {
    const pod = compliantPod();
    pod.spec.restartPolicy = "Never";
    delete pod.spec.containers[0].livenessProbe;
    const objects = [compliantDeployment(), compliantJob(), compliantCronJob(), pod];
    expect(await messagesOf(livenessProbe, objects)).toEqual([]);
  });
  test("a long-running Pod and a sidecar without one", async () => {
    const pod = compliantPod();
    const sidecar = { ...clone(pod.spec.containers[0]), name: "proxy", restartPolicy: "Always" };
    delete sidecar.livenessProbe;
    pod.spec.initContainers = [sidecar];
    delete pod.spec.containers[0].livenessProbe;
    expect(await messagesOf(livenessProbe, [pod])).toEqual([
      'Pod toolboxai/api: container "api" has no livenessProbe',
      'Pod toolboxai/api: initContainer "proxy" has no livenessProbe',
    ]);
  });
});

describe("probes-differ", () => {
  test("the compliant fixture passes; the same handler with other timing also fails", async () => {
    expect(await messagesOf(probesDiffer, [compliantDeployment()])).toEqual([]);
    const deployment = clone(compliantDeployment());
    container(deployment).livenessProbe = {
      httpGet: { port: "http", path: "/health" },
      periodSeconds: 60,
    };
    expect(await messagesOf(probesDiffer, [deployment])).toEqual([
      'Deployment toolboxai/api: container "api" livenessProbe runs the same check as its ' +
        "readinessProbe (httpGet)",
    ]);
  });
  test("identical probes on a bare Pod", async () => {
    const pod = compliantPod();
    pod.spec.containers[0].livenessProbe = clone(pod.spec.containers[0].readinessProbe);
    expect(await messagesOf(probesDiffer, [pod])).toEqual([
      'Pod toolboxai/api: container "api" livenessProbe runs the same check as its ' +
        "readinessProbe (httpGet)",
    ]);
  });
});

describe("probe-timing", () => {
  test("the compliant fixture passes (startup 10s × 4 = 40s)", async () => {
    expect(await messagesOf(probeTiming, [compliantDeployment()])).toEqual([]);
  });
  test("period and threshold differ from the design, or are left to the defaults", async () => {
    const deployment = clone(compliantDeployment());
    container(deployment).readinessProbe.periodSeconds = 10;
    delete container(deployment).livenessProbe.periodSeconds;
    container(deployment).livenessProbe.failureThreshold = 5;
    expect(await messagesOf(probeTiming, [deployment])).toEqual([
      'Deployment toolboxai/api: container "api" readinessProbe periodSeconds is 10; expected 30',
      'Deployment toolboxai/api: container "api" livenessProbe periodSeconds is unset ' +
        "(Kubernetes default 10); expected 30",
      'Deployment toolboxai/api: container "api" livenessProbe failureThreshold is 5; expected 3',
    ]);
  });
  test("a startup probe that allows too little time; initialDelaySeconds counts", async () => {
    const pod = compliantPod();
    pod.spec.containers[0].startupProbe.failureThreshold = 3;
    expect(await messagesOf(probeTiming, [pod])).toEqual([
      'Pod toolboxai/api: container "api" startupProbe allows 30s to start (initialDelaySeconds ' +
        "0 + periodSeconds 10 × failureThreshold 3); expected at least 40s",
    ]);
    pod.spec.containers[0].startupProbe.initialDelaySeconds = 10;
    expect(await messagesOf(probeTiming, [pod])).toEqual([]);
  });
  test("without a startup probe, liveness must wait the start period", async () => {
    const deployment = clone(compliantDeployment());
    delete container(deployment).startupProbe;
    container(deployment).livenessProbe.initialDelaySeconds = 20;
    expect(await messagesOf(probeTiming, [deployment])).toEqual([
      'Deployment toolboxai/api: container "api" has no startupProbe and livenessProbe ' +
        "initialDelaySeconds is 20; expected a startupProbe or an initial delay of at least 40s",
    ]);
    container(deployment).livenessProbe.initialDelaySeconds = 40;
    expect(await messagesOf(probeTiming, [deployment])).toEqual([]);
  });
  test("the timing is configurable", async () => {
    const config = {
      "probe-timing": { periodSeconds: 10, failureThreshold: 3, startPeriodSeconds: 60 },
    };
    expect(await messagesOf(probeTiming, [compliantDeployment()], config)).toEqual([
      'Deployment toolboxai/api: container "api" readinessProbe periodSeconds is 30; expected 10',
      'Deployment toolboxai/api: container "api" livenessProbe periodSeconds is 30; expected 10',
      'Deployment toolboxai/api: container "api" startupProbe allows 40s to start ' +
        "(initialDelaySeconds 0 + periodSeconds 10 × failureThreshold 4); expected at least 60s",
    ]);
  });
});
