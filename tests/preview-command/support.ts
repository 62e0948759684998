// Shared by tests/preview-command/*.test.ts: `npm run preview` run in-process through
// runPreviewCommand, and the production run it is given. The program runs at most once per test
// file (the SDK's runtime is global per process), and only in the files that ask for it.
import { projectRoot, runProgram, type ProgramRun } from "../../tools/engine/mock-engine";
import type { StackConfigFile } from "../../tools/engine/stack-config";
import { runPreviewCommand } from "../../tools/preview";
import { tempDir as makeTempDir } from "../support/temp";

let production: Promise<ProgramRun> | undefined;

/** The production stack's run, made on the first call and shared by the file's later ones. */
export function productionRun(): Promise<ProgramRun> {
  production ??= runProgram("production");
  return production;
}

export const tempDir = () => makeTempDir("toolboxai-preview-");

export interface Result {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** How many times the command ran the program. */
  readonly runs: number;
}

/** Runs the command with `argv`; the program's run is `programRun` (production by default). */
export async function preview(
  argv: string[],
  options: {
    cwd?: string;
    /** The project folder the stack files are read from (the repository's by default). */
    root?: string;
    programRun?: (stack: string, config: StackConfigFile) => Promise<ProgramRun>;
  } = {},
): Promise<Result> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  let runs = 0;
  const code = await runPreviewCommand(
    argv,
    {
      stdout: { write: (text: string) => stdout.push(text) },
      stderr: { write: (text: string) => stderr.push(text) },
      env: {},
      cwd: options.cwd ?? tempDir(),
    },
    {
      projectRoot: options.root ?? projectRoot,
      runProgram: async (stack, config) => {
        runs++;
        return options.programRun ? options.programRun(stack, config) : productionRun();
      },
    },
  );
  return { code, stdout: stdout.join(""), stderr: stderr.join(""), runs };
}
