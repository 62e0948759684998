// NetworkPolicies, flow by flow, on the node (kube-router enforces them): the stack's
// `networkFlows` output (components/model/flows.ts, the zone table applied to every workload)
// against what the node lets through. Probe pods, one per zone of the installation, one of the
// ingress controller's namespace and one of another installation, try every Service port; and
// every running workload, through an ephemeral container in its own pod (its own labels, so its
// own policy), resolves a name and tries an address outside the cluster.
import { zones } from "../../components/model/zones";
import { zoneLabel } from "../../components/kubernetes/labels";
import { isReady } from "../../tools/e2e/cluster-checks";
import { watchOutput, type ControlPlane } from "../../tools/e2e/control-plane";
import {
  connectResults,
  connectScript,
  expectedMatrix,
  ingressControllerProbe,
  outsideAddress,
  outsideAllowed,
  outsidePorts,
  strangerProbe,
  targetName,
  verdictLine,
  zoneProbe,
  parseFlowTable,
  type EgressFlow,
  type FlowProbe,
  type FlowTarget,
  type NetworkFlows,
} from "../../tools/e2e/flow-matrix";
import type { FlowTable } from "../../components/model/flows";
import { validatedStackConfig } from "../../tools/engine/stack-config";
import { waitFor } from "../../tools/e2e/http";
import { podAddress, serviceAddress, servicesOf } from "../../tools/e2e/services";
import type { DeployedStack } from "./cluster-stack";
import { namespacesOf } from "./cluster-stack";

/** The node's busybox image (scripts/kube-node.sh): `nc`, `nslookup` and `sh`. */
const probeImage = "localhost/busybox:1";
const probeLabel = "e2e.toolboxai.io/flow-probe";
const instanceLabel = "app.kubernetes.io/instance";

/** Pod Security "restricted" as a probe container needs it; busybox's `probe` user (10001). */
const restrictedContainer = {
  runAsNonRoot: true,
  runAsUser: 10001,
  runAsGroup: 10001,
  allowPrivilegeEscalation: false,
  capabilities: { drop: ["ALL"] },
  seccompProfile: { type: "RuntimeDefault" },
};

interface Placed {
  readonly probe: FlowProbe;
  readonly namespace: string;
  readonly pod: string;
  readonly labels: Readonly<Record<string, string>>;
}

interface PodState {
  metadata: { name: string; namespace: string; deletionTimestamp?: string };
  status?: {
    phase?: string;
    conditions?: { type: string; status: string }[];
    ephemeralContainerStatuses?: { name: string; state?: { terminated?: { exitCode: number } } }[];
  };
}

async function flowsOf(deployed: DeployedStack): Promise<NetworkFlows> {
  const outputs = await deployed.stack().outputs();
  const table = outputs.networkFlows?.value as FlowTable | undefined;
  if (!table) throw new Error(`${deployed.name} has no networkFlows output`);
  return parseFlowTable(table);
}

/** The workloads of the stack that keep pods running (Deployments, StatefulSets), but host-network ones. */
function runningWorkloads(deployed: DeployedStack) {
  return deployed.declared
    .filter(({ manifest }) => manifest.kind === "Deployment" || manifest.kind === "StatefulSet")
    .filter(({ manifest }) => !manifest.spec?.template?.spec.hostNetwork)
    .map(({ manifest }) => ({
      namespace: manifest.metadata.namespace ?? "",
      workload: manifest.metadata.name,
    }));
}

export function networkFlowChecks(deployed: DeployedStack): void {
  test("live: NetworkPolicies, flow by flow: a probe of each zone reaches each Service port exactly where the zone table allows it", async () => {
    const controlPlane = deployed.cluster.controlPlane();
    const flows = await flowsOf(deployed);
    const instance = instanceOf(controlPlane, deployed.namespace);
    const services = servicesOf(controlPlane, namespacesOf(deployed));
    const hostNetwork = flows.ingress.filter((flow) => flow.hostNetwork);
    const targets: FlowTarget[] = flows.ingress
      .filter((flow) => !flow.hostNetwork)
      .map((flow) => {
        const service = services.find(
          ({ metadata }) =>
            metadata.name === flow.workload && metadata.namespace === flow.namespace,
        );
        // A workload without a Service of its name (CloudNativePG's instances, its operator's
        // webhook): one of its pods, on every port, the Service's or not.
        return service
          ? { flow, ...serviceAddress(controlPlane, service, flow.port) }
          : { flow, ...podAddress(controlPlane, flow.namespace, flow.workload, flow.number) };
      });
    // Every Service port the stack declares is a flow of the table, under the Service's name or
    // its workload's: none is open that the table does not list. (An operator's own Services,
    // such as CloudNativePG's postgres-rw, lead to ports the table lists for their pods.)
    const listed = new Set(
      flows.ingress.map((flow) => `${flow.namespace}/${flow.workload}:${flow.port}`),
    );
    const declared = new Set(
      deployed.declared
        .filter(({ manifest }) => manifest.kind === "Service")
        .map(({ manifest }) => `${manifest.metadata.namespace}/${manifest.metadata.name}`),
    );
    expect(
      services
        .filter(({ metadata }) => declared.has(`${metadata.namespace}/${metadata.name}`))
        .flatMap(({ metadata, spec }) =>
          spec.ports
            .filter((port) => {
              const workload = spec.selector?.["app.kubernetes.io/name"];
              return (
                !listed.has(`${metadata.namespace}/${metadata.name}:${port.name}`) &&
                !listed.has(`${metadata.namespace}/${workload}:${String(port.targetPort)}`)
              );
            })
            .map((port) => `${metadata.namespace}/${metadata.name}:${port.name}`),
        ),
    ).toEqual([]);

    const { ingressControllerNamespace } = validatedStackConfig(deployed.stackFile);
    const placed = placeProbes(controlPlane, deployed.name, instance, ingressControllerNamespace);
    try {
      await waitFor(180, "the flow probes Ready", () =>
        placed.every(({ namespace, pod }) => podReady(controlPlane, namespace, pod))
          ? true
          : undefined,
      );
      const expected = expectedMatrix(
        placed.map(({ probe }) => probe),
        targets,
      );
      const observe = () =>
        placed
          .flatMap(({ probe, namespace, pod }) => {
            const tried = controlPlane.kubectl(
              ["exec", "-i", "--namespace", namespace, pod, "--", "sh"],
              connectScript(targets),
            );
            return connectResults(tried.output, targets.length).map((allowed, index) =>
              verdictLine(probe.name, targetName(targets[index]), allowed),
            );
          })
          .sort();
      // kube-router writes a new pod's address into its sets within seconds: a new probe may be
      // missing from them on the first round.
      let observed = observe();
      for (let round = 1; round < 4 && !sameLines(observed, expected); round++) {
        await new Promise((resolve) => setTimeout(resolve, 10_000));
        observed = observe();
      }
      const allowed = expected.filter((line) => line.endsWith(" allowed")).length;
      process.stderr.write(
        `        flow matrix: ${placed.length} probes × ${targets.length} Service ports, ` +
          `${allowed} allowed by the zone table` +
          (hostNetwork.length > 0
            ? `; not probed (host network, no NetworkPolicy applies): ${hostNetwork
                .map((flow) => `${flow.workload}:${flow.port}`)
                .join(", ")}`
            : "") +
          "\n",
      );
      expect(allowed).toBeGreaterThan(0);
      expect(allowed).toBeLessThan(expected.length);
      expect({
        allowedButNotInTable: observed.filter(
          (line) => !expected.includes(line) && line.endsWith(" allowed"),
        ),
        refusedButInTable: observed.filter(
          (line) => !expected.includes(line) && line.endsWith(" refused"),
        ),
      }).toEqual({ allowedButNotInTable: [], refusedButInTable: [] });
    } finally {
      removeProbes(controlPlane, deployed.name, ingressControllerNamespace);
    }
  });

  test("live: every running workload resolves names (DNS allowed) and reaches outside the cluster only where it declares it", async () => {
    const controlPlane = deployed.cluster.controlPlane();
    const flows = await flowsOf(deployed);
    const instance = instanceOf(controlPlane, deployed.namespace);
    const outside = listenOutside(controlPlane);
    try {
      await outside.listening;
      const probed: { namespace: string; workload: string; pod: string; flow: EgressFlow }[] = [];
      for (const { namespace, workload } of runningWorkloads(deployed)) {
        const pod = runningPod(controlPlane, namespace, workload, instance);
        if (!pod) throw new Error(`no Ready pod of ${namespace}/${workload}`);
        const flow = flows.egress.find(
          (candidate) => candidate.namespace === namespace && candidate.workload === workload,
        ) ?? { namespace, workload, outside: [] };
        probed.push({ namespace, workload, pod, flow });
      }
      const tries = outsidePorts.map((port) => ({ address: outsideAddress, port }));
      const script =
        'if nslookup kubernetes.default.svc.cluster.local >/dev/null 2>&1; then echo "dns ok"; ' +
        'else echo "dns no"; fi\n' +
        connectScript(tries);
      const container = `e2e-egress-${Date.now().toString(36)}`;
      for (const { namespace, workload, pod } of probed) {
        const patch = {
          spec: {
            ephemeralContainers: [
              {
                name: container,
                image: probeImage,
                imagePullPolicy: "Never",
                command: ["sh", "-c", script],
                securityContext: restrictedContainer,
              },
            ],
          },
        };
        const added = controlPlane.kubectl([
          "patch",
          "pod",
          pod,
          "--namespace",
          namespace,
          "--subresource=ephemeralcontainers",
          "--type=strategic",
          "--patch",
          JSON.stringify(patch),
        ]);
        if (added.code !== 0) throw new Error(`${workload}: ${added.output}`);
      }
      const expected: string[] = [];
      const observed: string[] = [];
      for (const { namespace, workload, pod, flow } of probed) {
        await waitFor(120, `${workload}'s ephemeral container done`, () =>
          controlPlane
            .json<PodState>(["get", "pod", pod, "--namespace", namespace])
            .status?.ephemeralContainerStatuses?.find((status) => status.name === container)?.state
            ?.terminated
            ? true
            : undefined,
        );
        const output = controlPlane.kubectl([
          "logs",
          pod,
          "--namespace",
          namespace,
          "--container",
          container,
        ]).output;
        const row = `${namespace}/${workload}`;
        expected.push(`${row} dns allowed`);
        observed.push(`${row} dns ${/^dns ok$/m.test(output) ? "allowed" : "refused"}`);
        connectResults(output, tries.length).forEach((allowed, index) => {
          const port = tries[index].port;
          expected.push(verdictLine(row, `outside:${port}`, outsideAllowed(flow, port)));
          observed.push(verdictLine(row, `outside:${port}`, allowed));
        });
      }
      process.stderr.write(
        `        egress: ${probed.length} workloads probed from their own pods; not probed: ` +
          "the backup jobs (no pod runs between their schedules), host-network pods\n",
      );
      expect(probed.length).toBeGreaterThan(0);
      // The check can tell both ways: some workload declares HTTPS beyond the cluster.
      expect(expected.some((line) => /outside:443 allowed$/.test(line))).toBe(true);
      expect(observed.sort()).toEqual(expected.sort());
    } finally {
      outside.stop();
    }
  });
}

/** The installation label of the stack's namespace. */
function instanceOf(controlPlane: ControlPlane, namespace: string): string {
  const labels =
    controlPlane.json<{ metadata: { labels?: Record<string, string> } }>([
      "get",
      "namespace",
      namespace,
    ]).metadata.labels ?? {};
  const instance = labels[instanceLabel];
  if (!instance) throw new Error(`namespace ${namespace} has no ${instanceLabel} label`);
  return instance;
}

/** The namespaces the probes live in, created by the e2e and removed after it. */
function probeNamespaces(stack: string, ingressController: string) {
  return {
    members: `${stack}-flow-probes`,
    strangers: `${stack}-flow-strangers`,
    ingressController,
  };
}

/** Creates the probe pods (and their namespaces); returns where each is. */
function placeProbes(
  controlPlane: ControlPlane,
  stack: string,
  instance: string,
  ingressController: string,
): Placed[] {
  const namespaces = probeNamespaces(stack, ingressController);
  const namespace = (name: string, labels: Record<string, string>) => ({
    apiVersion: "v1",
    kind: "Namespace",
    metadata: {
      name,
      labels: {
        ...labels,
        [probeLabel]: stack,
        "pod-security.kubernetes.io/enforce": "restricted",
      },
    },
  });
  const pod = (name: string, inNamespace: string, labels: Record<string, string>) => ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: inNamespace, labels: { ...labels, [probeLabel]: stack } },
    spec: {
      automountServiceAccountToken: false,
      terminationGracePeriodSeconds: 0,
      containers: [
        {
          name: "probe",
          image: probeImage,
          imagePullPolicy: "Never",
          command: ["sleep", "3600"],
          securityContext: { ...restrictedContainer, readOnlyRootFilesystem: true },
          resources: {
            requests: { cpu: "5m", memory: "8Mi" },
            limits: { cpu: "100m", memory: "32Mi" },
          },
        },
      ],
    },
  });
  const everyZone = Object.fromEntries(zones.map((zone) => [zoneLabel(zone), "true"]));
  const placed: Placed[] = [
    ...zones.map((zone) => ({
      probe: zoneProbe(zone),
      namespace: namespaces.members,
      pod: `zone-${zone}`,
      labels: { [zoneLabel(zone)]: "true" },
    })),
    {
      probe: ingressControllerProbe,
      namespace: namespaces.ingressController,
      pod: `${stack}-flow-probe`,
      labels: {},
    },
    { probe: strangerProbe, namespace: namespaces.strangers, pod: "every-zone", labels: everyZone },
  ];
  const ingressControllerExists =
    controlPlane.kubectl(["get", "namespace", namespaces.ingressController]).code === 0;
  const objects = [
    // Members of the installation: its label on their namespace, as on the stack's namespaces.
    namespace(namespaces.members, { [instanceLabel]: instance }),
    namespace(namespaces.strangers, {}),
    ...(ingressControllerExists ? [] : [namespace(namespaces.ingressController, {})]),
    ...placed.map((where) => pod(where.pod, where.namespace, where.labels)),
  ];
  const applied = controlPlane.kubectl(
    ["apply", "-f", "-"],
    JSON.stringify({ apiVersion: "v1", kind: "List", items: objects }),
  );
  if (applied.code !== 0) throw new Error(`the flow probes are not created:\n${applied.output}`);
  return placed;
}

/** Deletes what `placeProbes` created, and nothing else: by the probe label of this stack. */
function removeProbes(controlPlane: ControlPlane, stack: string, ingressController: string): void {
  const namespaces = probeNamespaces(stack, ingressController);
  controlPlane.kubectl([
    "delete",
    "pods",
    "--namespace",
    namespaces.ingressController,
    "-l",
    `${probeLabel}=${stack}`,
    "--grace-period=0",
    "--wait=true",
  ]);
  controlPlane.kubectl([
    "delete",
    "namespaces",
    "-l",
    `${probeLabel}=${stack}`,
    "--wait=true",
    "--timeout=120s",
  ]);
}

/** Whether the pod exists and is Ready. */
function podReady(controlPlane: ControlPlane, namespace: string, pod: string): boolean {
  const found = controlPlane.kubectl(["get", "pod", pod, "--namespace", namespace, "-o", "json"]);
  return found.code === 0 && isReady(JSON.parse(found.output) as PodState);
}

/** A Ready pod of `workload`, not being deleted; undefined when none runs (a CronJob's). */
function runningPod(
  controlPlane: ControlPlane,
  namespace: string,
  workload: string,
  instance: string,
): string | undefined {
  const pods = controlPlane.json<{ items: PodState[] }>([
    "get",
    "pods",
    "--namespace",
    namespace,
    "-l",
    `app.kubernetes.io/name=${workload},${instanceLabel}=${instance}`,
  ]).items;
  return pods.find(
    (pod) => pod.status?.phase === "Running" && !pod.metadata.deletionTimestamp && isReady(pod),
  )?.metadata.name;
}

/**
 * A listener at `outsideAddress` inside the node's network namespace (on its loopback: an address
 * of no cluster range, which only that namespace has), on each of `outsidePorts`.
 */
function listenOutside(controlPlane: ControlPlane) {
  const added = controlPlane.inNode(["ip", "addr", "add", `${outsideAddress}/32`, "dev", "lo"]);
  if (added.code !== 0) throw new Error(`no outside address in the node: ${added.output}`);
  const server =
    `const net = require("node:net"); let open = 0;` +
    `for (const port of ${JSON.stringify(outsidePorts)}) net.createServer((socket) => socket.end())` +
    `.listen(port, "${outsideAddress}", () => { if (++open === ${outsidePorts.length}) console.log("listening"); });`;
  const listener = controlPlane.spawnInNode([process.execPath, "-e", server]);
  const { ready: listening } = watchOutput(listener, "listening", "the outside listener");
  return {
    listening,
    stop() {
      if (listener.pid && listener.exitCode === null) process.kill(-listener.pid, "SIGTERM");
      controlPlane.inNode(["ip", "addr", "del", `${outsideAddress}/32`, "dev", "lo"]);
    },
  };
}

function sameLines(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((line, index) => line === b[index]);
}
