// Secrets in configuration files (a ConfigMap's values, text or decoded binaryData): JSON is
// walked by key path; any other text is read line by line for a secret setting (`password = x`,
// `token: x`, `requirepass x`, `export DB_PASSWORD='x'`, `<password>x</password>`) or a value
// that looks like a key. A PEM private key is reported once for the whole file; the lines of a PEM
// certificate that node:crypto reads as one are public (a CA bundle), and not read for keys.
import { X509Certificate } from "node:crypto";
import {
  findSecretValue,
  isLiteralSecret,
  looksSecretName,
  privateKeyKind,
  privateKeyPattern,
  redact,
  secretAssignmentKey,
  type DetectionOptions,
} from "./secret-scan";

/** Where in a file (`line 3`, `JSON path db.pass`) a secret is, and why it is one. */
export type ConfigFinding =
  | { readonly where: string; readonly reason: "assignment"; readonly key: string }
  | {
      readonly where: string;
      readonly reason: "value";
      readonly kind: string;
      readonly preview: string;
    }
  | { readonly where: string; readonly reason: "more"; readonly limit: number }
  | { readonly where: string; readonly reason: "unread-json"; readonly limit: number };

/** Findings listed per file; a file of a million secret lines is reported, not printed whole. */
export const findingLimit = 20;

function valueFinding(where: string, text: string, options: DetectionOptions) {
  const found = findSecretValue(text, options);
  return (
    found && { where, reason: "value" as const, kind: found.kind, preview: redact(found.match) }
  );
}

/**
 * The longest text parsed as JSON: the API server's limit for a whole ConfigMap (1 MiB). Parsing
 * takes memory in proportion to nesting, so a 50 MB `[[[[…` is not parsed but reported.
 */
export const jsonLimit = 1024 * 1024;

/** The findings in a configuration file's text, at most `findingLimit` and then a "more". */
export function configFileFindings(text: string, options: DetectionOptions = {}): ConfigFinding[] {
  const looksJson = /^\s*[[{]/.test(text);
  if (looksJson && text.length > jsonLimit) {
    return [{ where: "", reason: "unread-json", limit: jsonLimit }];
  }
  const json = looksJson ? parseJson(text) : undefined;
  const findings = json === undefined ? textFindings(text, options) : jsonFindings(json, options);
  if (findings.length <= findingLimit) return findings;
  return [...findings.slice(0, findingLimit), { where: "", reason: "more", limit: findingLimit }];
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * One entry per line that sets a secret or holds one (`line 3`; no number in a one-line file),
 * read lazily and stopping one past the limit.
 */
function textFindings(text: string, options: DetectionOptions): ConfigFinding[] {
  const pem = privateKeyPattern.exec(text);
  if (pem) return [{ where: "", reason: "value", kind: privateKeyKind, preview: redact(pem[0]) }];
  const body = text.endsWith("\n") ? text.slice(0, text.endsWith("\r\n") ? -2 : -1) : text;
  const certificates = certificateRanges(body);
  const isPublic = (from: number, to: number) =>
    certificates.some((range) => from >= range.start && to <= range.end);
  const numbered = body.includes("\n");
  const findings: ConfigFinding[] = [];
  for (
    let start = 0, number = 1;
    start <= body.length && findings.length <= findingLimit;
    number++
  ) {
    const newline = body.indexOf("\n", start);
    const end = newline < 0 ? body.length : newline;
    const line = body.slice(start, end > start && body[end - 1] === "\r" ? end - 1 : end);
    const lineStart = start;
    start = end + 1;
    if (isPublic(lineStart, end)) continue;
    const where = numbered ? `line ${number}` : "";
    const key = secretAssignmentKey(line, options.nonSecretSuffixes);
    const finding =
      key === undefined
        ? valueFinding(where, line, options)
        : { where, reason: "assignment" as const, key };
    if (finding) findings.push(finding);
  }
  return findings;
}

const certificateBegin = "-----BEGIN CERTIFICATE-----";
const certificateEnd = "-----END CERTIFICATE-----";

/**
 * The offsets of the PEM certificate blocks node:crypto reads as X.509 certificates; found with
 * indexOf, in time linear in the text.
 */
function certificateRanges(text: string): { start: number; end: number }[] {
  const ranges: { start: number; end: number }[] = [];
  // Each END with the nearest BEGIN before it, in disjoint pieces of the text.
  for (let from = 0; ;) {
    const endMarker = text.indexOf(certificateEnd, from);
    if (endMarker < 0) break;
    const begin = text.slice(from, endMarker).lastIndexOf(certificateBegin);
    const end = endMarker + certificateEnd.length;
    if (begin >= 0) {
      try {
        new X509Certificate(text.slice(from + begin, end));
        ranges.push({ start: from + begin, end });
      } catch {
        // Not a certificate: its lines are read as any others.
      }
    }
    from = end;
  }
  return ranges;
}

/**
 * A JSON document's findings by key path (`db.pass`, `users[0].token`): a secret-named key with
 * a literal string or number, or any string that looks like a key. Walked with an explicit
 * stack, so deep nesting cannot overflow the call stack.
 */
function jsonFindings(document: unknown, options: DetectionOptions): ConfigFinding[] {
  const findings: ConfigFinding[] = [];
  const stack: { path: string; key: string; value: unknown }[] = [
    { path: "", key: "", value: document },
  ];
  while (stack.length > 0 && findings.length <= findingLimit) {
    const { path, key, value } = stack.pop()!;
    if (Array.isArray(value)) {
      for (let index = value.length - 1; index >= 0; index--) {
        stack.push({ path: `${path}[${index}]`, key, value: value[index] });
      }
    } else if (value !== null && typeof value === "object") {
      for (const [name, item] of Object.entries(value).reverse()) {
        stack.push({ path: path === "" ? name : `${path}.${name}`, key: name, value: item });
      }
    } else if (typeof value === "string" || typeof value === "number") {
      const where = `JSON path ${path}`;
      const text = String(value);
      const secretNamed =
        looksSecretName(key, options.nonSecretSuffixes) && !/_(?:FILE|PATH)$/i.test(key);
      if (secretNamed && isLiteralSecret(text.trim())) {
        findings.push({ where, reason: "assignment", key });
      } else if (typeof value === "string") {
        const finding = valueFinding(where, text, options);
        if (finding) findings.push(finding);
      }
    }
  }
  return findings;
}
