// Where a stack delivered by Argo CD renders its workloads: the deploy branch's checkout, which a
// second Kubernetes provider writes into instead of applying (the platform creates it; the delivery
// and `npm run delivery` find what it rendered by its name).
import type { DeliverySettings } from "../config/schema";

export type ArgoCdSettings = Extract<DeliverySettings, { mode: "argocd" }>;

/** The Pulumi name of the provider that renders into the deploy branch's checkout. */
export const syncedProviderName = "argocd-manifests";

/** Where CI checks the deploy branch out, relative to the project (deliver-stack.yml). */
export const deployCheckout = "deploy-branch";

/** The stack's folder in the deploy branch: what its Application syncs. */
export function deployedPath(settings: ArgoCdSettings, stack: string): string {
  return settings.path ? `${settings.path}/${stack}` : stack;
}

/**
 * Where `pulumi up` renders the stack's workloads: its folder in the deploy branch's checkout,
 * relative to the project (the provider resolves it there), so that the provider's settings, and
 * so every rendered object, stay the same in any clone: an absolute path would change with the
 * clone's folder and replace every object.
 */
export function deployedManifestsDir(settings: ArgoCdSettings, stack: string): string {
  return `${deployCheckout}/${deployedPath(settings, stack)}`;
}
