// A configuration problem, the ConfigError that lists them, and how keys and values are shown.
export const projectName = "toolboxai";

export interface ConfigProblem {
  /** Full key, e.g. `toolboxai:services.backend.replicas`. */
  readonly key: string;
  /** The offending value as shown to the user (`[secret]` for secrets, absent when missing). */
  readonly shownValue?: string;
  readonly message: string;
}

export class ConfigError extends Error {
  constructor(
    readonly stackFile: string,
    readonly problems: readonly ConfigProblem[],
  ) {
    super(formatProblems(stackFile, problems));
    this.name = "ConfigError";
  }
}

export function formatProblems(stackFile: string, problems: readonly ConfigProblem[]): string {
  const lines = problems.map((problem) =>
    problem.shownValue === undefined
      ? `  ${problem.key}: ${problem.message}`
      : `  ${problem.key} = ${problem.shownValue}: ${problem.message}`,
  );
  const noun = problems.length === 1 ? "problem" : "problems";
  return [`${stackFile} has ${problems.length} configuration ${noun}:`, ...lines].join("\n");
}

export function stackFileName(stack: string): string {
  return `Pulumi.${stack}.yaml`;
}

export function fullKey(path: readonly PropertyKey[]): string {
  return `${projectName}:${path.map(String).join(".")}`;
}

/** A PEM private key in JSON text (no line breaks), to its END line or the text's end. */
const privateKeyBlock =
  /-----BEGIN ((?:[A-Z0-9]+ ){0,8})PRIVATE KEY-----.*?(?:-----END \1PRIVATE KEY-----|$)/g;

/**
 * A value as messages show it: JSON, cut at 80 characters, a URL's credentials and a PEM private
 * key (pasted where a certificate belongs) replaced.
 */
export function show(value: unknown): string {
  // Replaced before the cut, which could otherwise leave the start of a token on show.
  const text = (JSON.stringify(value) ?? String(value))
    .replace(/:\/\/[^\s/"@]*@/g, "://[credentials]@")
    .replace(privateKeyBlock, "[private key]");
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
