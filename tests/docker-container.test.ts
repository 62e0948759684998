// The Docker form of a container's pieces (components/docker/container.ts), as pure functions:
// the health check honours the workload's probe timing, as the Kubernetes probes do; a scratch
// space is a sized tmpfs; a scheduled job's loop keeps its deadline and retries; `pulumi up` waits
// out a container's start period.
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import {
  dockerSize,
  healthcheck,
  goDuration,
  healthWaitSeconds,
  scheduledLoop,
  tmpfsOf,
} from "../components/docker/container";
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
    startPeriod: "2m0s",
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
  // Its first run at start, and healthy only after a recent success.
  expect(loop.startsWith("while :;")).toBe(true);
  // Without a backoff limit, one retry: the Job's default.
  const once = { ...schedule, backoffLimit: undefined };
  expect(scheduledLoop(["true"], once).command[2]).toContain('[ "$tries" -gt 1 ] && break');
});

test("a scheduled job's loop, run by sh: a failed run is tried again after 10 s, then 20 s, then it waits an interval", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "scheduled-loop-"));
  try {
    // A stand-in `sleep` records how long it was asked to wait, and ends the loop at the interval.
    writeFileSync(
      path.join(dir, "sleep"),
      '#!/bin/sh\necho "$1" >> "$SLEEPS"\n[ "$1" -ge 600 ] && kill "$PPID"\nexit 0\n',
    );
    chmodSync(path.join(dir, "sleep"), 0o755);
    const schedule = {
      cron: "*/15 * * * *",
      intervalMinutes: 15,
      startingDeadlineSeconds: 450,
      activeDeadlineSeconds: 60,
      backoffLimit: 2,
    };
    const command = scheduledLoop(["sh", "-c", 'echo try >> "$TRIES"; exit 3'], schedule).command;
    const run = spawnSync(command[0], command.slice(1), {
      encoding: "utf8",
      timeout: 10_000,
      env: {
        PATH: `${dir}:${process.env.PATH}`,
        SLEEPS: path.join(dir, "sleeps"),
        TRIES: path.join(dir, "tries"),
      },
    });
    expect(readFileSync(path.join(dir, "tries"), "utf8")).toBe("try\ntry\ntry\n");
    expect(readFileSync(path.join(dir, "sleeps"), "utf8")).toBe("10\n20\n900\n");
    expect(run.stderr).toContain("scheduled run failed: 3");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a scheduled job's first run can wait: healthy while it is pending, then by its last success", () => {
  const schedule = {
    cron: "40 4 * * *",
    intervalMinutes: 1440,
    startingDeadlineSeconds: 3600,
    activeDeadlineSeconds: 7200,
    firstRunAfterMinutes: 255,
  };
  const { command, healthcheck: check } = scheduledLoop(["sh", "verify.sh"], schedule);
  expect(command[2]).toMatch(
    /^touch \/tmp\/\.first-run-pending; sleep 15300; rm -f \/tmp\/\.first-run-pending; while :;/,
  );
  expect(check.tests).toEqual([
    "CMD-SHELL",
    'test -e /tmp/.first-run-pending || test -n "$(find /tmp/.last-success -mmin -2880 2>/dev/null)"',
  ]);
});

test("pulumi up waits for a container as long as its start period and the failures after it allow", () => {
  expect(healthWaitSeconds()).toBe(180);
  // 900 s of start period, then three failed checks 30 s apart.
  expect(healthWaitSeconds({ startPeriodSeconds: 900 })).toBe(990);
});

test("durations are written as Go prints them, as the provider reads them back", () => {
  expect([40, 30, 600, 900, 90, 3600, 3725].map(goDuration)).toEqual([
    "40s",
    "30s",
    "10m0s",
    "15m0s",
    "1m30s",
    "1h0m0s",
    "1h2m5s",
  ]);
});
