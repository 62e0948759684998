// Types of ./timeout-hint-reporter.js (a plain script: jest loads reporters untransformed).

/** The part of jest's AggregatedResult the hint reads. */
export interface ResultsForHint {
  readonly testResults: readonly {
    readonly testFilePath: string;
    readonly failureMessage?: string | null;
    readonly testResults: readonly { readonly failureMessages: readonly string[] }[];
  }[];
}

export function timeoutHint(results: ResultsForHint, rootDir: string): string | undefined;
