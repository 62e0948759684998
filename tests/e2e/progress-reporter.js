// Prints each e2e check as it ends, with its time (the engine's preview, up and destroy of each
// stack are what the e2e measures), instead of jest's list at the end of each file, minutes later.
// On stderr, where jest reports too, so that the lines keep their order.

class ProgressReporter {
  onTestCaseResult(_test, result) {
    const mark =
      { passed: "  ok  ", failed: "  FAIL", pending: "  skip" }[result.status] ?? "  ?   ";
    const seconds = ((result.duration ?? 0) / 1000).toFixed(1);
    process.stderr.write(`${mark} ${result.fullName} (${seconds} s)\n`);
  }
}

module.exports = ProgressReporter;
