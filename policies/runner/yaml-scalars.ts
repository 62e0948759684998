// Plain YAML scalars resolved as Kubernetes resolves them. kubectl and the API server decode YAML
// with sigs.k8s.io/yaml, whose decoder is a fork of go-yaml v2 (resolve.go): YAML 1.1 booleans
// (`yes`, `on`, `Y`, …), octals written `0777` or `0o777`, `_` between digits, and no sexagesimal
// numbers or timestamps (both stay strings). The `yaml` library's 1.1 schema differs on the last
// three, so this follows go-yaml v2 itself; tests/cluster/decode-differential.test.ts holds it to
// kubectl.

/** What a scalar means: its YAML type and its JSON value. */
export type Resolved =
  | { readonly tag: "null"; readonly value: null }
  | { readonly tag: "bool"; readonly value: boolean }
  | { readonly tag: "int" | "float"; readonly value: number }
  | { readonly tag: "str"; readonly value: string };

const words = (values: string, value: boolean) =>
  values.split(" ").map((word) => [word, value] as const);
const booleans = new Map<string, boolean>([
  ...words("y Y yes Yes YES true True TRUE on On ON", true),
  ...words("n N no No NO false False FALSE off Off OFF", false),
]);
const nulls = new Set(["", "~", "null", "Null", "NULL"]);
const infinities = new Map([
  ...[".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"].map((word) => [word, Infinity] as const),
  ...["-.inf", "-.Inf", "-.INF"].map((word) => [word, -Infinity] as const),
  ...[".nan", ".NaN", ".NAN"].map((word) => [word, NaN] as const),
]);

/** Go's strconv.ParseInt(s, 0, 64) syntax: 0x, 0o and 0b prefixes, and a leading 0 for octal. */
const goInteger = /^[-+]?(?:0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/;
/** go-yaml v2's yamlStyleFloat, tried after the integer forms. */
const goFloat = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;
/** What Go's ParseFloat accepts from a scalar starting with ".". */
const dotFloat = /^\.[0-9]+(?:[eE][-+]?[0-9]+)?$/;

const int64Min = -(2n ** 63n);
const int64Max = 2n ** 63n - 1n;
const uint64Max = 2n ** 64n - 1n;

/** An integer in Go's syntax, if ParseInt or ParseUint (no sign) would take it. */
function goIntegerValue(plain: string): number | undefined {
  if (!goInteger.test(plain)) return undefined;
  const sign = /^[-+]/.test(plain) ? plain[0] : "";
  const digits = plain.slice(sign.length);
  const magnitude = BigInt(/^0[0-7]+$/.test(digits) ? `0o${digits.slice(1)}` : digits);
  const value = sign === "-" ? -magnitude : magnitude;
  const fits = (value >= int64Min && value <= int64Max) || (sign === "" && value <= uint64Max);
  return fits ? Number(value) : undefined;
}

/** A number as go-yaml v2 reads one that starts with a digit or a sign, if it is one. */
function numberOf(text: string): Resolved | undefined {
  // go-yaml drops every "_" before trying the number forms.
  const plain = text.replaceAll("_", "");
  const integer = goIntegerValue(plain);
  if (integer !== undefined) return { tag: "int", value: integer };
  if (goFloat.test(plain)) {
    const value = Number(plain);
    // Go's ParseFloat fails on overflow, and go-yaml then keeps the text as a string.
    if (Number.isFinite(value)) return { tag: "float", value };
  }
  return undefined;
}

/**
 * The value of a plain (unquoted, untagged) scalar, or of a tagged one's text, as go-yaml v2
 * resolves it. `.inf` and `.nan` resolve to non-finite floats, which the caller must refuse:
 * JSON cannot hold them, so kubectl fails on them.
 */
export function resolveScalar(text: string): Resolved {
  if (nulls.has(text)) return { tag: "null", value: null };
  const boolean = booleans.get(text);
  if (boolean !== undefined) return { tag: "bool", value: boolean };
  const special = infinities.get(text);
  if (special !== undefined) return { tag: "float", value: special };
  if (dotFloat.test(text)) {
    const value = Number(text);
    if (Number.isFinite(value)) return { tag: "float", value };
  }
  if (/^[-+0-9]/.test(text)) {
    const number = numberOf(text);
    if (number) return number;
  }
  return { tag: "str", value: text };
}
