// Resources in URN order: the SDK registers them in an order that varies from run to run, and
// whatever is written or judged from a run must not.

/** A copy of `resources`, sorted by URN. */
export function byUrn<T extends { readonly urn: string }>(resources: readonly T[]): T[] {
  return [...resources].sort((a, b) => (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0));
}
