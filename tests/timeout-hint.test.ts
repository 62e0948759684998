// The reporter's hint: a timeout names load as the likely cause and the command to rerun the file.
import { timeoutHint } from "./support/timeout-hint-reporter";

function results(files: { path: string; failures: string[]; suiteFailure?: string }[]) {
  return {
    testResults: files.map((file) => ({
      testFilePath: file.path,
      failureMessage: file.suiteFailure ?? null,
      testResults: [{ failureMessages: file.failures }],
    })),
  };
}

test("a timed-out test or hook gets the hint, naming each file to rerun", () => {
  const hint = timeoutHint(
    results([
      {
        path: "/r/tests/a.test.ts",
        failures: ["thrown: Exceeded timeout of 60000 ms for a test."],
      },
      { path: "/r/tests/b.test.ts", failures: ["expect(received).toBe(expected)"] },
      {
        path: "/r/tests/c.test.ts",
        failures: [],
        suiteFailure: "Exceeded timeout of 60000 ms for a hook.",
      },
    ]),
    "/r",
  );
  expect(hint).toBe(
    [
      "A test or hook timed out in 2 file(s). On a loaded machine (other builds or",
      "tests running) the likely cause is load, not the code: rerun the file alone when the",
      "machine is idle, e.g.",
      "  npx jest tests/a.test.ts",
      "  npx jest tests/c.test.ts",
    ].join("\n"),
  );
});

test("no timeout, no hint", () => {
  expect(
    timeoutHint(results([{ path: "/r/tests/b.test.ts", failures: ["expect(received)"] }]), "/r"),
  ).toBeUndefined();
});
