// A stand-in for the cloud load balancer, which the e2e's node has not got. On a cloud cluster the
// ingress controller writes its load balancer's address into each Ingress's status, and the
// kubernetes provider's `pulumi up` waits for that address. Here the stand-in writes the node's
// address instead, every two seconds while it runs, into each Ingress that has none. Nothing is
// served at that address: traffic checks go to the gateway's Service.
import type { ControlPlane } from "./control-plane";

/** The node's address (scripts/kube-node.sh NODE_IP). */
export const nodeAddress = "10.99.0.1";

interface IngressList {
  items: {
    metadata: { name: string; namespace: string };
    status?: { loadBalancer?: { ingress?: unknown[] } };
  }[];
}

/** Starts the stand-in; `stop` ends it and returns the Ingresses it gave an address. */
export function standInLoadBalancer(controlPlane: ControlPlane): { stop(): string[] } {
  const addressed = new Set<string>();
  const status = JSON.stringify({
    status: { loadBalancer: { ingress: [{ ip: nodeAddress }] } },
  });
  const tick = () => {
    const listed = controlPlane.kubectl(["get", "ingresses", "--all-namespaces", "-o", "json"]);
    if (listed.code !== 0) return;
    for (const { metadata, status: current } of (JSON.parse(listed.output) as IngressList).items) {
      if ((current?.loadBalancer?.ingress ?? []).length > 0) continue;
      const patched = controlPlane.kubectl([
        "patch",
        "ingress",
        metadata.name,
        "--namespace",
        metadata.namespace,
        "--subresource=status",
        "--type=merge",
        "-p",
        status,
      ]);
      if (patched.code === 0) addressed.add(`${metadata.namespace}/${metadata.name}`);
    }
  };
  const timer = setInterval(tick, 2000);
  return {
    stop() {
      clearInterval(timer);
      return [...addressed];
    },
  };
}
