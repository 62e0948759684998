// The local alert sink (components/monitoring/alert-sink.ts): its nginx.conf passes `nginx -t`
// and, run for real, answers Alertmanager's POST with 2xx and logs the notification as one JSON
// line on stdout, whose `notification` is the posted JSON, unchanged. Run on the gateway image's
// nginx 1.28.0 (`bash scripts/images.sh bin nginx` prints its folder; `… build nginx` builds it)
// as UID 10001, as the pod runs it, in private mount and network namespaces (`unshare --mount
// --net`, as root), with a scratch folder over /tmp: the approach of tests/gateway-nginx.test.ts,
// in a harness of its own. Outside CI a host that cannot run it skips these tests, saying why.
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
} from "node:fs";
import { writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  alertSinkNginxConf,
  alertSinkPort,
  alertSinkSpec,
} from "../../components/monitoring/alert-sink";
import { alertSinkResources } from "../../components/config/defaults";
import { resolveSecurity } from "../../components/model/security";
import { imageBinary } from "../support/image-binaries";

/** The gateway image's nginx and unshare, or why this host cannot run them. */
function findNginx(): { nginx: string } | { missing: string } {
  const nginx = imageBinary("nginx", "nginx");
  if (!nginx) {
    return {
      missing: "the gateway image's nginx is not built: bash scripts/images.sh build nginx",
    };
  }
  const probe = spawnSync("unshare", ["--mount", "--net", "--fork", "true"], { encoding: "utf8" });
  if (probe.status !== 0) {
    return { missing: "`unshare --mount --net` failed: run as root (CAP_SYS_ADMIN)" };
  }
  return { nginx };
}

const found = findNginx();
const itRunsNginx = "nginx" in found || process.env.CI === "true" ? it : it.skip;
if ("missing" in found && process.env.CI !== "true") {
  console.warn(`Skipping the alert sink's nginx tests (they run when CI=true): ${found.missing}`);
}

/**
 * Runs `script` (sh; `nginx` is the gateway image's nginx as UID 10001; the conf and `files` are
 * in /tmp) in private mount and network namespaces. nginx's stdout (the access log) and the
 * script's other output are kept apart: nginx opens /dev/stdout by path, so both are files.
 */
function inNamespaces(
  conf: string,
  files: Readonly<Record<string, string>>,
  script: string,
): { status: number | null; stdout: string; stderr: string } {
  if ("missing" in found) throw new Error(found.missing);
  const work = mkdtempSync(path.join(os.tmpdir(), "alert-sink-nginx-"));
  try {
    const sandbox = path.join(work, "tmp");
    mkdirSync(sandbox);
    chmodSync(sandbox, 0o777);
    for (const [name, content] of Object.entries({ "nginx.conf": conf, ...files })) {
      writeFileSync(path.join(sandbox, name), content);
    }
    const streams = ["stdout", "stderr"].map((name) => {
      const file = path.join(work, name);
      const fd = openSync(file, "a", 0o666);
      chmodSync(file, 0o666);
      return { file, fd };
    });
    const prelude =
      'mount --bind "$1" /tmp && binary=$2 && ip link set lo up && ' +
      'nginx() { setpriv --reuid=10001 --regid=10001 --clear-groups "$binary" "$@"; }\n';
    let status: number | null;
    try {
      status = spawnSync(
        "unshare",
        ["--mount", "--net", "--fork", "sh", "-c", prelude + script, "sh", sandbox, found.nginx],
        { stdio: ["ignore", streams[0].fd, streams[1].fd], timeout: 30_000 },
      ).status;
    } finally {
      for (const { fd } of streams) closeSync(fd);
    }
    const [stdout, stderr] = streams.map(({ file }) => readFileSync(file, "utf8"));
    return { status, stdout, stderr };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** A notification as Alertmanager 0.35 posts it (webhook payload version 4). */
const notification = {
  receiver: "pager",
  status: "firing",
  alerts: [
    {
      status: "firing",
      labels: { alertname: "PostgresDown", severity: "critical", service: "postgres" },
      annotations: {
        summary: 'PostgreSQL "postgres" is down',
        description: "No scrape for 1m.\nCheck the pod — then the volume.",
        runbook_url:
          "https://github.com/toolboxai/infrastructure/blob/main/docs/ALERTS.md#postgresdown",
      },
      startsAt: "2026-12-05T21:00:00Z",
      endsAt: "0001-01-01T00:00:00Z",
      generatorURL: "http://prometheus:9090/graph?g0.expr=up%3D%3D0",
      fingerprint: "4a1c9e2b7d3f0a61",
    },
  ],
  groupLabels: { alertname: "PostgresDown" },
  commonLabels: { alertname: "PostgresDown", severity: "critical" },
  commonAnnotations: {},
  externalURL: "http://alertmanager:9093",
  version: "4",
  groupKey: '{}/{severity="critical"}:{alertname="PostgresDown"}',
  truncatedAlerts: 0,
};

const conf = alertSinkNginxConf();
const nginxArgs = "-c /tmp/nginx.conf -p /tmp/ -e /tmp/error.log";

describe("the alert sink's nginx.conf", () => {
  itRunsNginx("passes nginx -t", () => {
    const result = inNamespaces(conf, {}, `nginx -t ${nginxArgs}`);
    if (result.status !== 0) throw new Error(`nginx -t failed:\n${result.stderr}`);
    expect(result.stderr).toContain("test is successful");
  });

  itRunsNginx("makes nginx -t fail when broken (the harness can fail)", () => {
    const broken = conf.slice(0, conf.lastIndexOf("}"));
    const result = inNamespaces(broken, {}, `nginx -t ${nginxArgs}`);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain("test failed");
  });

  itRunsNginx(
    "answers a POST 204 and logs it as one JSON line; GET is refused, /healthz is 200",
    () => {
      const body = JSON.stringify(notification);
      const script = [
        `nginx ${nginxArgs} || exit 1`,
        `trap 'nginx ${nginxArgs} -s stop' EXIT`,
        `url=http://127.0.0.1:${alertSinkPort}`,
        "curl -s -o /dev/null -w 'healthz %{http_code}\\n' $url/healthz >&2",
        "curl -s -o /dev/null -w 'post %{http_code}\\n' -H 'Content-Type: application/json' " +
          "--data-binary @/tmp/notification.json $url/pager >&2",
        "curl -s -o /dev/null -w 'get %{http_code}\\n' $url/pager >&2",
      ].join("\n");
      const result = inNamespaces(conf, { "notification.json": body }, script);
      if (result.status !== 0) throw new Error(`nginx did not serve:\n${result.stderr}`);
      expect(result.stderr).toMatch(/^healthz 200$/m);
      expect(result.stderr).toMatch(/^post 204$/m);
      expect(result.stderr).toMatch(/^get 403$/m);
      // Only the POST is logged, not the refused GET: one line, one JSON object, the notification
      // unchanged inside.
      const lines = result.stdout.split("\n").filter((line) => line !== "");
      expect(lines).toHaveLength(1);
      const logged = JSON.parse(lines[0]);
      expect(logged).toMatchObject({ receiver: "/pager", status: "204" });
      expect(JSON.parse(logged.notification)).toEqual(notification);
    },
  );
});

describe("the alert sink's workload", () => {
  const spec = alertSinkSpec({ repository: "nginxinc/nginx-unprivileged", tag: "1.28.0-alpine" });

  it("runs on the secure defaults: no relaxation, /tmp the only writable path", () => {
    expect(spec.security).toBeUndefined();
    expect(resolveSecurity(spec.name, spec.security)).toMatchObject({
      runAsUser: 10001,
      readOnlyRootFilesystem: true,
    });
    expect(spec.containers[0].writablePaths).toEqual(["/tmp"]);
    expect(spec.containers[0].resources).toEqual(alertSinkResources);
    expect(spec.containers[0].probes).toEqual({
      readiness: { http: { path: "/healthz", port: "http" } },
      liveness: { tcp: { port: "http" } },
    });
  });

  it("sits beside Alertmanager, its only sender, and mounts the generated nginx.conf", () => {
    expect(spec).toMatchObject({ name: "alert-sink", zones: ["monitoring"], replicas: 1 });
    expect(spec.containers[0].ports).toEqual([{ name: "http", port: alertSinkPort }]);
    expect(spec.configFiles).toEqual([
      { name: "nginx.conf", mountPath: "/etc/nginx/nginx.conf", content: conf },
    ]);
  });
});
