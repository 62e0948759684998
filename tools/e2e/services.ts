// Where a stack's Service answers on the node: its cluster IP and port, or, for a headless
// Service (a StatefulSet's), a ready pod's address and container port. Both exist only inside the
// node's network namespace, where the e2e's clients run.
import type { ControlPlane } from "./control-plane";

export interface Service {
  metadata: { name: string; namespace: string };
  spec: {
    clusterIP: string;
    ports: { name?: string; port: number; targetPort?: string | number }[];
    selector?: Record<string, string>;
  };
}

interface EndpointSlice {
  endpoints?: { addresses: string[]; conditions?: { ready?: boolean } }[];
  ports?: { name?: string; port?: number }[];
}

/** The Services of `namespaces`. */
export function servicesOf(controlPlane: ControlPlane, namespaces: readonly string[]): Service[] {
  return namespaces.flatMap(
    (namespace) =>
      controlPlane.json<{ items: Service[] }>(["get", "services", "--namespace", namespace]).items,
  );
}

/**
 * Where `service` answers on its port named `portName` (its first port when none is named):
 * `{ address, port }`. Throws when it has no such port, or, headless, no ready endpoint.
 */
export function serviceAddress(
  controlPlane: ControlPlane,
  service: Service,
  portName?: string,
): { address: string; port: number } {
  const { name, namespace } = service.metadata;
  const port = portName
    ? service.spec.ports.find((candidate) => candidate.name === portName)
    : service.spec.ports[0];
  if (!port) throw new Error(`Service ${namespace}/${name} has no port ${portName ?? ""}`);
  if (service.spec.clusterIP !== "None")
    return { address: service.spec.clusterIP, port: port.port };
  const slices = controlPlane.json<{ items: EndpointSlice[] }>([
    "get",
    "endpointslices",
    "--namespace",
    namespace,
    "-l",
    `kubernetes.io/service-name=${name}`,
  ]).items;
  for (const slice of slices) {
    const ready = (slice.endpoints ?? []).find((endpoint) => endpoint.conditions?.ready !== false);
    const target = (slice.ports ?? []).find((candidate) => candidate.name === port.name);
    if (ready && target?.port) return { address: ready.addresses[0], port: target.port };
  }
  throw new Error(`headless Service ${namespace}/${name} has no ready endpoint on ${port.name}`);
}

/**
 * `http://<address>:<port>` of the Service `name` in one of `namespaces`, on its port numbered
 * `port` (its first port by default). Throws when there is no such Service or port.
 */
export function serviceUrl(
  controlPlane: ControlPlane,
  namespaces: readonly string[],
  name: string,
  port?: number,
): string {
  const found = servicesOf(controlPlane, namespaces).find(
    (candidate) => candidate.metadata.name === name,
  );
  if (!found) throw new Error(`no Service ${name} in ${namespaces.join(", ")}`);
  const portName =
    port === undefined ? undefined : found.spec.ports.find((c) => c.port === port)?.name;
  if (port !== undefined && !portName) throw new Error(`Service ${name} has no port ${port}`);
  const answers = serviceAddress(controlPlane, found, portName);
  return `http://${answers.address}:${answers.port}`;
}

/**
 * Where a workload with no Service of its name answers on `port` (the pods an operator makes, or
 * an operator's webhook behind a Service of the operator's naming): a ready pod of it, by its
 * `app.kubernetes.io/name` label. Throws when it has none.
 */
export function podAddress(
  controlPlane: ControlPlane,
  namespace: string,
  workload: string,
  port: number,
): { address: string; port: number } {
  const pods = controlPlane.json<{
    items: { status?: { podIP?: string; conditions?: { type: string; status: string }[] } }[];
  }>(["get", "pods", "--namespace", namespace, "-l", `app.kubernetes.io/name=${workload}`]).items;
  const ready = pods.find((pod) =>
    pod.status?.conditions?.some(({ type, status }) => type === "Ready" && status === "True"),
  );
  if (!ready?.status?.podIP) throw new Error(`no ready pod of ${namespace}/${workload}`);
  return { address: ready.status.podIP, port };
}
