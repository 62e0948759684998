// `npm run bench` compares the preview with a floor: the SDK alone registering the resources the
// preview registered. The floor must register exactly those, parents first.
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { main } from "../tools/bench/floor";
import { withScratchDir } from "../tools/scratch";

test("the floor registers every recorded resource with its parent", async () => {
  const stackUrn = "urn:pulumi:production::toolboxai::pulumi:pulumi:Stack::toolboxai-production";
  const componentUrn = `${stackUrn}$toolboxai:data:Postgres::postgres`;
  const recorded = [
    {
      urn: stackUrn,
      type: "pulumi:pulumi:Stack",
      name: "toolboxai-production",
      custom: false,
      parent: null,
      inputs: {},
    },
    {
      urn: componentUrn,
      type: "toolboxai:data:Postgres",
      name: "postgres",
      custom: false,
      parent: stackUrn,
      inputs: {},
    },
    {
      urn: "urn:x:1",
      type: "kubernetes:core/v1:Service",
      name: "postgres",
      custom: true,
      parent: componentUrn,
      inputs: { kind: "Service" },
    },
    {
      urn: "urn:x:2",
      type: "kubernetes:apps/v1:StatefulSet",
      name: "postgres",
      custom: true,
      parent: componentUrn,
      inputs: { kind: "StatefulSet" },
    },
  ];
  const printed: string[] = [];
  const log = jest.spyOn(console, "log").mockImplementation((line: string) => printed.push(line));
  try {
    await withScratchDir("toolboxai-floor-", async (dir) => {
      const file = path.join(dir, "resources.json");
      writeFileSync(file, JSON.stringify(recorded));
      expect(await main([file])).toBe(0);
    });
  } finally {
    log.mockRestore();
  }
  expect(printed).toEqual(["registered 4 resources"]);
  await expect(main([])).rejects.toThrow("usage: bench-floor <resources.json of a render>");
});
