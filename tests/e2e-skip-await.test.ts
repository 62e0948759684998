// The e2e cluster phase's program entry (tools/e2e/skip-await-program.js): its one resource
// transform puts the provider's skipAwait annotation on the kinds the provider awaits, beside the
// annotations they have, and on nothing else. The real program is not loaded here.
import * as pulumi from "@pulumi/pulumi";

type Transform = (args: {
  type: string;
  props: Record<string, unknown>;
  opts: object;
}) => { props: Record<string, unknown> } | undefined;

jest.mock("../program.js", () => ({}));

let transform: Transform;
beforeAll(() => {
  const register = jest
    .spyOn(pulumi.runtime, "registerResourceTransform")
    .mockImplementation(() => undefined);
  jest.requireActual("../tools/e2e/skip-await-program.js");
  expect(register).toHaveBeenCalledTimes(1);
  transform = register.mock.calls[0][0] as unknown as Transform;
});

const metadataOf = (type: string, metadata: unknown) =>
  transform({ type, props: { metadata, spec: {} }, opts: {} })?.props.metadata;

test("an awaited kind gets skipAwait beside its own annotations", () => {
  const metadata = { name: "web", annotations: { "cert-manager.io/cluster-issuer": "staging" } };
  expect(metadataOf("kubernetes:networking.k8s.io/v1:Ingress", metadata)).toEqual({
    name: "web",
    annotations: { "cert-manager.io/cluster-issuer": "staging", "pulumi.com/skipAwait": "true" },
  });
  expect(metadataOf("kubernetes:apps/v1:Deployment", { name: "backend" })).toEqual({
    name: "backend",
    annotations: { "pulumi.com/skipAwait": "true" },
  });
});

test("metadata given as an Output is annotated once it resolves", async () => {
  const annotated = metadataOf("kubernetes:core/v1:Service", pulumi.output({ name: "db" }));
  const resolved = await new Promise((resolve) =>
    pulumi.output(annotated as pulumi.Input<object>).apply(resolve),
  );
  expect(resolved).toEqual({ name: "db", annotations: { "pulumi.com/skipAwait": "true" } });
});

test("other kinds are left alone", () => {
  expect(metadataOf("kubernetes:core/v1:Namespace", { name: "toolboxai" })).toBeUndefined();
  expect(metadataOf("kubernetes:batch/v1:CronJob", { name: "backup" })).toBeUndefined();
});
