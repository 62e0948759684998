// The manifest reader decodes YAML as kubectl does (tests/policies/hostile-encodings/; kubectl
// itself is compared in tests/cluster/decode-differential.test.ts), and names the file and
// document when it refuses something.
import * as path from "node:path";
import { checkedKubernetesTypes } from "../../policies/lib/kubernetes";
import { maxAliasedNodes, maxNestingDepth } from "../../policies/runner/kubernetes-yaml";
import { readManifests } from "../../policies/runner/manifests";
import { resolveScalar } from "../../policies/runner/yaml-scalars";
import { tempFolder } from "../support/temp";
import { hostileEncodings } from "./hostile-encodings";

function read(file: string, text: string) {
  const dir = tempFolder("toolboxai-decoding-", { [file]: text });
  const target = path.join(dir, file);
  return { target, read: () => readManifests(target, checkedKubernetesTypes) };
}

describe.each(hostileEncodings.filter((encoding) => encoding.objects))("$name", (encoding) => {
  test("is read as kubectl reads it", () => {
    const { read: run } = read(encoding.file, encoding.text);
    expect(run().resources.map((resource) => resource.props)).toEqual(encoding.objects);
  });
});

describe.each(hostileEncodings.filter((encoding) => encoding.refused))("$name", (encoding) => {
  test("is refused, naming the file, the document and the place", () => {
    const { target, read: run } = read(encoding.file, encoding.text);
    expect(run).toThrow(`${target}: `);
    expect(run).toThrow(encoding.refused!.message);
  });
});

test("go-yaml v2's scalar forms, where the yaml library's YAML 1.1 schema differs", () => {
  expect(["0o17", "1:20", "2001-12-14", "0777", "1_000", "08"].map(resolveScalar)).toEqual([
    { tag: "int", value: 15 },
    { tag: "str", value: "1:20" },
    { tag: "str", value: "2001-12-14" },
    { tag: "int", value: 511 },
    { tag: "int", value: 1000 },
    { tag: "float", value: 8 },
  ]);
});

test("100,000 nested JSON arrays are refused with the file's name, not a stack overflow", () => {
  const { target, read: run } = read("deep.json", `${"[".repeat(100_000)}${"]".repeat(100_000)}`);
  expect(run).toThrow(
    `${target}: document 0: nested deeper than ${maxNestingDepth} levels; no Kubernetes object ` +
      "needs that",
  );
});

test("YAML nested deeper than the limit is refused, naming the place", () => {
  const depth = maxNestingDepth + 5;
  const text = `apiVersion: v1\nkind: ConfigMap\ndata: ${"[".repeat(depth)}${"]".repeat(depth)}\n`;
  const { target, read: run } = read("deep.yaml", text);
  expect(run).toThrow(
    new RegExp(
      `^${target}: document 0: data(\\[0\\])+: nested deeper than ${maxNestingDepth} levels`,
    ),
  );
});

test("an alias bomb is refused with the file's name", () => {
  const levels = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
  for (let level = 1; level < 9; level += 1) {
    const previous = String.fromCharCode(96 + level);
    const name = String.fromCharCode(97 + level);
    levels.push(`${name}: &${name} [${Array(10).fill(`*${previous}`).join(", ")}]`);
  }
  const text = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\ndata:\n  ${levels.join("\n  ")}\n`;
  const { target, read: run } = read("bomb.yaml", text);
  expect(run).toThrow(
    new RegExp(
      `^${target}: document 0: data\\.\\w(\\[\\d\\])+: aliases expand to more than ${maxAliasedNodes} nodes`,
    ),
  );
});

test("invalid YAML names the file and document", () => {
  const { target, read: run } = read(
    "bad.yaml",
    "apiVersion: v1\nkind: Pod\n---\nkind: [unclosed\n",
  );
  expect(run).toThrow(new RegExp(`^${target}: document 1: invalid YAML: `));
});
