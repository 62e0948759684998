// The Docker form of a container's pieces (components/docker/container.ts), as pure functions:
// the health check honours the workload's probe timing, as the Kubernetes probes do; a scratch
// space is a sized tmpfs; a scheduled job's loop keeps its deadline and retries.
import { dockerSize, healthcheck, scheduledLoop, tmpfsOf } from "../components/docker/container";
import { kubernetesProbes } from "../components/kubernetes/pod";
import { httpProbes, type ContainerSpec } from "../components/model/workload";

const api: ContainerSpec = {
  name: "api",
  image: { repository: "example/api", tag: "2.0.0" },
  ports: [{ name: "http", port: 8000 }],
  probes: httpProbes("http", "/health"),
  resources: {
    requests: { cpu: "100m", memory: "64Mi" },
    limits: { cpu: "200m", memory: "128Mi" },
  },
};

test("by default: every 30 s, 3 retries, 40 s to start, and 10 s for wget or nc to answer", () => {
  expect(healthcheck(api)).toEqual({
    tests: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8000/health"],
    interval: "30s",
    retries: 3,
    startPeriod: "40s",
    timeout: "10s",
  });
});

test("a workload's probe timing applies on Docker as on Kubernetes", () => {
  const timing = {
    periodSeconds: 10,
    failureThreshold: 6,
    startPeriodSeconds: 120,
    timeoutSeconds: 2,
  };
  expect(healthcheck(api, timing)).toMatchObject({
    interval: "10s",
    retries: 6,
    startPeriod: "120s",
    timeout: "2s",
  });
  const readiness = kubernetesProbes(api.probes!, timing).readinessProbe;
  expect(readiness).toMatchObject({ periodSeconds: 10, failureThreshold: 6, timeoutSeconds: 2 });
  // Only what a workload sets changes; the rest keeps its default.
  expect(healthcheck(api, { periodSeconds: 15 })).toMatchObject({
    interval: "15s",
    retries: 3,
    startPeriod: "40s",
    timeout: "10s",
  });
});

test("a container without probes has no health check", () => {
  expect(healthcheck({ ...api, probes: undefined })).toBeUndefined();
});

test("a scratch space is a tmpfs of its declared size, next to the writable paths", () => {
  expect(
    tmpfsOf({ ...api, writablePaths: ["/tmp"], scratch: { path: "/var/lib/work", size: "2Gi" } }),
  ).toEqual({
    "/tmp": "rw,noexec,nosuid,size=256m",
    "/var/lib/work": "rw,noexec,nosuid,size=2048m",
  });
  expect(() => dockerSize("lots")).toThrow("size lots is not a quantity Docker can read");
});

test("a scheduled job's loop stops a try at the deadline and retries a failed run", () => {
  const schedule = {
    cron: "*/15 * * * *",
    intervalMinutes: 15,
    startingDeadlineSeconds: 450,
    activeDeadlineSeconds: 900,
    backoffLimit: 2,
  };
  const [shell, flag, loop, name, ...command] = scheduledLoop(
    ["sh", "backup.sh"],
    schedule,
  ).command;
  expect([shell, flag, name, command]).toEqual(["sh", "-c", "scheduled", ["sh", "backup.sh"]]);
  expect(loop).toContain('until timeout 900 "$@"');
  expect(loop).toContain('[ "$tries" -gt 2 ] && break');
  expect(loop).toContain("sleep 900");
  // Without a backoff limit, one retry: the Job's default.
  const once = { ...schedule, backoffLimit: undefined };
  expect(scheduledLoop(["true"], once).command[2]).toContain('[ "$tries" -gt 1 ] && break');
});
