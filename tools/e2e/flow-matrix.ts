// The e2e's flow matrix: what the stack's `networkFlows` output (components/model/flows.ts) says
// each probe may reach, the busybox script that tries every connection from inside a pod, and its
// answers read back. Pure: tests/e2e/cluster-flows.ts runs the probes on the node.
import {
  hostNetworkSource,
  anyAddressSource,
  ingressControllerSource,
  operatorSource,
  peersSource,
  outsideRangeNames,
  type EgressFlow,
  type FlowTable,
  type IngressFlow,
  type NetworkFlows,
  type OutsideEgress,
  type PortAudience,
} from "../../components/model/flows";
import { zones, type Zone } from "../../components/model/zones";

export type { EgressFlow, IngressFlow, NetworkFlows };

/** The `networkFlows` stack output read back (its format: components/model/flows.ts flowTable). */
export function parseFlowTable(table: FlowTable): NetworkFlows {
  const fail = (key: string, value: string): never => {
    throw new Error(`networkFlows: cannot read ${key}: ${JSON.stringify(value)}`);
  };
  const ingress = Object.entries(table.ingress).map(([key, value]): IngressFlow => {
    const where = /^([^/]+)\/([^:]+):(.+)$/.exec(key) ?? fail(key, value);
    const [, number, sources] = /^(\d+) ← (.+)$/.exec(value) ?? fail(key, value);
    const flow = {
      namespace: where[1],
      workload: where[2],
      port: where[3],
      number: Number(number),
    };
    if (sources === hostNetworkSource) {
      return { ...flow, from: { zones: [], ingressController: false }, hostNetwork: true };
    }
    const named = sources === "nobody" ? [] : sources.split(", ");
    const operator = named
      .map((name) => /^the operator in ([a-z0-9-]+)$/.exec(name)?.[1])
      .find((namespace) => namespace !== undefined);
    const unknown = named.filter(
      (name) =>
        name !== ingressControllerSource &&
        name !== peersSource &&
        name !== anyAddressSource &&
        (operator === undefined || name !== operatorSource(operator)) &&
        !zones.includes(name as Zone),
    );
    if (unknown.length > 0) fail(key, value);
    return {
      ...flow,
      from: {
        zones: named.filter((name) => zones.includes(name as Zone)) as Zone[],
        ingressController: named.includes(ingressControllerSource),
        ...(named.includes(peersSource) ? { peers: true as const } : {}),
        ...(operator ? { operatorNamespace: operator } : {}),
        ...(named.includes(anyAddressSource) ? { anyAddress: true as const } : {}),
      },
    };
  });
  const ranges = Object.entries(outsideRangeNames) as [OutsideEgress["to"], string][];
  const egress = Object.entries(table.egress).map(([key, value]): EgressFlow => {
    const where = /^([^/]+)\/(.+)$/.exec(key) ?? fail(key, value);
    const outside = value.split("; ").map((part): OutsideEgress => {
      const [, ports, range, why] = /^([\d, ]+) to (.+?) \((.*)\)$/.exec(part) ?? fail(key, value);
      const to = ranges.find(([, name]) => name === range)?.[0] ?? fail(key, value);
      return { to, ports: ports.split(", ").map(Number), why };
    });
    return { namespace: where[1], workload: where[2], outside };
  });
  return { ingress, egress };
}

/** A pod the e2e places to connect from, and which audiences admit it. */
export interface FlowProbe {
  /** Its row in the matrix, e.g. "zone backend". */
  readonly name: string;
  readonly admittedBy: (audience: PortAudience) => boolean;
}

/** A member of `zone` of the installation. */
export const zoneProbe = (zone: Zone): FlowProbe => ({
  name: `zone ${zone}`,
  admittedBy: (audience) => audience.zones.includes(zone) || audience.anyAddress === true,
});

/** A pod of the ingress controller's namespace. */
export const ingressControllerProbe: FlowProbe = {
  name: "ingress controller",
  admittedBy: (audience) => audience.ingressController || audience.anyAddress === true,
};

/** A pod of every zone, but in a namespace of no installation (another environment's): none. */
export const strangerProbe: FlowProbe = {
  name: "every zone, another installation",
  admittedBy: (audience) => audience.anyAddress === true,
};

/** An address to try: one port of a flow, at its Service's address. */
export interface FlowTarget {
  readonly flow: IngressFlow;
  readonly address: string;
  readonly port: number;
}

export const targetName = ({ flow }: FlowTarget) =>
  `${flow.namespace}/${flow.workload}:${flow.port}`;

/** One line of the matrix: "<probe> → <namespace>/<workload>:<port> allowed|refused". */
export const verdictLine = (probe: string, target: string, allowed: boolean) =>
  `${probe} → ${target} ${allowed ? "allowed" : "refused"}`;

/** The matrix the flow table predicts: every probe against every target, sorted. */
export function expectedMatrix(probes: readonly FlowProbe[], targets: readonly FlowTarget[]) {
  return probes
    .flatMap((probe) =>
      targets.map((target) =>
        verdictLine(probe.name, targetName(target), probe.admittedBy(target.flow.from)),
      ),
    )
    .sort();
}

/** Seconds a connection may take before it counts as refused (a dropped SYN never answers). */
export const connectTimeoutSeconds = 2;

/**
 * A script for busybox `sh` that tries every `address port` at once and prints `ok N` or `no N`
 * for the Nth: `nc -e true` exits 0 once connected and 1 when refused or timed out.
 */
export function connectScript(addresses: readonly { address: string; port: number }[]): string {
  const tries = addresses.map(({ address, port }, index) => {
    if (!/^[0-9a-f.:]+$/i.test(address) || !Number.isInteger(port)) {
      throw new Error(`not an address and port to try: ${address} ${port}`);
    }
    return (
      `(if nc -w ${connectTimeoutSeconds} ${address} ${port} -e true >/dev/null 2>&1; ` +
      `then echo "ok ${index}"; else echo "no ${index}"; fi) &`
    );
  });
  return [...tries, "wait", ""].join("\n");
}

/**
 * The answers of `connectScript` over `count` addresses: whether each connected. Throws when one
 * is missing (the script did not run to its end): an unanswered try is no verdict.
 */
export function connectResults(output: string, count: number): boolean[] {
  const answers = new Map<number, boolean>();
  for (const match of output.matchAll(/^(ok|no) (\d+)$/gm)) {
    answers.set(Number(match[2]), match[1] === "ok");
  }
  const missing = Array.from({ length: count }, (_, index) => index).filter(
    (index) => !answers.has(index),
  );
  if (missing.length > 0) {
    throw new Error(`no answer for tries ${missing.join(", ")} in:\n${output}`);
  }
  return Array.from({ length: count }, (_, index) => answers.get(index)!);
}

/** An address outside every range a cluster uses: TEST-NET-2 (RFC 5737), public in form. */
export const outsideAddress = "198.51.100.7";

/** The ports the e2e listens on at `outsideAddress`: HTTPS, and one nobody declares. */
export const outsidePorts = [443, 80] as const;

/** Whether `flow` may connect to `port` of a public address (`outsideAddress`). */
export function outsideAllowed(flow: EgressFlow, port: number): boolean {
  return flow.outside.some(
    (outside) =>
      (outside.to === "public" || outside.to === "any-but-link-local") &&
      outside.ports.includes(port),
  );
}
