// What every command reads and writes besides its arguments, and its colours. A command takes a
// `CommandIo` (the process's by default, `processIo()`), so tests run it in-process with
// collectors. No imports: every command loads this file, however light its path (policy --list).

/** Where a command writes: `process.stdout`/`process.stderr`, or a test's collector. */
export interface CommandOutput {
  /** Writes text as is (the command ends its own lines). */
  write(text: string): unknown;
  /** A terminal: only a terminal gets colours and progress lines. */
  readonly isTTY?: boolean;
}

export interface CommandIo {
  readonly stdout: CommandOutput;
  readonly stderr: CommandOutput;
  /** The environment, for NO_COLOR. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** What relative paths on the command line are relative to. */
  readonly cwd: string;
}

/** The process's own: its streams, its environment and its working folder. */
export function processIo(): CommandIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
}

/**
 * `stream` as a command's stdout, safe for `… | head`: when the reader closes the pipe (EPIPE),
 * later writes are dropped instead of ending the process with a stack trace.
 */
export function pipeSafe(
  stream: NodeJS.WritableStream & { readonly isTTY?: boolean },
): CommandOutput {
  let closed = false;
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
    closed = true;
  });
  return { isTTY: stream.isTTY, write: (text) => closed || stream.write(text) };
}

/** The styles a command paints text with; each returns the text unchanged without colour. */
export interface Palette {
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
}

/** Whether text written to `output` gets colours: a terminal, and NO_COLOR unset or empty. */
export function usesColour(output: CommandOutput, env: CommandIo["env"]): boolean {
  return Boolean(output.isTTY) && !env.NO_COLOR;
}

/** ANSI colours when `colour` is true, plain text otherwise. */
export function palette(colour: boolean): Palette {
  const paint = (code: number) => (text: string) => (colour ? `\x1b[${code}m${text}\x1b[0m` : text);
  return { bold: paint(1), dim: paint(2), red: paint(31), green: paint(32), yellow: paint(33) };
}

/** The palette for text written to `output` (see `usesColour`). */
export function paletteFor(output: CommandOutput, env: CommandIo["env"]): Palette {
  return palette(usesColour(output, env));
}
