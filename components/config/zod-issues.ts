// Zod issues translated into ConfigProblems: the full key, the value as shown, suggestions for
// unknown keys and a quoting hint for values YAML read as numbers or booleans.
import { closest, distance } from "fastest-levenshtein";
import { z } from "zod";
import { fullKey, show, type ConfigProblem } from "./problems";
import { secretKeys, stackConfigSchema } from "./schema";

/** Whether the schema wanted text where the issue arose (a string, or a union of strings). */
function wantsText(issue: z.core.$ZodIssue): boolean {
  if (issue.code === "invalid_type") return issue.expected === "string";
  if (issue.code === "invalid_union") {
    return issue.errors.every((branch) =>
      branch.some(
        (inner) =>
          wantsText(inner) ||
          (inner.code === "invalid_value" &&
            inner.values.every((allowed) => typeof allowed === "string")),
      ),
    );
  }
  return false;
}

/**
 * YAML reads an unquoted `1.4` as a number and `true` as a boolean; a field that holds text
 * (an image tag, a StorageClass) then says so, and how to quote it.
 */
function quoteItMessage(path: readonly string[], value: number | boolean): string {
  const field = path[path.length - 1];
  const kind = typeof value === "number" ? "a number" : "a boolean";
  const zeros =
    typeof value === "number" && !Number.isInteger(value)
      ? " (quote what you meant: unquoted, YAML drops trailing zeros, so 1.10 reads as 1.1)"
      : "";
  return `was read as ${kind}, but must be text; quote it: ${field}: "${String(value)}"${zeros}`;
}

export function describeIssue(
  issue: z.core.$ZodIssue,
  raw: Record<string, unknown>,
): ConfigProblem[] {
  const path = issue.path.map(String);
  if (issue.code === "unrecognized_keys") {
    const known = knownKeysAt(stackConfigSchema, path);
    return issue.keys.map((unknownKey) => ({
      key: fullKey([...path, unknownKey]),
      message: suggest(unknownKey, known),
    }));
  }
  const value = valueAt(raw, path);
  if (value === undefined) {
    return [{ key: fullKey(path), message: `is required; ${issue.message}` }];
  }
  const isSecret = (secretKeys as readonly string[]).includes(path[0] ?? "");
  const readAsScalar =
    (typeof value === "number" || typeof value === "boolean") && wantsText(issue);
  return [
    {
      key: fullKey(path),
      shownValue: isSecret ? "[secret]" : show(value),
      message: readAsScalar ? quoteItMessage(path, value) : issue.message,
    },
  ];
}

function suggest(unknownKey: string, known: readonly string[]): string {
  if (known.length === 0) return "unknown key";
  const nearest = closest(unknownKey, [...known]);
  if (distance(unknownKey.toLowerCase(), nearest.toLowerCase()) <= 3) {
    return `unknown key; did you mean "${nearest}"?`;
  }
  return `unknown key; known keys here: ${[...known].sort().join(", ")}`;
}

/** The object keys the schema accepts at `path`, seen through defaults and optionals. */
function knownKeysAt(schema: z.ZodType, path: readonly string[]): string[] {
  let current: unknown = schema;
  for (let index = 0; ; index++) {
    while (current instanceof z.ZodDefault || current instanceof z.ZodOptional) {
      current = current.unwrap();
    }
    if (!(current instanceof z.ZodObject)) return [];
    if (index === path.length) return Object.keys(current.shape);
    current = (current.shape as Record<string, unknown>)[path[index]];
  }
}

function valueAt(root: unknown, path: readonly string[]): unknown {
  let current = root;
  for (const segment of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}
