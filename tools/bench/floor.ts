// The floor for `npm run bench`: what the Pulumi SDK alone needs, in a fresh process, to register
// the resources a preview registered (read from its resources.json: the same types, names,
// parents and inputs) under mocks, with no program, config or component code around it.
// `node scripts/tool.mjs bench-floor <resources.json>`; prints how many it registered.
import { readFileSync } from "node:fs";
import * as pulumi from "@pulumi/pulumi";

interface RecordedResource {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  readonly custom: boolean;
  readonly parent: string | null;
  readonly inputs: pulumi.Inputs;
}

/** A resource of any type and no provider: the mocks answer for it as for the program's. */
class FloorResource extends pulumi.CustomResource {
  constructor(
    type: string,
    name: string,
    props: pulumi.Inputs,
    opts: pulumi.CustomResourceOptions,
  ) {
    super(type, name, props, opts);
  }
}

export async function main(argv: readonly string[]): Promise<number> {
  if (argv.length !== 1) throw new Error("usage: bench-floor <resources.json of a render>");
  const recorded = JSON.parse(readFileSync(argv[0], "utf8")) as RecordedResource[];
  const stack = recorded.find((resource) => resource.type === "pulumi:pulumi:Stack");
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs }),
      call: (args) => args.inputs,
    },
    "floor",
    "bench",
    false,
  );
  let registered = 0;
  await pulumi.runtime.runInPulumiStack(async () => {
    // Registration order is the recording's, so every parent exists before its children.
    const byUrn = new Map<string, pulumi.Resource>();
    for (const resource of recorded) {
      if (resource === stack) continue; // runInPulumiStack registers the Stack itself
      const parent = resource.parent ? byUrn.get(resource.parent) : undefined;
      byUrn.set(
        resource.urn,
        resource.custom
          ? new FloorResource(resource.type, resource.name, resource.inputs, { parent })
          : new pulumi.ComponentResource(resource.type, resource.name, {}, { parent }),
      );
    }
    registered = byUrn.size + 1;
    return {};
  });
  await pulumi.runtime.disconnect();
  console.log(`registered ${registered} resources`);
  return 0;
}
