// The gateway's nginx.conf, as the production stack really renders it, passes `nginx -t` and
// runs. The conf is taken from the gateway ConfigMap registered by the real program (index.ts
// with Pulumi.production.yaml under mocks) and run by nginx 1.28.0, the gateway image's version,
// built by `bash scripts/images.sh build nginx` (CI builds it; docs/IMAGES.md).
//
// nginx resolves the resolver's own name (the cluster DNS Service) once at start, and that name
// does not resolve here. The conf is not rewritten: nginx runs in a private mount namespace
// (`unshare --mount`) where a copy of /etc/hosts that maps it to 127.0.0.1 is bind-mounted over
// /etc/hosts; no DNS server answers there, so no upstream name resolves. The conf also writes
// under /tmp (pid file, temp directories), so a scratch directory is bind-mounted over /tmp in the
// same namespace: the real /tmp is untouched. Served for real, nginx runs in a private network
// namespace too. All need root (CAP_SYS_ADMIN); the mounts vanish with the namespaces.
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import {
  accessSync,
  chmodSync,
  closeSync,
  constants,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { securityHeaders } from "../components/app/nginx-conf";
import type { ProgramRun } from "../tools/engine/mock-engine";
import { imageBinary } from "./support/image-binaries";
import { sharedProgramRun } from "./support/program-runs";

const namespace = "toolboxai"; // Pulumi.production.yaml: toolboxai:namespace
const expectedUpstreams = {
  backend: { host: `backend.${namespace}.svc.cluster.local`, port: 8009 },
  dashboard: { host: `dashboard.${namespace}.svc.cluster.local`, port: 8080 },
};

interface Upstream {
  readonly host: string;
  readonly port: number;
}

/** `upstream NAME { server HOST:PORT ...; }` blocks: name → servers. */
function upstreamServers(conf: string): Map<string, Upstream[]> {
  const upstreams = new Map<string, Upstream[]>();
  for (const block of conf.matchAll(/^\s*upstream\s+(\S+)\s*\{([^}]*)\}/gm)) {
    const servers = [...block[2].matchAll(/^\s*server\s+([^\s:;]+):(\d+)[^;]*;/gm)].map(
      (server) => ({ host: server[1], port: Number(server[2]) }),
    );
    upstreams.set(block[1], servers);
  }
  return upstreams;
}

/** `location PATH { ... }` blocks (none of the gateway's nest): path → body. */
function locations(conf: string): Map<string, string> {
  const result = new Map<string, string>();
  for (const block of conf.matchAll(/^\s*location\s+([^{]*?)\s*\{([^}]*)\}/gm)) {
    result.set(block[1], block[2]);
  }
  return result;
}

function findExecutable(name: string, extraDirs: readonly string[]): string | undefined {
  const dirs = [...(process.env.PATH ?? "").split(path.delimiter), ...extraDirs];
  for (const dir of dirs.filter((entry) => entry !== "")) {
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

function output(result: SpawnSyncReturns<string>): string {
  return `${result.stdout ?? ""}${result.stderr ?? ""}${result.error ? String(result.error) : ""}`;
}

interface NginxTools {
  readonly nginx: string;
  readonly unshare: string;
}

/** The tools the tests need here, or why this host cannot run them and what to install. */
function findTools(): NginxTools | { readonly missing: string } {
  const nginx = imageBinary("nginx", "nginx");
  if (!nginx) {
    return {
      missing:
        "the gateway image's nginx is not built: this test runs the gateway's nginx.conf on it. " +
        "Build it: `bash scripts/images.sh build nginx`.",
    };
  }
  const unshare = findExecutable("unshare", ["/usr/bin", "/bin"]);
  if (!unshare) {
    return {
      missing:
        "unshare is not installed: this test runs nginx in a private mount namespace. " +
        "Install util-linux (Debian/Ubuntu: `apt-get install -y util-linux`).",
    };
  }
  const probe = spawnSync(unshare, ["--mount", "--fork", "true"], { encoding: "utf8" });
  if (probe.status !== 0) {
    return {
      missing:
        "`unshare --mount` failed: the test must run as root (or with CAP_SYS_ADMIN) to " +
        `bind-mount /etc/hosts in a private mount namespace.\n${output(probe)}`,
    };
  }
  return { nginx, unshare };
}

/**
 * Outside CI a host without nginx (or without root) skips the two `nginx -t` tests and says
 * why; in CI (`CI=true`) they run and fail with the same reason, so the check is never lost.
 */
export function nginxTestMode(
  found: NginxTools | { readonly missing: string },
  env: NodeJS.ProcessEnv,
): { readonly run: true } | { readonly run: false; readonly reason: string } {
  if (!("missing" in found) || env.CI === "true") return { run: true };
  return {
    run: false,
    reason: `Skipping the nginx -t tests (they run when CI=true): ${found.missing}`,
  };
}

const tools = findTools();
const mode = nginxTestMode(tools, process.env);
const itRunsNginx = mode.run ? it : it.skip;
if (!mode.run) console.warn(mode.reason);

function requireTools(): NginxTools {
  if ("missing" in tools) throw new Error(tools.missing);
  return tools;
}

/** The conf's `resolver` address. */
function resolverOf(conf: string): string {
  const resolver = /^\s*resolver\s+(\S+)[^;]*;/m.exec(conf);
  if (!resolver) throw new Error("the gateway's nginx.conf has no resolver");
  return resolver[1];
}

/**
 * Runs `script` (sh; `nginx` runs the gateway's nginx as UID 10001, as the pod does; the conf is
 * /tmp/nginx.conf) inside a private mount namespace
 * whose /etc/hosts maps the resolver's name to 127.0.0.1 and whose /tmp is a scratch folder, and
 * with `network`, a private network namespace too. Returns the exit status and the output.
 */
function inNamespaces(
  conf: string,
  script: string,
  network: boolean,
): { status: number | null; output: string } {
  const { nginx, unshare } = requireTools();
  const workDir = mkdtempSync(path.join(os.tmpdir(), "gateway-nginx-"));
  try {
    const hostsFile = path.join(workDir, "hosts");
    writeFileSync(
      hostsFile,
      `${readFileSync("/etc/hosts", "utf8")}\n# gateway-nginx test\n127.0.0.1 ${resolverOf(conf)}\n`,
    );
    // Becomes /tmp inside the namespace: the conf, nginx's prefix and everything the conf
    // writes under /tmp live here.
    const sandbox = path.join(workDir, "tmp");
    mkdirSync(sandbox);
    chmodSync(sandbox, 0o777);
    writeFileSync(path.join(sandbox, "nginx.conf"), conf);
    // Paths go in as positional parameters, so nothing is interpolated into the script. nginx
    // runs unprivileged, as in the pod (root would make it switch to a `user` this host lacks).
    const mounts =
      'mount --bind "$1" /etc/hosts && mount --bind "$2" /tmp && binary=$3 && ' +
      'nginx() { setpriv --reuid=10001 --regid=10001 --clear-groups "$binary" "$@"; }\n';
    // nginx opens /dev/stdout and /dev/stderr (error_log, access_log) by path. Node's pipes are
    // socketpairs, which cannot be reopened that way (ENXIO); a container's stdout and stderr
    // can. So nginx writes to a plain file, opened for appending like nginx opens its logs.
    const outputFile = path.join(workDir, "nginx-output.log");
    const fd = openSync(outputFile, "a", 0o666);
    chmodSync(outputFile, 0o666);
    let result: SpawnSyncReturns<string>;
    try {
      result = spawnSync(
        unshare,
        [
          "--mount",
          ...(network ? ["--net"] : []),
          "--fork",
          "sh",
          "-c",
          mounts + script,
          "sh",
          hostsFile,
          sandbox,
          nginx,
        ],
        { encoding: "utf8", stdio: ["ignore", fd, fd], timeout: 30_000 },
      );
    } finally {
      closeSync(fd);
    }
    return {
      status: result.status,
      output: readFileSync(outputFile, "utf8") + (result.error ? String(result.error) : ""),
    };
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

/** `nginx -t` on `conf`. */
function nginxTest(conf: string): { status: number | null; output: string } {
  return inNamespaces(conf, "nginx -t -c /tmp/nginx.conf -p /tmp/ -e /tmp/error.log", false);
}

/**
 * Starts nginx on `conf` in a network namespace of its own, where no DNS server answers, GETs
 * /healthz (its headers follow "== headers") and then `paths` all at once, and stops nginx.
 * Returns the status of each path, in the order the answers came.
 */
function serveWithoutDns(
  conf: string,
  paths: readonly string[],
): { headers: string; statuses: { path: string; status: string }[] } {
  const script = [
    "ip link set lo up",
    "nginx -c /tmp/nginx.conf -p /tmp/ -e /tmp/error.log || exit 1",
    // nginx daemonizes once it listens; it is stopped on every way out.
    "trap 'nginx -c /tmp/nginx.conf -p /tmp/ -s stop' EXIT",
    "curl -s -D /tmp/headers -o /dev/null http://127.0.0.1:8080/healthz",
    'echo "== headers"; cat /tmp/headers; echo "== statuses"',
    // All at once, as a burst of clients would send them.
    "curl -s --parallel --parallel-max 100 -w '%{url_effective} %{http_code}\\n' " +
      paths.map((requestPath) => `-o /dev/null http://127.0.0.1:8080${requestPath}`).join(" "),
  ].join("\n");
  const result = inNamespaces(conf, script, true);
  if (result.status !== 0) {
    throw new Error(`nginx did not serve (exit ${result.status}):\n${result.output}`);
  }
  const statuses = [...result.output.matchAll(/^http:\/\/127\.0\.0\.1:8080(\S+) (\d{3})$/gm)].map(
    (answer) => ({ path: answer[1], status: answer[2] }),
  );
  const headers = result.output.slice(
    result.output.indexOf("== headers"),
    result.output.indexOf("== statuses"),
  );
  return { headers, statuses };
}

let run: ProgramRun;
let conf: string;

beforeAll(async () => {
  // One program run per test file: the SDK's runtime state is global.
  run = await sharedProgramRun("production");
  const configMap = run.resources.find(
    (resource) =>
      resource.type === "kubernetes:core/v1:ConfigMap" &&
      (resource.inputs.metadata as { name?: string } | undefined)?.name === "gateway-config",
  );
  if (!configMap) throw new Error("production registers no ConfigMap named gateway-config");
  const data = configMap.inputs.data as Record<string, unknown> | undefined;
  if (typeof data?.["nginx.conf"] !== "string") {
    throw new Error("ConfigMap gateway-config has no nginx.conf");
  }
  conf = data["nginx.conf"];
});

describe("when the nginx -t tests run", () => {
  const missing = { missing: "nginx is not installed: ..." };
  it("runs them wherever nginx works, and always in CI (where a missing nginx fails them)", () => {
    expect(nginxTestMode({ nginx: "/usr/sbin/nginx", unshare: "/usr/bin/unshare" }, {})).toEqual({
      run: true,
    });
    expect(nginxTestMode(missing, { CI: "true" })).toEqual({ run: true });
  });

  it("skips them outside CI with the reason and what to install", () => {
    expect(nginxTestMode(missing, {})).toEqual({
      run: false,
      reason: "Skipping the nginx -t tests (they run when CI=true): nginx is not installed: ...",
    });
  });
});

describe("gateway nginx.conf (production stack)", () => {
  itRunsNginx("passes nginx -t", () => {
    const result = nginxTest(conf);
    // The whole output in the failure message: it names the offending line.
    if (result.status !== 0) {
      throw new Error(`nginx -t exited with ${result.status}:\n${result.output}`);
    }
    expect(result.output).toContain("syntax is ok");
    expect(result.output).toContain("test is successful");
  });

  itRunsNginx("makes nginx -t fail when the conf is broken (the harness can fail)", () => {
    const lastBrace = conf.lastIndexOf("}");
    expect(lastBrace).toBeGreaterThan(0);
    const broken = conf.slice(0, lastBrace) + conf.slice(lastBrace + 1);
    const result = nginxTest(broken);
    expect(result.status).not.toBe(0);
    expect(result.output).toMatch(/\[emerg\] unexpected end of file, expecting "\}"/);
    expect(result.output).toContain("test failed");
  });

  itRunsNginx("starts while no upstream name resolves: /healthz answers, the routes 502", () => {
    const { headers, statuses } = serveWithoutDns(conf, ["/api/v1/health", "/grafana/", "/"]);
    expect(statuses).toEqual(
      expect.arrayContaining([
        { path: "/api/v1/health", status: "502" },
        { path: "/grafana/", status: "502" },
        { path: "/", status: "502" },
      ]),
    );
    expect(statuses).toHaveLength(3);
    expect(headers).toMatch(/^HTTP\/1\.1 200 OK/m);
    for (const [name, value] of Object.entries(securityHeaders)) {
      expect(headers).toContain(`${name}: ${value}`);
    }
  });

  itRunsNginx("answers 429 past the configured rate on /api/", () => {
    const burst = Number(/limit_req zone=api burst=(\d+)/.exec(conf)?.[1]);
    expect(burst).toBeGreaterThan(0);
    // burst + 1 requests are let through at once (nodelay; then 502: no backend resolves); the
    // rest of a burst sent at once is refused, bar the few the rate lets through meanwhile.
    const paths = Array.from({ length: burst + 10 }, (_, index) => `/api/items/${index}`);
    const counts = new Map<string, number>();
    for (const { status } of serveWithoutDns(conf, paths).statuses) {
      counts.set(status, (counts.get(status) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual(["429", "502"]);
    expect(counts.get("429")).toBeGreaterThanOrEqual(5);
    expect(counts.get("502")).toBeGreaterThanOrEqual(burst + 1);
    expect((counts.get("429") ?? 0) + (counts.get("502") ?? 0)).toBe(paths.length);
  });

  it("resolves upstream names while it runs, through the platform's name server", () => {
    expect(resolverOf(conf)).toBe("kube-dns.kube-system.svc.cluster.local");
    for (const name of ["backend", "dashboard", "grafana"]) {
      expect(conf).toMatch(new RegExp(`upstream ${name} \\{\\s+zone upstream_${name} \\S+;`));
    }
    for (const servers of upstreamServers(conf).values()) {
      for (const server of servers)
        expect(conf).toContain(`server ${server.host}:${server.port} resolve;`);
    }
  });

  it("routes /api/ and /ws to the backend and / to the dashboard", () => {
    const byPath = locations(conf);
    expect(byPath.get("/api/")).toContain("proxy_pass http://backend;");
    expect(byPath.get("/ws")).toContain("proxy_pass http://backend;");
    expect(byPath.get("/")).toContain("proxy_pass http://dashboard;");
    expect(byPath.get("/ws")).toMatch(/proxy_set_header Upgrade \$http_upgrade;/);
    expect(byPath.get("/ws")).toMatch(/proxy_set_header Connection \$connection_upgrade;/);
  });

  it("rate-limits /api/ and /ws", () => {
    expect(conf).toMatch(/^\s*limit_req_zone \$binary_remote_addr zone=api:\S+ rate=\d+r\/s;$/m);
    const byPath = locations(conf);
    for (const location of ["/api/", "/ws"]) {
      expect(byPath.get(location)).toMatch(/^\s*limit_req zone=api burst=\d+ nodelay;$/m);
    }
    expect(byPath.get("/")).not.toContain("limit_req");
  });

  it("sends every security header with `always`", () => {
    for (const [name, value] of Object.entries(securityHeaders)) {
      expect(conf).toContain(`add_header ${name} "${value}" always;`);
    }
  });

  it("points the upstreams at the backend and dashboard Services in the namespace", () => {
    const upstreams = upstreamServers(conf);
    expect(Object.fromEntries(upstreams)).toEqual({
      backend: [expectedUpstreams.backend],
      dashboard: [expectedUpstreams.dashboard],
      // Grafana, in the monitoring namespace, under /grafana/.
      grafana: [{ host: "grafana.toolboxai-monitoring.svc.cluster.local", port: 3000 }],
    });
    expect(conf).toMatch(/location \/grafana\/ \{\s+limit_req zone=api/);
    // The same names and ports as the Services the program registers.
    for (const [name, upstream] of Object.entries(expectedUpstreams)) {
      const service = run.resources.find(
        (resource) =>
          resource.type === "kubernetes:core/v1:Service" &&
          (resource.inputs.metadata as { name?: string }).name === name,
      );
      expect(service?.inputs.metadata).toMatchObject({ name, namespace });
      const ports = (service?.inputs.spec as { ports: { port: number }[] }).ports;
      expect(ports.map((port) => port.port)).toContain(upstream.port);
    }
  });

  it("listens on 8080 for app.toolboxai.example", () => {
    expect(conf).toMatch(/^\s*listen 8080;$/m);
    expect(conf).toMatch(/^\s*server_name app\.toolboxai\.example;$/m);
  });
});
