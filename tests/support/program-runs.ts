// One run of a stack's program per jest worker, shared by the test files that worker runs: each
// run costs seconds, and several files read the same stack with the same config. A file calls
// `sharedProgramRun(stack, options)` where it would call `runProgram`; the first call in a worker
// runs the program, the later ones (in this file or another) get the same result.
//
// Jest gives every test file its own globals, `process` and module registry (and its own
// `node:module`), so a module-level cache would last one file. Node's other built-in modules are
// the worker's own, shared by every file it runs: the cache hangs off `node:os`. Results are
// kept as JSON and parsed afresh for each caller, so every file gets plain objects of its own
// realm that it may modify without affecting another.
import {
  readStackConfig,
  runProgram,
  type ProgramRun,
  type StackConfigFile,
} from "../../tools/engine/mock-engine";

/** What `runProgram` takes that changes its result (a `sink` or another `entry` does not share). */
export interface SharedRunOptions {
  /** Default: the stack's own file. */
  readonly config?: StackConfigFile;
  readonly preview?: boolean;
  readonly acceptExampleValues?: boolean;
}

const cacheKey = Symbol.for("toolboxai.tests.programRuns");

/** The worker's cache: a run's JSON by its key, as a promise while it runs. */
function workerCache(): Map<string, Promise<string>> {
  // Node ≥ 22.3: the worker's own `node:os`, the same object in every test file's realm.
  const holder = (process.getBuiltinModule?.("node:os") ?? globalThis) as unknown as Record<
    symbol,
    Map<string, Promise<string>> | undefined
  >;
  return (holder[cacheKey] ??= new Map());
}

/** The key of a run: the stack and everything that changes what the program registers. */
export function runKey(stack: string, options: SharedRunOptions = {}): string {
  const config = options.config ?? readStackConfig(stack);
  return JSON.stringify([
    stack,
    Object.entries(config.values).sort(([a], [b]) => a.localeCompare(b)),
    [...config.secretKeys].sort(),
    options.preview ?? false,
    options.acceptExampleValues ?? true,
  ]);
}

/**
 * The program's run for `stack` with `options`, made once per worker: the first caller runs it
 * (`runProgram`), the others get a copy of its result. A run that threw is not kept: the next
 * caller runs it again, and sees the error.
 */
export async function sharedProgramRun(
  stack: string,
  options: SharedRunOptions = {},
): Promise<ProgramRun> {
  const cache = workerCache();
  const key = runKey(stack, options);
  let json = cache.get(key);
  if (!json) {
    json = runProgram(stack, options).then((run) => JSON.stringify(run));
    cache.set(key, json);
    json.catch(() => cache.delete(key));
  }
  return JSON.parse(await json) as ProgramRun;
}
