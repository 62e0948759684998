// The program as the e2e's cluster phase runs it (the scratch copy's `main` loads this file,
// tests/e2e/local-cluster.ts): the real program, with the provider's documented
// `pulumi.com/skipAwait: "true"` on every resource whose readiness the kubernetes provider would
// await. The local control plane has no kubelet and no storage, so those waits could never finish;
// real clusters keep them, and the product never sets the annotation itself.
const pulumi = require("@pulumi/pulumi");

/** The kinds the provider awaits (Jobs too, but the program makes none: CronJobs are not awaited). */
const awaitedTypes = new Set([
  "kubernetes:apps/v1:DaemonSet",
  "kubernetes:apps/v1:Deployment",
  "kubernetes:apps/v1:StatefulSet",
  "kubernetes:core/v1:PersistentVolumeClaim",
  "kubernetes:core/v1:Service",
  "kubernetes:networking.k8s.io/v1:Ingress",
]);

const skipAwait = { "pulumi.com/skipAwait": "true" };

/** A value the transform may spread: neither an Output nor a promise. */
const isPlain = (value) =>
  typeof value === "object" &&
  value !== null &&
  !pulumi.Output.isInstance(value) &&
  typeof value.then !== "function";

/** `annotations` plus skipAwait, kept a plain object when it is one (no unknowns in a preview). */
const withSkipAwait = (annotations = {}) =>
  isPlain(annotations)
    ? { ...annotations, ...skipAwait }
    : pulumi.output(annotations).apply((known) => ({ ...known, ...skipAwait }));

pulumi.runtime.registerResourceTransform(({ type, props, opts }) => {
  if (!awaitedTypes.has(type)) return undefined;
  const { metadata = {} } = props;
  const annotated = isPlain(metadata)
    ? { ...metadata, annotations: withSkipAwait(metadata.annotations) }
    : pulumi.output(metadata).apply((known) => ({
        ...known,
        annotations: withSkipAwait(known.annotations),
      }));
  return { props: { ...props, metadata: annotated }, opts };
});

module.exports = require("../../program.js");
