// The spellings a generated manifest is written in: block, flow or JSON; bare, in a List, a typed
// list or after a decoy; the booleans and integers YAML 1.1 reads; merge keys. A YAML emitter of
// its own, so that it can spell scalars and merges as chosen, and the fast-check arbitrary of them.
import fc from "fast-check";

/* eslint-disable @typescript-eslint/no-explicit-any -- manifests are untyped JSON */

/** Written as `<<: {key: value}`: the emitter puts it after the mapping's own keys. */
export const mergeKey = "\u0000merge";

const trueWords = ["true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON", "y", "Y"];
const falseWords = ["false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF", "n", "N"];
const integerForms: Record<string, (value: number) => string> = {
  decimal: (value) => `${value}`,
  hex: (value) => `0x${value.toString(16)}`,
  octal: (value) => `0${value.toString(8)}`,
  "0o": (value) => `0o${value.toString(8)}`,
  // go-yaml drops "_"; a lone digit gets a leading 0 (octal, or 8 and 9 read as floats).
  underscore: (value) =>
    value < 10 ? `0_${value}` : `${String(value)[0]}_${String(value).slice(1)}`,
};

export interface Spelling {
  readonly style: "block" | "flow" | "json";
  readonly wrapper: "none" | "List" | "typed list" | "after a decoy";
  readonly trueWord: string;
  readonly falseWord: string;
  readonly integerForm: string;
  /** The insecure field written with a merge key (YAML only), else as a plain key. */
  readonly viaMerge: boolean;
}

/** A YAML emitter written for this test, so that it can spell scalars and merges as chosen. */
function scalar(value: unknown, encoding: Spelling): string {
  if (value === true) return encoding.trueWord;
  if (value === false) return encoding.falseWord;
  if (typeof value === "number" && Number.isInteger(value) && value >= 0) {
    return integerForms[encoding.integerForm](value);
  }
  return JSON.stringify(value);
}

const keyOf = (key: string) => (key === mergeKey ? "<<" : JSON.stringify(key));
const isCollection = (value: unknown) => value !== null && typeof value === "object";

function flow(value: unknown, encoding: Spelling): string {
  if (Array.isArray(value)) return `[${value.map((item) => flow(item, encoding)).join(", ")}]`;
  if (isCollection(value)) {
    const entries = Object.entries(value as object);
    return `{${entries.map(([key, item]) => `${keyOf(key)}: ${flow(item, encoding)}`).join(", ")}}`;
  }
  return scalar(value, encoding);
}

function block(value: unknown, indent: string, encoding: Spelling): string[] {
  const nested = (item: unknown) => isCollection(item) && Object.keys(item as object).length > 0;
  if (Array.isArray(value)) {
    return value.flatMap((item) => {
      if (!nested(item)) return [`${indent}- ${flow(item, encoding)}`];
      const lines = block(item, `${indent}  `, encoding);
      return [`${indent}- ${lines[0].trimStart()}`, ...lines.slice(1)];
    });
  }
  return Object.entries(value as object).flatMap(([key, item]) =>
    nested(item)
      ? [`${indent}${keyOf(key)}:`, ...block(item, `${indent}  `, encoding)]
      : [`${indent}${keyOf(key)}: ${flow(item, encoding)}`],
  );
}

export function wrapped(object: any, wrapper: Spelling["wrapper"]): any[] {
  const decoy = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "decoy", namespace: "toolboxai" },
    data: { a: "b" },
  };
  if (wrapper === "List") return [{ apiVersion: "v1", kind: "List", items: [object] }];
  if (wrapper === "typed list") {
    const { apiVersion, kind, ...item } = object;
    return [{ apiVersion, kind: `${kind}List`, items: [item] }];
  }
  return wrapper === "after a decoy" ? [decoy, object] : [object];
}

/** The file's name and text for `documents` in `encoding`. */
export function encode(documents: any[], encoding: Spelling): { file: string; text: string } {
  if (encoding.style === "json") {
    const only =
      documents.length === 1 ? documents[0] : { apiVersion: "v1", kind: "List", items: documents };
    return { file: "workload.json", text: JSON.stringify(only) };
  }
  const text = documents
    .map((document) =>
      // After a comment: kubectl reads a file that starts with "{" as JSON, not YAML.
      encoding.style === "flow"
        ? `# flow style\n${flow(document, encoding)}\n`
        : `${block(document, "", encoding).join("\n")}\n`,
    )
    .join("---\n");
  return { file: "workload.yaml", text };
}

export const encodings: fc.Arbitrary<Spelling> = fc.record({
  style: fc.constantFrom("block" as const, "flow" as const, "json" as const),
  wrapper: fc.constantFrom(
    "none" as const,
    "List" as const,
    "typed list" as const,
    "after a decoy" as const,
  ),
  trueWord: fc.constantFrom(...trueWords),
  falseWord: fc.constantFrom(...falseWords),
  integerForm: fc.constantFrom(...Object.keys(integerForms)),
  viaMerge: fc.boolean(),
});

/** A case as fast-check prints a counterexample: what it is, then the text exactly as written. */
export function printable<T extends { file: string; text: string }>(label: string, value: T): T {
  return Object.assign(value, {
    [fc.toStringMethod]: () => `${label} in ${value.file}:\n${value.text}`,
  });
}
