// The running stack on the node, checked through its Services from inside the node's network
// namespace (the pods' and Services' addresses exist only there): the gateway serves the
// application, Prometheus scrapes every declared target, alerts reach the sink through
// Alertmanager, Alloy ships the pods' logs to Loki, and a trace reaches Jaeger.
import { curlIn, waitFor, type Answer, type NamespaceRunner } from "../../tools/e2e/http";
import {
  lokiLines,
  routedAlertName,
  sendRoutedAlert,
  traceAcross,
} from "../../tools/e2e/monitoring-probes";
import { serviceUrl } from "../../tools/e2e/services";
import { dashboards } from "../../components/monitoring/grafana/dashboards";
import { validatedStackConfig } from "../../tools/engine/stack-config";
import type { DeployedStack } from "./cluster-stack";
import { namespacesOf } from "./cluster-stack";

/**
 * Jobs of the generated Prometheus configuration whose target does not run on the node, and why.
 * Each is reported; every other target must be up.
 */
const notOnTheNode: Readonly<Record<string, string>> = {
  "cert-manager": "no cert-manager runs on the e2e's node (certificates are not issued here)",
};

export function liveChecks(deployed: DeployedStack): void {
  const controlPlane = () => deployed.cluster.controlPlane();
  const run: NamespaceRunner = (...command) => controlPlane().inNode(command);
  const fetch = (url: string, ...options: string[]): Answer => curlIn(run, url, ...options);
  /** `http://<address>:<port>` of the stack's Service `name` (its first port by default). */
  const service = (name: string, port?: number): string =>
    serviceUrl(controlPlane(), namespacesOf(deployed), name, port);

  test("live: the gateway's Service answers, /api reaches the backend, which reaches PostgreSQL and Redis", () => {
    const gateway = service("gateway");
    const dashboard = fetch(`${gateway}/`);
    expect(dashboard.status).toBe(200);
    expect(dashboard.body).toContain("contract test standing in for the dashboard");
    const api = fetch(`${gateway}/api/status`);
    expect(api.status).toBe(200);
    expect(JSON.parse(api.body)).toMatchObject({
      service: "backend",
      database_reachable: true,
      redis_reachable: true,
    });
  });

  test("live: Prometheus scrapes every declared target, each one up (cAdvisor, kube-state-metrics and node-exporter among them)", async () => {
    const prometheus = service("prometheus", 9090);
    type Target = { labels: { job: string }; health: string; lastError: string };
    const active = () => {
      const answer = fetch(`${prometheus}/api/v1/targets?state=active`);
      return answer.status === 200 ? (JSON.parse(answer.body).data.activeTargets as Target[]) : [];
    };
    const down = (targets: Target[]) =>
      targets.filter((target) => target.health !== "up" && !(target.labels.job in notOnTheNode));
    const targets = await waitFor(180, "every target scraped and up", () => {
      const now = active();
      return now.length > 0 && down(now).length === 0 ? now : undefined;
    }).catch((error) => {
      const left = down(active()).map(
        (target) => `${target.labels.job}: ${target.health} ${target.lastError}`,
      );
      throw new Error(`${error.message}:\n${left.join("\n")}`);
    });
    const jobs = new Set(targets.map((target) => target.labels.job));
    for (const [job, reason] of Object.entries(notOnTheNode)) {
      if (jobs.has(job)) process.stderr.write(`        not checked: ${job}: ${reason}\n`);
    }
    expect(
      ["kubelet-cadvisor", "kube-state-metrics", "node-exporter", "backend", "postgres", "redis"]
        .filter((job) => ![...jobs].some((name) => name.startsWith(job)))
        .map((job) => `no ${job} target`),
    ).toEqual([]);
  });

  // The database dashboard's replication lag, as Grafana would ask Prometheus for it.
  const { database, environment } = validatedStackConfig(deployed.stackFile);
  if (database.engine === "cloudnative-pg") {
    test("live: the database dashboard's Replication lag panel shows a series for every instance", async () => {
      const board = dashboards({
        environment,
        appJobs: ["backend"],
        platform: "kubernetes",
        databaseEngine: database.engine,
      }).find((each) => each.uid === "toolboxai-database");
      const panel = board?.panels.find((each) => each.title === "Replication lag");
      expect(panel?.targets.length).toBe(1);
      const target = panel!.targets[0];
      if (!("expr" in target)) throw new Error("the Replication lag panel has no PromQL target");
      const expr = target.expr.replaceAll("$namespace", deployed.namespace);
      expect(expr).not.toContain("$");
      const prometheus = service("prometheus", 9090);
      type Sample = { metric: { pod?: string }; value: [number, string] };
      const series = await waitFor(180, `a series per instance for ${expr}`, () => {
        const answer = fetch(`${prometheus}/api/v1/query`, "--data-urlencode", `query=${expr}`);
        if (answer.status !== 200) return undefined;
        const result = JSON.parse(answer.body).data.result as Sample[];
        return result.length === database.instances ? result : undefined;
      });
      expect(series.map((sample) => sample.metric.pod).sort()).toEqual(
        Array.from({ length: database.instances }, (_, index) => `postgres-${index + 1}`),
      );
      for (const sample of series) expect(Number(sample.value[1])).toBeGreaterThanOrEqual(0);
    });
  }

  test("live: Alloy ships the backend's pod logs to Loki; a trace through the gateway reaches Jaeger", async () => {
    const chain = fetch(`${service("gateway")}/api/chain`);
    expect(chain.status).toBe(200);
    const traceId: string = JSON.parse(chain.body).trace_id;
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    const jaeger = service("jaeger", 16686);
    await traceAcross(fetch, jaeger, traceId, ["backend", "agent-coordinator"], 90);
    const query = `{namespace="${deployed.namespace}", app="backend"}`;
    const lines = await lokiLines(fetch, service("loki", 3100), query, 120);
    // The backend's own JSON lines, whatever its log level lets through (production: warnings).
    expect(lines.join("\n")).toContain('"service":"backend"');
  });

  test("live: Watchdog reaches Alertmanager; a routed alert reaches the alert sink", async () => {
    const posted = await sendRoutedAlert(fetch, service("alertmanager", 9093));
    expect(posted.status).toBe(200);
    const sink = namespacesOf(deployed).find(
      (namespace) =>
        controlPlane().kubectl(["get", "deployment", "alert-sink", "--namespace", namespace])
          .code === 0,
    );
    if (!sink) throw new Error("no alert-sink Deployment in the stack's namespaces");
    const line = await waitFor(120, "the alert in the sink's log", () =>
      controlPlane()
        .kubectl(["logs", "deployment/alert-sink", "--namespace", sink])
        .output.split("\n")
        .find((entry) => entry.includes(routedAlertName)),
    );
    expect(JSON.parse(line)).toHaveProperty("receiver");
  });
}

interface Budget {
  metadata: { name: string; namespace: string };
  spec: { selector: { matchLabels: Record<string, string> } };
  status?: { disruptionsAllowed?: number; currentHealthy?: number; expectedPods?: number };
}

/**
 * The PodDisruptionBudgets hold: on a workload with more pods than its budget lets go at once,
 * as many evictions as the budget allows pass, the next is refused by the API server, and the
 * workload is whole again afterwards.
 */
export function disruptionBudgetChecks(deployed: DeployedStack): void {
  test("live: an eviction that would break a PodDisruptionBudget is refused by the API", async () => {
    const controlPlane = deployed.cluster.controlPlane();
    const { namespace } = deployed;
    const declared = deployed.declared.filter(
      (object) => object.manifest.kind === "PodDisruptionBudget",
    );
    if (declared.length === 0) {
      // Dev runs one replica of everything and declares no budget: nothing to hold.
      expect(deployed.declared.length).toBeGreaterThan(0);
      expect(
        controlPlane.json<{ items: Budget[] }>(["get", "poddisruptionbudgets", "-A"]).items,
      ).toEqual([]);
      process.stderr.write(`        ${deployed.name} declares no PodDisruptionBudget\n`);
      return;
    }
    const budgets = () =>
      controlPlane.json<{ items: Budget[] }>(["get", "poddisruptionbudgets", "-n", namespace])
        .items;
    // Every budget settled (its pods all healthy), then the one with the most pods.
    const budget = await waitFor(120, "the disruption budgets settled", () => {
      const all = budgets();
      const settled = all.every(
        (candidate) =>
          (candidate.status?.currentHealthy ?? 0) >= (candidate.status?.expectedPods ?? 1),
      );
      const chosen = all
        .filter(
          (candidate) =>
            (candidate.status?.expectedPods ?? 0) > (candidate.status?.disruptionsAllowed ?? 0),
        )
        .sort((a, b) => (b.status?.expectedPods ?? 0) - (a.status?.expectedPods ?? 0))[0];
      return settled && chosen ? chosen : undefined;
    });
    const allowed = budget.status?.disruptionsAllowed ?? 0;
    const selector = Object.entries(budget.spec.selector.matchLabels)
      .map(([key, value]) => `${key}=${value}`)
      .join(",");
    const pods = controlPlane
      .json<{ items: { metadata: { name: string } }[] }>([
        "get",
        "pods",
        "-n",
        namespace,
        "-l",
        selector,
      ])
      .items.map((pod) => pod.metadata.name);
    expect(pods.length).toBeGreaterThan(allowed);
    const evict = (pod: string) =>
      controlPlane.kubectl(
        ["create", "--raw", `/api/v1/namespaces/${namespace}/pods/${pod}/eviction`, "-f", "-"],
        JSON.stringify({
          apiVersion: "policy/v1",
          kind: "Eviction",
          metadata: { name: pod, namespace },
        }),
      );
    const results = pods.slice(0, allowed + 1).map((pod) => ({ pod, ...evict(pod) }));
    process.stderr.write(
      `        PodDisruptionBudget ${budget.metadata.name}: ${pods.length} pods, ${allowed} ` +
        `disruption(s) allowed\n`,
    );
    expect(results.slice(0, allowed).filter((result) => result.code !== 0)).toEqual([]);
    const refused = results[allowed];
    expect(refused.code).not.toBe(0);
    expect(refused.output).toMatch(/disruption budget/);
    await waitFor(180, `the pods of ${budget.metadata.name} healthy again`, () => {
      const now = budgets().find((candidate) => candidate.metadata.name === budget.metadata.name);
      return (now?.status?.currentHealthy ?? 0) >= (now?.status?.expectedPods ?? 1)
        ? true
        : undefined;
    });
  });
}
