// Secret detection: pure functions deciding whether a name or a value holds a secret, shared by
// the Kubernetes, Docker and delivery rules. A manifest may carry megabytes in one value, so every
// scan here is linear in its input: a pattern either is anchored, or cannot re-scan more than the
// run of characters it started on (a bounded window, a literal prefix, or a lookbehind that only
// lets it start at the beginning of a run), and no group repeats without bound over a long input
// (V8's backtracking stack overflows after a few million repetitions).
// tests/policies/secrets/linear-time.test.ts feeds each one megabytes of its worst input.
import * as path from "node:path";

/** Name suffixes that never hold a secret although the name contains a secret word. */
export const defaultNonSecretSuffixes: readonly string[] = [
  "_HOST",
  "_PORT",
  "_USER",
  "_USERNAME",
  "_NAME",
  "_TTL",
  "_TIMEOUT",
  "_EXPIRY",
  "_LENGTH",
  "_ALGORITHM",
  "_ENCRYPTION",
];

export const defaultSecretMountPrefix = "/run/secrets/";

export interface DetectionOptions {
  /** Minimum Shannon entropy (bits per character) of a token that counts as a secret. */
  readonly entropyThreshold?: number;
  /** Minimum length of a token that is tested for entropy. */
  readonly minEntropyLength?: number;
  /** Name suffixes that are never secret (compared after `-` and `.` become `_`). */
  readonly nonSecretSuffixes?: readonly string[];
  /** Where secret files are mounted; `*_FILE` variables pointing there are fine. */
  readonly secretMountPrefix?: string;
}

const secretNamePattern =
  /passw(?:or)?d|passphrase|secret(?!ary)|credential|token(?!i[sz])|api[_.-]?key|private[_.-]?key|access[_.-]?key|auth[_.-]?key|signing[_.-]?key|encryption[_.-]?key|requirepass|masterauth|connection[_.-]?string/i;

/**
 * `pass` and `pwd` as a name's last word (`pass`, `DB_PWD`, `db.pass`, `dbPass`), not inside one
 * (`bypass`, `passthrough`). Case matters for camelCase, so no `i` flag.
 */
const shortSecretWordPattern = /(?:^|[_.-])(?:pass|pwd|Pass|Pwd|PASS|PWD)$|[a-z0-9](?:Pass|Pwd)$/;

/** nginx's upstream directives (`proxy_pass http://backend;`) name a server, not a password. */
const nginxPassDirective = /^(?:proxy|fastcgi|uwsgi|scgi|grpc|memcached)_pass$/i;

/** Does a variable or key name say it holds a secret? (`DB_PASSWORD` yes, `DB_HOST` no.) */
export function looksSecretName(
  name: string,
  nonSecretSuffixes: readonly string[] = defaultNonSecretSuffixes,
): boolean {
  const normalized = name.toUpperCase().replace(/[-.]/g, "_");
  if (nonSecretSuffixes.some((suffix) => normalized.endsWith(suffix.toUpperCase()))) return false;
  if (nginxPassDirective.test(name)) return false;
  return secretNamePattern.test(name) || shortSecretWordPattern.test(name);
}

/**
 * Counts of the code units below U+10000, shared by every call and zeroed again before
 * `shannonEntropy` returns: a table is several times faster than a Map on long tokens, and
 * allocating one per call would cost more than short tokens take to count.
 */
const unitCounts = new Uint32Array(0x10000);

/** Shannon entropy of a string in bits per character (of code points). */
export function shannonEntropy(text: string): number {
  const seen: number[] = [];
  const astral = new Map<number, number>();
  let length = 0;
  for (let index = 0; index < text.length; index++, length++) {
    const code = text.codePointAt(index)!;
    if (code > 0xffff) {
      astral.set(code, (astral.get(code) ?? 0) + 1);
      index++;
    } else if (unitCounts[code]++ === 0) {
      seen.push(code);
    }
  }
  let entropy = 0;
  const add = (count: number) => {
    const p = count / length;
    entropy -= p * Math.log2(p);
  };
  for (const code of seen) {
    add(unitCounts[code]);
    unitCounts[code] = 0;
  }
  astral.forEach(add);
  return entropy;
}

/** `$(VAR)`, `${VAR}`, `$VAR`, `{{ .Values.x }}`, `%(name)s`: a reference, not a value. */
export function isPlaceholder(value: string): boolean {
  return /^(?:\$\([A-Za-z_][\w.-]*\)|\$\{[^}]+\}|\$[A-Za-z_]\w*|\{\{.*\}\}|%\([\w.-]+\)s|<[\w .-]+>|\$__(?:file|env)\{[^}]+\})$/.test(
    value.trim(),
  );
}

/**
 * Names joined by `.`, `_`, `-`, `:`, `|` or `/`, every part lowercase letters: a metric, a
 * component reference or a list of service names (`backend|mcp-server`), long and varied enough
 * to pass the entropy test, but not random. Digits or capitals anywhere keep a token in the test.
 */
export function isIdentifierChain(token: string): boolean {
  return token.length <= maxShapedLength && /^[a-z]+(?:[._:|/-][a-z]+)+$/.test(token);
}

/**
 * Longer than any hostname, image reference or identifier chain: a token this long is judged by
 * its entropy alone. Their patterns repeat a group per label, and V8's backtracking stack runs out
 * after a few million repetitions (a RangeError, not a verdict).
 */
const maxShapedLength = 4096;

/** The user-info of a URL in a text: `scheme://user:password@host`. */
export interface UrlUserInfo {
  readonly scheme: string;
  readonly user: string;
  /** Undefined without a `:` in the user-info. */
  readonly password?: string;
  /** The host and port after the `@`. */
  readonly host: string;
  /** From the scheme up to and including the `@`. */
  readonly text: string;
}

function isLetter(code: number): boolean {
  return (code >= 97 && code <= 122) || (code >= 65 && code <= 90);
}

/** A letter, digit, `+`, `-` or `.`: what a URL scheme is made of. */
function isSchemeChar(code: number): boolean {
  return isLetter(code) || (code >= 48 && code <= 57) || code === 43 || code === 45 || code === 46;
}

/** A `/` or whitespace: where a URL's authority (`user:password@host:port`) ends. */
function endsAuthority(code: number): boolean {
  if (code === 47 || code === 32 || (code >= 9 && code <= 13)) return true;
  return code > 127 && /\s/.test(String.fromCharCode(code));
}

/**
 * The user-info of every URL in a text, in linear time: each `://` is found by `indexOf`, and
 * only when an `@` follows before the authority ends is the scheme read backwards and the
 * authority to its end (the next `/` or space, so never past the next `://`). The user-info runs
 * to the authority's last `@`. One unanchored pattern would re-scan the text from every letter.
 */
export function* urlUserInfos(text: string): Generator<UrlUserInfo> {
  let at = -1;
  for (let separator = text.indexOf("://"); separator >= 0;) {
    const authorityStart = separator + 3;
    if (at < authorityStart) at = text.indexOf("@", authorityStart);
    if (at < 0) return;
    let end = authorityStart;
    while (end < at && !endsAuthority(text.charCodeAt(end))) end++;
    if (end === at) {
      let last = at;
      for (end = at + 1; end < text.length && !endsAuthority(text.charCodeAt(end)); end++) {
        if (text.charCodeAt(end) === 64) last = end;
      }
      let start = separator;
      while (start > 0 && isSchemeChar(text.charCodeAt(start - 1))) start--;
      while (start < separator && !isLetter(text.charCodeAt(start))) start++;
      if (start < separator) {
        const userInfo = text.slice(authorityStart, last);
        const colon = userInfo.indexOf(":");
        yield {
          scheme: text.slice(start, separator).toLowerCase(),
          user: colon < 0 ? userInfo : userInfo.slice(0, colon),
          password: colon < 0 ? undefined : userInfo.slice(colon + 1),
          host: text.slice(last + 1, end),
          text: text.slice(start, last + 1),
        };
      }
    }
    separator = text.indexOf("://", authorityStart);
  }
}

/** The first URL in a text whose user-info carries a password (`redis://:pw@host`), not a reference. */
function urlWithPassword(text: string): UrlUserInfo | undefined {
  for (const info of urlUserInfos(text)) {
    if (info.password && !isPlaceholder(decodeURIComponentSafe(info.password))) return info;
  }
  return undefined;
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

const urlPattern = /^[a-z][a-z0-9+.-]*:\/\/\S+$/i;

/** A URL with no password in it. */
export function isPlainUrl(value: string): boolean {
  return urlPattern.test(value.trim()) && urlWithPassword(value) === undefined;
}

/** An absolute or relative file path. */
export function isPath(value: string): boolean {
  return /^(?:\/|\.{1,2}\/|~\/)[^\s]*$/.test(value.trim());
}

const hostLabel = "[a-z0-9](?:[a-z0-9-]*[a-z0-9])?";
const hostnamePattern = new RegExp(
  `^(?:${hostLabel}\\.)+${hostLabel}\\.?(?::\\d{1,5})?(?:/[^\\s]*)?$`,
  "i",
);
const imageReferencePattern =
  /^(?:[a-z0-9.-]+(?::\d+)?\/)?[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;

/** A hostname, `host:port` or `host:port/path` (a scheme-less URL). */
export function isHostname(value: string): boolean {
  const trimmed = value.trim();
  return trimmed.length <= maxShapedLength && hostnamePattern.test(trimmed);
}

/** A container image reference (`ghcr.io/org/app:1.2`, `postgres@sha256:…`). */
export function isImageReference(value: string): boolean {
  const trimmed = value.trim();
  if (trimmed.length > maxShapedLength) return false;
  return imageReferencePattern.test(trimmed) && (trimmed.includes("/") || /[:@]/.test(trimmed));
}

export const privateKeyKind = "a PEM private key";
/** At most 8 words before PRIVATE KEY (`RSA`, `ENCRYPTED`, `OPENSSH`): a bounded repetition. */
export const privateKeyPattern = /-----BEGIN (?:[A-Z0-9]+ ){0,8}PRIVATE KEY(?: BLOCK)?-----/;

/** Known key formats; each starts at a literal prefix and reads a bounded or single run. */
const valuePatterns: readonly { readonly kind: string; readonly pattern: RegExp }[] = [
  { kind: privateKeyKind, pattern: privateKeyPattern },
  { kind: "an AWS access key ID", pattern: /(?<![A-Z0-9])(?:AKIA|ASIA)[0-9A-Z]{16}(?![A-Z0-9])/ },
  {
    kind: "a GitHub token",
    pattern: /(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})/,
  },
  { kind: "a Slack token", pattern: /(?<![A-Za-z0-9])xox[abeoprs]-[A-Za-z0-9-]{10,}/ },
  { kind: "a Google API key", pattern: /(?<![A-Za-z0-9_-])AIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])/ },
  {
    kind: "a JSON Web Token",
    pattern: /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/,
  },
  { kind: "a Stripe live key", pattern: /(?<![A-Za-z0-9])(?:sk|rk)_live_[0-9A-Za-z]{16,}/ },
];

/**
 * Shell and environment references inside a token (`$name`, `${name}`, `$(command)`): a script's
 * `"$private_dir/curl-auth"` or `aws:amz:$REGION:s3` holds no literal value there. The bracketed
 * forms stop at the next `$`, so a run of unclosed `${${${` is read once, not once per `$`.
 */
export const referencePattern = /\$(?:\{[^}$]*\}|\([^)$]*\)|[A-Za-z_]\w*)/g;

/** Characters that separate the tokens tested for entropy: whitespace, quotes and separators. */
const tokenChar = "[^\\s\"'`,;=()[\\]{}<>]";
const separatorPattern = /[\s"'`,;=()[\]{}<>]/g;

/**
 * The tokens of a value at least `minLength` long. A token's start is found with a bounded
 * pattern (the lookbehind lets it start only where a token starts, so a shorter token is skipped
 * in one step) and its end with `separatorPattern`: a pattern that matched a whole
 * megabyte-long token would overflow the regular expression stack.
 */
function* longTokens(value: string, minLength: number): Generator<string> {
  const start = tokenStartPattern(minLength);
  start.lastIndex = 0;
  for (let match = start.exec(value); match; match = start.exec(value)) {
    separatorPattern.lastIndex = match.index + minLength;
    const end = separatorPattern.exec(value)?.index ?? value.length;
    yield value.slice(match.index, end);
    start.lastIndex = end;
  }
}

const tokenStartPatterns = new Map<number, RegExp>();

function tokenStartPattern(minLength: number): RegExp {
  let pattern = tokenStartPatterns.get(minLength);
  if (!pattern) {
    pattern = new RegExp(`(?<!${tokenChar})${tokenChar}{${minLength}}`, "g");
    tokenStartPatterns.set(minLength, pattern);
  }
  return pattern;
}

function isExcludedToken(token: string): boolean {
  return (
    isPlainUrl(token) ||
    isPath(token) ||
    isHostname(token) ||
    isImageReference(token) ||
    isPlaceholder(token) ||
    isIdentifierChain(token)
  );
}

/** A secret found in a value: what it looks like, and the text that matched. */
export interface SecretMatch {
  readonly kind: string;
  readonly match: string;
}

/**
 * The first secret in a value, or undefined. Known key formats are matched anywhere in the
 * value; a token of at least `minEntropyLength` characters with Shannon entropy of at least
 * `entropyThreshold` counts as a generic secret unless it is a URL without credentials, a path,
 * a hostname or an image reference.
 */
export function findSecretValue(
  value: string,
  options: DetectionOptions = {},
): SecretMatch | undefined {
  for (const { kind, pattern } of valuePatterns) {
    const match = pattern.exec(value);
    if (match) return { kind, match: match[0] };
  }
  const credentials = urlWithPassword(value);
  if (credentials) return { kind: "a URL with an embedded password", match: credentials.text };
  const threshold = options.entropyThreshold ?? 4.0;
  const minLength = options.minEntropyLength ?? 24;
  for (const token of longTokens(value, minLength)) {
    // A reference is read from elsewhere: only the literal text around it is tested.
    // Entropy first: most tokens fail it, and it is cheaper than the exclusions.
    const literal = token.replace(referencePattern, "");
    if (literal.length < minLength || shannonEntropy(literal) < threshold) continue;
    if (!isExcludedToken(literal)) return { kind: "a high-entropy string", match: token };
  }
  return undefined;
}

/** What kind of secret a value looks like ("an AWS access key ID", …), or undefined. */
export function secretValueKind(value: string, options: DetectionOptions = {}): string | undefined {
  return findSecretValue(value, options)?.kind;
}

/** Does a value look like a secret, whatever it is called? */
export function looksSecretValue(value: string, options: DetectionOptions = {}): boolean {
  return findSecretValue(value, options) !== undefined;
}

/** At most the first 4 characters of a value, then an ellipsis: enough to find, not to use. */
export function redact(value: string): string {
  let shown = "";
  let count = 0;
  for (const char of value.trim()) {
    if (count++ === 4) break;
    shown += char;
  }
  return `${shown}…`;
}

/** Is `file` (normalized) inside the folder `prefix` (or the folder itself)? */
export function isUnder(file: string, prefix: string): boolean {
  const folder = path.posix.normalize(prefix).replace(/\/+$/, "");
  const normalized = path.posix.normalize(file);
  return normalized === folder || normalized.startsWith(`${folder}/`);
}

/** Why an environment variable (or a single-line setting) holds a secret. */
export type SecretFinding =
  | { readonly reason: "secret-name" }
  | { readonly reason: "file-outside-prefix"; readonly path: string }
  | { readonly reason: "secret-value"; readonly kind: string; readonly preview: string };

/**
 * Does a `NAME=value` pair hold a secret? A secret-looking name with a literal value (not a
 * reference, URL without credentials or path); a secret-looking `*_FILE` name whose value is a
 * literal or a path outside the secret mount prefix; or any value that looks like a secret.
 */
export function secretEnvFinding(
  name: string,
  value: string,
  options: DetectionOptions = {},
): SecretFinding | undefined {
  const prefix = options.secretMountPrefix ?? defaultSecretMountPrefix;
  if (value.trim() === "" || isPlaceholder(value)) return undefined;
  const found = findSecretValue(value, options);
  if (looksSecretName(name, options.nonSecretSuffixes)) {
    if (/_FILE$/i.test(name)) {
      if (value.startsWith("/") && isPath(value) && !found) {
        return isUnder(value, prefix) ? undefined : { reason: "file-outside-prefix", path: value };
      }
      return { reason: "secret-name" };
    }
    if (!(isPlainUrl(value) || isPath(value))) return { reason: "secret-name" };
  }
  return found && { reason: "secret-value", kind: found.kind, preview: redact(found.match) };
}

/**
 * A value assigned to a secret-named setting that is a literal: not empty, a boolean or null, a
 * reference, a path, a URL without a password, or a command's output (`$(…)`, backquotes).
 */
export function isLiteralSecret(value: string): boolean {
  if (value === "" || /^(?:null|none|nil|~|true|false|yes|no|on|off)$/i.test(value)) return false;
  if (isPlaceholder(value) || isPath(value) || isPlainUrl(value)) return false;
  return !/^(?:\$\(|`)/.test(value);
}

/**
 * `key = value`, `key: value`, `key value`, `export KEY=value`, `"key": value`: up to the value.
 * Keys are at most 256 characters, so a line-long run of key characters is not backtracked over.
 */
const assignmentHead = /^(?:export\s+)?["']?([A-Za-z0-9_.-]{1,256})["']?(?:\s*([=:])|\s)/;
/** `<key attr="x">value</key>` on one line. */
const xmlElement = /^<([A-Za-z_][\w.:-]*)(?:\s[^<>]*)?>([^<]*)<\/\1\s*>$/;

function unquoted(value: string): string {
  const quote = value[0];
  return value.length >= 2 && (quote === '"' || quote === "'") && value.endsWith(quote)
    ? value.slice(1, -1)
    : value;
}

/**
 * A secret assignment in one line of a configuration file: `password = x`, `token: x`,
 * `requirepass x`, `export DB_PASSWORD='x'`, `<password>x</password>`. Returns the key, or
 * undefined when the line assigns no literal secret. With a space as the separator the value is
 * one word (or quoted): `Token rotation happens daily` is prose, not a setting.
 */
export function secretAssignmentKey(
  line: string,
  nonSecretSuffixes: readonly string[] = defaultNonSecretSuffixes,
): string | undefined {
  const text = line.trim();
  if (/^(?:#|;|\/\/|--)/.test(text)) return undefined;
  let key: string;
  let value: string;
  const element = xmlElement.exec(text);
  const head = element ? null : assignmentHead.exec(text);
  if (element) {
    [, key, value] = element;
    value = value.trim();
  } else if (head) {
    key = head[1];
    let rest = text.slice(head[0].length).trim();
    if (rest.endsWith(";")) rest = rest.slice(0, -1).trimEnd();
    if (rest.endsWith(",")) rest = rest.slice(0, -1);
    value = unquoted(rest).trim();
    if (head[2] === undefined && value === rest && /\s/.test(value)) return undefined;
  } else {
    return undefined;
  }
  if (!looksSecretName(key, nonSecretSuffixes) || /_(?:FILE|PATH)$/i.test(key)) return undefined;
  return isLiteralSecret(value) ? key : undefined;
}
