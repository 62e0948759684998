// docs/CONFIGURATION.md is what tools/config-docs.ts renders from the schema: every key is in it,
// described, and readable without scrolling sideways.
import { readFileSync } from "node:fs";
import { z } from "zod";
import {
  booleanKeys,
  integerKeys,
  objectKeys,
  secretKeys,
  serviceNames,
  serviceSchema,
  stackConfigSchema,
} from "../components/config/schema";
import { anchorOf } from "../tools/markdown-anchor";
import {
  configReferenceFile,
  lineWidth,
  renderConfigReference,
  undescribedFields,
} from "../tools/config-docs";

/** Rendered once, in the first test that needs it: an undescribed field throws, naming it. */
let rendered: string | undefined;
const referenceText = () => (rendered ??= renderConfigReference());
/** The bullet that documents a key: `- **\`key\`** (type, …`, at any depth. */
const bulletOf = (key: string) =>
  referenceText()
    .split("\n")
    .find((line) => line.trimStart().startsWith(`- **\`${key}\`** (`));

test("docs/CONFIGURATION.md is the reference the schema renders (run `npm run docs` after a change)", () => {
  expect(readFileSync(configReferenceFile, "utf8")).toBe(referenceText());
});

test("every key and field of the schema has a description", () => {
  expect(undescribedFields(stackConfigSchema)).toEqual([]);
});

test("a field without a description is named, nested ones and union variants included", () => {
  const schema = z.object({
    described: z.string().meta({ description: "Has one." }),
    bare: z.object({ inner: z.number().meta({ description: "Has one." }), alsoBare: z.boolean() }),
    choice: z
      .discriminatedUnion("kind", [
        z.object({ kind: z.literal("a") }).meta({ description: "Has one." }),
        z.object({ kind: z.literal("b"), size: z.string() }),
      ])
      .meta({ description: "Has one." }),
  });
  expect(undescribedFields(schema)).toEqual([
    "bare",
    "bare.alsoBare",
    "choice(kind: b)",
    "choice(kind: b).size",
  ]);
});

test("every top-level key has its bullet, with its type", () => {
  const keys = Object.keys(stackConfigSchema.shape);
  expect(keys.filter((key) => bulletOf(key) === undefined)).toEqual([]);
  const typed = (key: string, type: string) => bulletOf(key)?.includes(`(${type}, `);
  expect([...integerKeys].filter((key) => !typed(key, "integer"))).toEqual([]);
  expect([...booleanKeys].filter((key) => !typed(key, "boolean"))).toEqual([]);
  expect([...objectKeys].filter((key) => !typed(key, "object"))).toEqual([]);
  expect(secretKeys.filter((key) => !typed(key, "secret"))).toEqual([]);
  expect(bulletOf("namespace")).toContain("(string, required; DNS label)");
  expect(bulletOf("quotaHeadroomPercent")).toContain("(integer, default `25`; 0 to 200)");
});

test("every object key has its section, and every service and service field is listed", () => {
  const reference = referenceText();
  const headings = reference.split("\n").filter((line) => line.startsWith("## "));
  expect([...objectKeys].filter((key) => !headings.includes(`## \`${key}\``))).toEqual([]);
  const services = reference.slice(reference.indexOf("## `services`"));
  expect(serviceNames.filter((name) => !services.includes(`\`${name}\``))).toEqual([]);
  const defaults = reference.slice(reference.indexOf("## Service defaults"));
  expect(serviceNames.filter((name) => !defaults.includes(`\n| ${name} `))).toEqual([]);
  const fields = Object.keys(serviceSchema.shape);
  expect(fields.filter((field) => !services.includes(`- **\`${field}\`** (`))).toEqual([]);
});

test("the contents link every section, and every link lands on a heading", () => {
  const reference = referenceText();
  const headings = reference
    .split("\n")
    .filter((line) => line.startsWith("## "))
    .map((line) => anchorOf(line.slice(3)));
  const links = [...reference.matchAll(/\]\(#([^)]+)\)/g)].map((match) => match[1]);
  expect(headings.filter((anchor) => !links.includes(anchor))).toEqual([]);
  expect(links.filter((anchor) => !headings.includes(anchor))).toEqual([]);
  expect(headings).toEqual(expect.arrayContaining(["secrets", "services", "service-defaults"]));
});

test(`no line is over ${lineWidth} characters`, () => {
  const wide = referenceText()
    .split("\n")
    .map((line, index) => ({ line, number: index + 1 }))
    .filter(({ line }) => [...line].length > lineWidth)
    .map(({ line, number }) => `line ${number}: ${[...line].length} characters`);
  expect(wide).toEqual([]);
});
