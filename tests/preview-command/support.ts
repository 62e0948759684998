// Shared by tests/preview-command/*.test.ts: `npm run preview` run in-process through
// runPreviewCommand, and the production run it is given: the worker's shared run
// (tests/support/program-runs.ts), made only when a file asks for it.
import { projectRoot, type ProgramRun } from "../../tools/engine/mock-engine";
import type { StackConfigFile } from "../../tools/engine/stack-config";
import { runPreviewCommand } from "../../tools/preview";
import { sharedProgramRun } from "../support/program-runs";
import { tempDir as makeTempDir } from "../support/temp";

/** The production stack's run, shared by every file of the worker. */
export function productionRun(): Promise<ProgramRun> {
  return sharedProgramRun("production");
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
