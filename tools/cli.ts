// What the commands share: reading their arguments with commander, where errors become exit codes
// instead of process exits (so tests run the commands in-process), and the stacks on disk. What
// they read and write, and their colours, are in ./command-io.
import { readdirSync } from "node:fs";
import { Command, CommanderError, type OutputConfiguration } from "commander";
import type { CommandIo } from "./command-io";
import { projectRoot } from "./project-root";

/** Commander's help and errors, written to the command's `io` (`configureOutput`). */
export function outputTo(io: CommandIo): OutputConfiguration {
  return { writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text) };
}

/**
 * Parses `argv` (the user's arguments) into `program`. Returns undefined to go on, or the exit
 * code to end with: 0 after --help or --version, 2 for bad arguments (commander printed why).
 */
export function parseArguments(program: Command, argv: readonly string[]): number | undefined {
  program.exitOverride();
  try {
    program.parse([...argv], { from: "user" });
    return undefined;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    throw error;
  }
}

/** A setting's value, short enough for one line: in full, or a long list or map by its size. */
export function describeValue(value: unknown): string {
  const json = JSON.stringify(value) ?? "undefined";
  if (json.length <= 60) return json;
  if (Array.isArray(value)) return `[${value.length} entries]`;
  return `{${Object.keys(value as object).length} keys}`;
}

/** The stacks of the project: every Pulumi.<name>.yaml in `root`. */
export function availableStacks(root = projectRoot): string[] {
  return readdirSync(root)
    .map((file) => /^Pulumi\.(.+)\.yaml$/.exec(file)?.[1])
    .filter((stack): stack is string => stack !== undefined)
    .sort();
}
