// What the e2e makes of the engine's output: the Automation API throws an error holding all the
// CLI printed; a failed check shows the lines that say why.

/** Plain output, and no progress dots between the lines the checks read. */
export const quiet = { color: "never", suppressProgress: true } as const;

/**
 * The part of a failed command's output that says why: Pulumi's mandatory policy violations and
 * errors with the lines that explain them, else the last 25 lines (the stack outputs Pulumi
 * prints last would hide them).
 */
export function failureSummary(detail: string): string {
  const lines = detail.trim().split("\n");
  const reasons = lines.flatMap((line, index) =>
    /\[mandatory\]|^\s*error:/.test(line) ? lines.slice(index, index + 3) : [],
  );
  return (reasons.length > 0 ? [lines[0], ...reasons] : lines.slice(-25)).join("\n");
}

/** What `command` resolves to; when the engine fails, an error holding why (not all it printed). */
export async function engine<T>(command: Promise<T>): Promise<T> {
  try {
    return await command;
  } catch (error) {
    throw new Error(failureSummary((error as Error).message));
  }
}

/** The full output of a Pulumi command that must fail; throws, naming `what`, when it succeeds. */
export async function failureOf(command: Promise<unknown>, what: string): Promise<string> {
  try {
    await command;
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error(`${what} succeeded`);
}
