// A jest reporter that adds one hint when a test or hook timed out: on a small, loaded machine the
// likely cause is load, not the code, and one file rerun alone tells which.

const path = require("node:path");

/**
 * The hint for these results (jest's AggregatedResult), files named relative to `rootDir`, or
 * undefined when nothing timed out.
 */
function timeoutHint(results, rootDir) {
  const files = results.testResults
    .filter((file) =>
      [file.failureMessage ?? "", ...file.testResults.flatMap((test) => test.failureMessages)].some(
        (message) => message.includes("Exceeded timeout of"),
      ),
    )
    .map((file) => path.relative(rootDir, file.testFilePath));
  if (files.length === 0) return undefined;
  return [
    `A test or hook timed out in ${files.length} file(s). On a loaded machine (other builds or`,
    "tests running) the likely cause is load, not the code: rerun the file alone when the",
    "machine is idle, e.g.",
    ...files.map((file) => `  npx jest ${file}`),
  ].join("\n");
}

class TimeoutHintReporter {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
  }

  onRunComplete(_contexts, results) {
    const hint = timeoutHint(results, this.rootDir);
    if (hint) process.stderr.write(`\n${hint}\n`);
  }
}

module.exports = TimeoutHintReporter;
module.exports.timeoutHint = timeoutHint;
