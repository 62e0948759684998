// A namespace for one environment: Pod Security Admission "restricted" enforced, audited and
// warned, and the two network policies every namespace starts with: deny everything, then allow
// DNS. Workloads add their own allow rules (./network).
import * as k8s from "./api";
import * as pulumi from "@pulumi/pulumi";
import { partOf, recommendedLabels } from "./labels";
import { allowDnsSpec, defaultDenySpec } from "./network";

export interface PlatformNamespaceArgs {
  /** The namespace's name. */
  readonly name: string;
  /** app.kubernetes.io/instance of the environment. */
  readonly instance: string;
  /**
   * Pulumi `protect` on the Namespace: deleting it deletes every PersistentVolumeClaim in it,
   * whatever the StatefulSets' retention policy says. Default false.
   */
  readonly protect?: boolean;
  /**
   * The Pod Security Admission level enforced; default "restricted". "privileged" only for a
   * namespace of node agents (node-exporter), declared as a policy exemption; it still audits
   * and warns at "restricted", so what it runs stays visible.
   */
  readonly podSecurity?: "restricted" | "privileged";
}

/** Pod Security Admission labels: `enforce` at the level, audit and warn at "restricted". */
export function podSecurityLabels(
  level: "restricted" | "privileged" = "restricted",
): Record<string, string> {
  return Object.fromEntries(
    ["enforce", "audit", "warn"].flatMap((mode) => [
      [`pod-security.kubernetes.io/${mode}`, mode === "enforce" ? level : "restricted"],
      [`pod-security.kubernetes.io/${mode}-version`, "latest"],
    ]),
  );
}

export class PlatformNamespace extends pulumi.ComponentResource {
  readonly name: string;

  constructor(name: string, args: PlatformNamespaceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("toolboxai:kubernetes:Namespace", name, {}, opts);
    const child = { parent: this };
    const labels = {
      "app.kubernetes.io/part-of": partOf,
      "app.kubernetes.io/instance": args.instance,
      "app.kubernetes.io/managed-by": "pulumi",
    };
    const namespace = new k8s.core.v1.Namespace(
      name,
      {
        metadata: {
          name: args.name,
          labels: { ...labels, ...podSecurityLabels(args.podSecurity) },
        },
      },
      { ...child, protect: args.protect ?? false },
    );
    // Policies wait for the namespace: they are created in it.
    const inNamespace = { parent: this, dependsOn: [namespace] };
    const baseline = { "default-deny": defaultDenySpec(), "allow-dns": allowDnsSpec() };
    for (const [policy, spec] of Object.entries(baseline)) {
      new k8s.networking.v1.NetworkPolicy(
        `${name}-${policy}`,
        {
          metadata: {
            name: policy,
            namespace: args.name,
            labels: recommendedLabels(policy, "network-policy", args),
          },
          spec,
        },
        inNamespace,
      );
    }
    this.name = args.name;
    this.registerOutputs({ name: this.name });
  }
}
