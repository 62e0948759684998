// Pulumi's kubernetes provider waits for Deployments, StatefulSets, DaemonSets, Services,
// Ingresses and PersistentVolumeClaims to be ready before it reports them created. A control plane
// without kubelets or storage (the cluster phase of `npm run e2e`) can never satisfy that wait,
// so the stack key `skipAwait` asks the provider, by its documented annotation, not to wait. Off
// by default: real environments keep the waits (a claim whose StorageClass binds on first use
// counts as ready while Pending).

export interface AwaitContext {
  /** Annotate the awaited kinds with `pulumi.com/skipAwait: "true"`; default false. */
  readonly skipAwait?: boolean;
}

/** The annotations of a resource whose readiness Pulumi would await. */
export function awaitAnnotations(context: AwaitContext): Record<string, string> {
  return context.skipAwait ? { "pulumi.com/skipAwait": "true" } : {};
}

/** Metadata fields to spread into an awaited resource's metadata (nothing by default). */
export function awaitMetadata(context: AwaitContext): { annotations?: Record<string, string> } {
  return context.skipAwait ? { annotations: awaitAnnotations(context) } : {};
}
