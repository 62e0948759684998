import {
  dockerCapsDropAll,
  dockerHealthcheck,
  dockerHostNamespaces,
  dockerImagePinned,
  dockerInternalNetworks,
  dockerNoNewPrivileges,
  dockerNonRoot,
  dockerNoPrivileged,
  dockerNoRuntimeSocket,
  dockerNoSecretEnv,
  dockerPidsLimit,
  dockerPolicies,
  dockerPrivilegedPorts,
  dockerReadOnly,
  dockerResourceLimits,
  dockerRestartPolicy,
  imagePinProblem,
  parseDuration,
} from "../../policies/docker";
import { clone } from "./support";
import {
  compliantContainer,
  compliantNetwork,
  compliantRemoteImage,
  container,
  dockerMessagesOf,
  network,
  remoteImage,
} from "./fixtures/docker";
import { fakeSecrets } from "./fixtures/secrets";

/* eslint-disable @typescript-eslint/no-explicit-any -- fixtures are untyped inputs */

const on = "Container backend:";

/** The messages `policy` reports for the compliant container changed by `mutate`. */
async function messagesFor(policy: any, mutate: (props: any) => void, config?: any) {
  const props = clone(compliantContainer());
  mutate(props);
  return dockerMessagesOf(policy, [container(props)], config);
}

describe("dockerPolicies", () => {
  test("every policy is mandatory and accepts the compliant resources", async () => {
    expect(dockerPolicies.map((policy) => policy.enforcementLevel)).toEqual(
      dockerPolicies.map(() => "mandatory"),
    );
    for (const policy of dockerPolicies) {
      expect(
        await dockerMessagesOf(policy, [
          container(compliantContainer()),
          network(compliantNetwork()),
          network(compliantNetwork("toolboxai-frontend")),
          remoteImage(compliantRemoteImage()),
        ]),
      ).toEqual([]);
    }
  });
  test("container rules do not apply to other types", async () => {
    expect(await dockerMessagesOf(dockerReadOnly, [network({ name: "x" })])).toEqual([]);
  });
});

describe("parseDuration and imagePinProblem", () => {
  test("Docker durations", () => {
    expect(parseDuration("30s")).toBe(30_000);
    expect(parseDuration("1m30s")).toBe(90_000);
    expect(parseDuration("500ms")).toBe(500);
    expect(parseDuration("1h")).toBe(3_600_000);
    expect(parseDuration("30")).toBeUndefined();
    expect(parseDuration(undefined)).toBeUndefined();
  });
  test("image references", () => {
    expect(imagePinProblem("postgres:16.10-alpine", false)).toBeUndefined();
    expect(imagePinProblem("localhost:5000/app:1.0", false)).toBeUndefined();
    expect(imagePinProblem(`sha256:${"a".repeat(64)}`, true)).toBeUndefined();
    expect(imagePinProblem(`nginx@sha256:${"b".repeat(64)}`, true)).toBeUndefined();
    expect(imagePinProblem("localhost:5000/app", false)).toBe(
      'image "localhost:5000/app" has no tag, so Docker pulls latest; pin a version tag or a digest',
    );
  });
});

describe("docker-non-root", () => {
  test("user unset", async () => {
    expect(await messagesFor(dockerNonRoot, (props) => delete props.user)).toEqual([
      `${on} user is unset, so the container runs as the image's user (often root); set user ` +
        'to a numeric UID:GID of at least 1001, e.g. "1001:1001"',
    ]);
  });
  test("root UID, a low GID, and a user name", async () => {
    expect(await messagesFor(dockerNonRoot, (props) => (props.user = "0:0"))).toEqual([
      `${on} user "0:0" has UID 0; it must be at least 1001`,
      `${on} user "0:0" has GID 0; it must be at least 1001`,
    ]);
    expect(await messagesFor(dockerNonRoot, (props) => (props.user = "app"))).toEqual([
      `${on} user "app" has a non-numeric UID "app"; use a numeric UID of at least 1001`,
    ]);
  });
  test("config: the minimum changes the outcome", async () => {
    expect(
      await messagesFor(dockerNonRoot, () => undefined, {
        "docker-non-root": { minimumId: 10000 },
      }),
    ).toEqual([
      `${on} user "1001:1001" has UID 1001; it must be at least 10000`,
      `${on} user "1001:1001" has GID 1001; it must be at least 10000`,
    ]);
  });
});

describe("docker-read-only", () => {
  test("readOnly unset", async () => {
    expect(await messagesFor(dockerReadOnly, (props) => delete props.readOnly)).toEqual([
      `${on} readOnly is not true; set readOnly: true and put writable paths on tmpfs or volumes`,
    ]);
  });
});

describe("docker-no-privileged", () => {
  test("privileged", async () => {
    expect(await messagesFor(dockerNoPrivileged, (props) => (props.privileged = true))).toEqual([
      `${on} runs privileged; remove privileged: true`,
    ]);
  });
});

describe("docker-caps-drop-all", () => {
  test("ALL not dropped, and a capability outside the allow-list added", async () => {
    expect(
      await messagesFor(dockerCapsDropAll, (props) => {
        props.capabilities = { drops: ["NET_RAW"], adds: ["CAP_NET_BIND_SERVICE", "SYS_ADMIN"] };
      }),
    ).toEqual([
      `${on} capabilities.drops is [NET_RAW]; it must include ALL (drops: ["ALL"])`,
      `${on} capabilities.adds includes SYS_ADMIN, which is not allowed; allowed: NET_BIND_SERVICE`,
    ]);
  });
  test("no capabilities at all", async () => {
    expect(await messagesFor(dockerCapsDropAll, (props) => delete props.capabilities)).toEqual([
      `${on} capabilities.drops is []; it must include ALL (drops: ["ALL"])`,
    ]);
  });
  test("config: the allow-list changes the outcome", async () => {
    const addBind = (props: any) => (props.capabilities.adds = ["NET_BIND_SERVICE"]);
    expect(await messagesFor(dockerCapsDropAll, addBind)).toEqual([]);
    expect(
      await messagesFor(dockerCapsDropAll, addBind, {
        "docker-caps-drop-all": { allowedCapabilities: [] },
      }),
    ).toEqual([
      `${on} capabilities.adds includes NET_BIND_SERVICE, which is not allowed; allowed: none`,
    ]);
  });
});

describe("docker-no-new-privileges", () => {
  test("missing, or set to false", async () => {
    const expected = [`${on} securityOpts does not include "no-new-privileges:true"; add it`];
    expect(await messagesFor(dockerNoNewPrivileges, (props) => delete props.securityOpts)).toEqual(
      expected,
    );
    expect(
      await messagesFor(
        dockerNoNewPrivileges,
        (props) => (props.securityOpts = ["no-new-privileges:false"]),
      ),
    ).toEqual(expected);
  });
  test("the bare form is accepted", async () => {
    expect(
      await messagesFor(
        dockerNoNewPrivileges,
        (props) => (props.securityOpts = ["no-new-privileges"]),
      ),
    ).toEqual([]);
  });
});

describe("docker-resource-limits", () => {
  test("no memory, and only cpuShares", async () => {
    expect(
      await messagesFor(dockerResourceLimits, (props) => {
        delete props.memory;
        delete props.cpus;
        props.cpuShares = 512;
      }),
    ).toEqual([
      `${on} memory is unset; set a memory limit in MB`,
      `${on} has no CPU limit (cpus is unset); set cpus (e.g. "1.0") or cpuQuota, cpuShares is ` +
        "only a relative weight",
    ]);
  });
  test("cpuQuota is a CPU limit", async () => {
    expect(
      await messagesFor(dockerResourceLimits, (props) => {
        delete props.cpus;
        props.cpuPeriod = 100000;
        props.cpuQuota = 50000;
      }),
    ).toEqual([]);
  });
});

describe("docker-pids-limit", () => {
  test("no nproc ulimit", async () => {
    expect(await messagesFor(dockerPidsLimit, (props) => delete props.ulimits)).toEqual([
      `${on} sets no process limit; add ulimits [{ name: "nproc", soft: N, hard: N }], N > 0`,
    ]);
  });
  test("an unlimited or inverted nproc ulimit", async () => {
    expect(
      await messagesFor(
        dockerPidsLimit,
        (props) => (props.ulimits = [{ name: "nproc", soft: 1024, hard: -1 }]),
      ),
    ).toEqual([`${on} ulimit nproc is soft 1024, hard -1; both must be positive with soft ≤ hard`]);
  });
});

describe("docker-restart-policy", () => {
  test("always, unset, and on-failure without a bound", async () => {
    expect(await messagesFor(dockerRestartPolicy, (props) => (props.restart = "always"))).toEqual([
      `${on} restart is "always"; use "on-failure" with maxRetryCount above 0, or "unless-stopped"`,
    ]);
    expect(await messagesFor(dockerRestartPolicy, (props) => delete props.restart)).toEqual([
      `${on} restart is unset (Docker's default "no"); use "on-failure" with maxRetryCount ` +
        'above 0, or "unless-stopped"',
    ]);
    expect(await messagesFor(dockerRestartPolicy, (props) => delete props.maxRetryCount)).toEqual([
      `${on} restart is "on-failure" with maxRetryCount unset; set maxRetryCount above 0 (e.g. 5)`,
    ]);
  });
  test("unless-stopped is accepted", async () => {
    expect(
      await messagesFor(dockerRestartPolicy, (props) => {
        props.restart = "unless-stopped";
        delete props.maxRetryCount;
      }),
    ).toEqual([]);
  });
});

describe("docker-healthcheck", () => {
  test("no healthcheck", async () => {
    expect(await messagesFor(dockerHealthcheck, (props) => delete props.healthcheck)).toEqual([
      `${on} has no healthcheck; set healthcheck with tests, interval "30s", retries 3 and ` +
        'startPeriod of at least "40s"',
    ]);
  });
  test("NONE test, wrong interval and retries, short start period", async () => {
    expect(
      await messagesFor(dockerHealthcheck, (props) => {
        props.healthcheck = { tests: ["NONE"], interval: "10s", retries: 5, startPeriod: "10s" };
      }),
    ).toEqual([
      `${on} healthcheck.tests is NONE; set a command, e.g. ["CMD", "curl", "-f", ` +
        '"http://localhost:PORT/health"]',
      `${on} healthcheck.interval is "10s"; set it to "30s"`,
      `${on} healthcheck.retries is 5; set it to 3`,
      `${on} healthcheck.startPeriod is "10s"; set it to at least "40s"`,
    ]);
  });
  test("empty tests and unset timing", async () => {
    expect(
      await messagesFor(dockerHealthcheck, (props) => (props.healthcheck = { tests: [] })),
    ).toEqual([
      `${on} healthcheck.tests is empty; set a command, e.g. ["CMD", "curl", "-f", ` +
        '"http://localhost:PORT/health"]',
      `${on} healthcheck.interval is unset; set it to "30s"`,
      `${on} healthcheck.retries is unset; set it to 3`,
      `${on} healthcheck.startPeriod is unset; set it to at least "40s"`,
    ]);
  });
  test("equivalent durations pass; config changes the outcome", async () => {
    const longer = (props: any) => {
      props.healthcheck.interval = "30000ms";
      props.healthcheck.startPeriod = "1m";
    };
    expect(await messagesFor(dockerHealthcheck, longer)).toEqual([]);
    expect(
      await messagesFor(dockerHealthcheck, longer, {
        "docker-healthcheck": { interval: "15s", retries: 5, minStartPeriod: "2m" },
      }),
    ).toEqual([
      `${on} healthcheck.interval is "30000ms"; set it to "15s"`,
      `${on} healthcheck.retries is 3; set it to 5`,
      `${on} healthcheck.startPeriod is "1m"; set it to at least "2m"`,
    ]);
  });
});

describe("docker-host-namespaces", () => {
  test("each host namespace mode", async () => {
    expect(
      await messagesFor(dockerHostNamespaces, (props) => {
        props.networkMode = "host";
        props.pidMode = "host";
        props.ipcMode = "host";
        props.usernsMode = "host";
        props.cgroupnsMode = "host";
      }),
    ).toEqual([
      `${on} networkMode is "host", sharing the host's network namespace; remove it`,
      `${on} pidMode is "host", sharing the host's PID namespace; remove it`,
      `${on} ipcMode is "host", sharing the host's IPC namespace; remove it`,
      `${on} usernsMode is "host", sharing the host's user namespace; remove it`,
      `${on} cgroupnsMode is "host", sharing the host's cgroup namespace; remove it`,
    ]);
  });
  test("private and container modes pass", async () => {
    expect(
      await messagesFor(dockerHostNamespaces, (props) => {
        props.networkMode = "bridge";
        props.pidMode = "container:backend";
        props.ipcMode = "private";
      }),
    ).toEqual([]);
  });
});

describe("docker-no-runtime-socket", () => {
  test("the socket as a volume, its folder as a bind mount", async () => {
    expect(
      await messagesFor(dockerNoRuntimeSocket, (props) => {
        props.volumes.push({
          hostPath: "/var/run/docker.sock",
          containerPath: "/var/run/docker.sock",
        });
        props.mounts.push({ type: "bind", source: "/run/containerd", target: "/host/containerd" });
      }),
    ).toEqual([
      `${on} volume of host path /var/run/docker.sock at /var/run/docker.sock exposes the ` +
        "runtime socket /var/run/docker.sock; remove it (socket access is root on the host)",
      `${on} mount of host path /run/containerd at /host/containerd exposes the runtime socket ` +
        "/run/containerd/containerd.sock; remove it (socket access is root on the host)",
    ]);
  });
  test("config: the socket list changes the outcome", async () => {
    const podman = (props: any) =>
      props.volumes.push({ hostPath: "/run/user/1001/podman/podman.sock", containerPath: "/s" });
    expect(await messagesFor(dockerNoRuntimeSocket, podman)).toEqual([]);
    expect(
      await messagesFor(dockerNoRuntimeSocket, podman, {
        "docker-no-runtime-socket": { runtimeSockets: ["/run/user/1001/podman/podman.sock"] },
      }),
    ).toEqual([
      `${on} volume of host path /run/user/1001/podman/podman.sock at /s exposes the runtime ` +
        "socket /run/user/1001/podman/podman.sock; remove it (socket access is root on the host)",
    ]);
  });
});

describe("docker-privileged-ports", () => {
  test("a host port below 1024 on all interfaces, and publishAllPorts", async () => {
    expect(
      await messagesFor(dockerPrivilegedPorts, (props) => {
        props.ports = [
          { internal: 8080, external: 80 },
          { internal: 9090, ip: "10.0.0.5" },
        ];
        props.publishAllPorts = true;
      }),
    ).toEqual([
      `${on} publishAllPorts is true, publishing every exposed port on all interfaces; list ` +
        "ports explicitly instead",
      `${on} port 8080 is published on host port 80; publish it on 1024 or above`,
      `${on} port 8080 is published on 0.0.0.0 (all interfaces); set ip to one of 127.0.0.1`,
      `${on} port 9090 is published on 10.0.0.5; set ip to one of 127.0.0.1`,
    ]);
  });
  test("config: allowed bind addresses and the minimum port change the outcome", async () => {
    const lan = (props: any) => (props.ports = [{ internal: 443, external: 443, ip: "10.0.0.5" }]);
    expect(await messagesFor(dockerPrivilegedPorts, lan)).toEqual([
      `${on} port 443 is published on host port 443; publish it on 1024 or above`,
      `${on} port 443 is published on 10.0.0.5; set ip to one of 127.0.0.1`,
    ]);
    expect(
      await messagesFor(dockerPrivilegedPorts, lan, {
        "docker-privileged-ports": { allowedBindAddresses: ["10.0.0.5"], minimumHostPort: 1 },
      }),
    ).toEqual([]);
  });
});

describe("docker-image-pinned", () => {
  test("a container image without a tag, and a RemoteImage on latest", async () => {
    const props = clone(compliantContainer());
    props.image = "ghcr.io/toolboxai/backend";
    expect(
      await dockerMessagesOf(dockerImagePinned, [
        container(props),
        remoteImage(compliantRemoteImage("nginx:latest"), "nginx"),
      ]),
    ).toEqual([
      `${on} image "ghcr.io/toolboxai/backend" has no tag, so Docker pulls latest; pin a ` +
        "version tag or a digest",
      'RemoteImage nginx:latest: image "nginx:latest" uses the latest tag; pin a version tag ' +
        "or a digest",
    ]);
  });
  test("config: requireDigest changes the outcome; image IDs count as digests", async () => {
    const byId = clone(compliantContainer());
    byId.image = `sha256:${"c".repeat(64)}`;
    expect(
      await dockerMessagesOf(
        dockerImagePinned,
        [container(byId), remoteImage(compliantRemoteImage())],
        { "docker-image-pinned": { requireDigest: true } },
      ),
    ).toEqual([
      'RemoteImage postgres:16.10-alpine: image "postgres:16.10-alpine" is not pinned by ' +
        "digest; append @sha256:<digest>",
    ]);
  });
});

describe("docker-internal-networks", () => {
  test("a database network that is not internal", async () => {
    expect(
      await dockerMessagesOf(dockerInternalNetworks, [
        network({ name: "toolboxai-database", driver: "bridge" }),
        network({ name: "toolboxai-mcp", internal: false }),
      ]),
    ).toEqual([
      'Network toolboxai-database: network "toolboxai-database" must be internal (its name ' +
        'ends in "database"); set internal: true',
      'Network toolboxai-mcp: network "toolboxai-mcp" must be internal (its name ends in ' +
        '"mcp"); set internal: true',
    ]);
  });
  test("config: the list of internal networks changes the outcome", async () => {
    const monitoring = network({ name: "toolboxai-monitoring" });
    expect(await dockerMessagesOf(dockerInternalNetworks, [monitoring])).toEqual([]);
    expect(
      await dockerMessagesOf(dockerInternalNetworks, [monitoring], {
        "docker-internal-networks": { internalNetworks: ["monitoring"] },
      }),
    ).toEqual([
      'Network toolboxai-monitoring: network "toolboxai-monitoring" must be internal (its name ' +
        'ends in "monitoring"); set internal: true',
    ]);
  });
});

describe("docker-no-secret-env", () => {
  test("a secret-named literal, a key-like value, and a *_FILE outside /run/secrets", async () => {
    const messages = await messagesFor(dockerNoSecretEnv, (props) =>
      props.envs.push(
        "POSTGRES_PASSWORD=hunter2hunter2",
        `SLACK_WEBHOOK_AUTH=${fakeSecrets.slackToken}`,
        "JWT_SECRET_FILE=/srv/jwt",
        "HOME",
      ),
    );
    expect(messages).toEqual([
      `${on} env POSTGRES_PASSWORD has a literal value; remove it, mount the secret as a file ` +
        "under /run/secrets/ and set POSTGRES_PASSWORD_FILE to its path",
      `${on} env SLACK_WEBHOOK_AUTH holds what looks like a Slack token ("xoxb…"); move it ` +
        "into a secret mounted under /run/secrets/ and set SLACK_WEBHOOK_AUTH_FILE to its path",
      `${on} env JWT_SECRET_FILE points at /srv/jwt, outside /run/secrets/; mount the secret ` +
        "under /run/secrets/ and point JWT_SECRET_FILE at that file",
    ]);
    expect(messages.join("")).not.toContain("hunt");
  });
  test("config: the entropy threshold changes the outcome", async () => {
    const salt = (props: any) => props.envs.push(`SESSION_SALT=${fakeSecrets.highEntropy}`);
    expect(await messagesFor(dockerNoSecretEnv, salt)).toEqual([
      `${on} env SESSION_SALT holds what looks like a high-entropy string ("Xk9f…"); move it ` +
        "into a secret mounted under /run/secrets/ and set SESSION_SALT_FILE to its path",
    ]);
    expect(
      await messagesFor(dockerNoSecretEnv, salt, {
        "docker-no-secret-env": { entropyThreshold: 4.8 },
      }),
    ).toEqual([]);
  });
});
