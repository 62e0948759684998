// The floor for `npm run bench`: what the Pulumi SDK alone needs to register a given number of
// custom and component resources under mocks, in a fresh process, with no program around it.
// `node dist/bench-floor.js --custom N --components M` (the bench passes the counts that the
// production preview registered); prints the count it registered.
import * as pulumi from "@pulumi/pulumi";

/** A resource of no provider: the mocks answer for it, as they answer for the program's. */
class FloorResource extends pulumi.CustomResource {
  constructor(name: string, props: pulumi.Inputs, opts: pulumi.CustomResourceOptions) {
    super("floor:index:Resource", name, props, opts);
  }
}

export async function main(argv: readonly string[]): Promise<number> {
  const count = (flag: string) => {
    const value = Number(argv[argv.indexOf(flag) + 1]);
    if (!argv.includes(flag) || !Number.isInteger(value) || value < 0) {
      throw new Error(`usage: bench-floor --custom N --components M (bad ${flag})`);
    }
    return value;
  };
  const customCount = count("--custom");
  const componentCount = count("--components");
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
    const components = Array.from(
      { length: componentCount },
      (_, index) => new pulumi.ComponentResource("floor:index:Component", `component-${index}`),
    );
    for (let index = 0; index < customCount; index++) {
      new FloorResource(
        `resource-${index}`,
        { metadata: { name: `resource-${index}` } },
        { parent: components.length > 0 ? components[index % components.length] : undefined },
      );
    }
    registered = customCount + componentCount;
    return {};
  });
  await pulumi.runtime.disconnect();
  console.log(`registered ${registered} resources`);
  return 0;
}
