// Redis's failover on the node, for a stack in Sentinel mode (production): under a steady load of
// sign-ins through the gateway (the reference service keeps each session in Redis), the primary's
// pod is deleted and kept from coming back (the node cordoned, as when it is lost); the Sentinels
// promote a replica, sign-ins are served again within 30 s through the same clients (they ask the
// Sentinels for the new primary), and the old primary's pod, once the node takes pods again,
// comes back as a replica of the new one.
import { sentinelMaster, sentinelPort } from "../../components/data/redis";
import { eventually } from "../../tools/e2e/control-plane";
import { deletePrimaryUnderLoad, failoverBudgetMs } from "../../tools/e2e/failover";
import { writeE2eFigures } from "../../tools/e2e/start-up";
import type { DeployedStack } from "./cluster-stack";

/** Sign-ins a second through the gateway: enough to see the gap, light for two cores. */
const signInRate = 5;

export function redisFailoverChecks(deployed: DeployedStack, servers: number): void {
  const controlPlane = () => deployed.cluster.controlPlane();
  /** redis-cli in a pod's container, with the password from the pod's own file. */
  const cli = (pod: string, container: string, command: string) =>
    controlPlane().kubectl([
      "exec",
      pod,
      "--namespace",
      deployed.namespace,
      "--container",
      container,
      "--",
      "sh",
      "-c",
      `REDISCLI_AUTH="$(cat /run/secrets/redis-password)" redis-cli ${command}`,
    ]);
  const pods = Array.from({ length: servers }, (_, index) => `redis-${index}`);
  /** The primary's pod, as the Sentinel of a pod other than `avoid` names it. */
  const primary = (avoid?: string): string => {
    for (const pod of pods.filter((candidate) => candidate !== avoid)) {
      const answer = cli(
        pod,
        "sentinel",
        `-p ${sentinelPort} SENTINEL get-master-addr-by-name ${sentinelMaster}`,
      );
      const host = answer.output.trim().split("\n")[0];
      if (answer.code === 0 && /^redis-\d+\.redis$/.test(host)) return host.split(".")[0];
    }
    return "";
  };
  /** Each server's role: one master, the rest slaves streaming from it. */
  const roles = () =>
    pods.map((pod) => {
      const info = cli(pod, "redis", "INFO replication").output;
      const role = /^role:(\w+)/m.exec(info)?.[1] ?? "unknown";
      const link = /^master_link_status:(\w+)/m.exec(info)?.[1];
      return `${pod} ${role}${link ? ` (link ${link})` : ""}`;
    });
  const healthy = (expectedPrimary: string) => () => {
    const now = roles();
    const wanted = pods.map((pod) =>
      pod === expectedPrimary ? `${pod} master` : `${pod} slave (link up)`,
    );
    return JSON.stringify(now) === JSON.stringify(wanted) ? [] : now;
  };

  test(`Redis failover: under a steady load of sign-ins, the primary's pod is deleted, its node cordoned; the Sentinels promote a replica within ${failoverBudgetMs / 1000} s, the services reconnect, the old primary rejoins as a replica`, async () => {
    const before = primary();
    expect(pods).toContain(before);
    expect(await eventually(120, healthy(before))).toEqual([]);
    const { after, report, gapMs } = await deletePrimaryUnderLoad({
      controlPlane: controlPlane(),
      namespace: deployed.namespace,
      path: "/api/auth/login",
      rate: signInRate,
      mode: "login",
      // The primary as a Sentinel of another pod names it: the deleted pod's own is gone too.
      primary: () => primary(before),
      // Recreated at once, the old primary would be back before the Sentinels' verdict.
      nodeLost: true,
    });
    expect(after).not.toBe("");

    const served = report.successesAtMs ?? [];
    process.stderr.write(
      `        Redis failover: ${before} → ${after}; sign-ins stopped for at most ` +
        `${(gapMs / 1000).toFixed(1)} s; ${served.length} of ${report.requests} served, ` +
        `${report.failures.length} failed\n`,
    );
    writeE2eFigures(`cluster-${deployed.stackFile}-redis-failover`, {
      signInGapSeconds: Math.round(gapMs / 100) / 10,
      served: served.length,
      failed: report.failures.length,
    });
    expect(served.length).toBeGreaterThan(signInRate * 20);
    expect(gapMs).toBeLessThan(failoverBudgetMs);
    // The last sign-ins were served: the services reconnected to the new primary.
    const lastFailure = Math.max(0, ...report.failures.map((failure) => failure.atMs));
    expect(served.filter((at) => at > lastFailure).length).toBeGreaterThan(signInRate * 10);
    // The old primary's pod asks the Sentinels at its start, and follows the new primary.
    expect(await eventually(180, healthy(after))).toEqual([]);
  });
}
