// `npm run e2e`: the real Pulumi engine as the judge (docs/TESTING.md), one file per phase, run one
// after the other: they share the machine's two cores, and the engine is what they measure.
// `npm run e2e -- --stacks dev --phases render` narrows them (tools/e2e.ts).
/** @type {import('jest').Config} */
module.exports = {
  ...require("./jest.config.js"),
  roots: ["<rootDir>/tests/e2e"],
  testPathIgnorePatterns: [],
  maxWorkers: 1,
  // A deploy into the local control plane with its checks takes minutes; the restore runbooks
  // run pulumi up twice each.
  testTimeout: 20 * 60 * 1000,
  // Jest's per-file list comes only when a file ends; each check's time is printed as it ends.
  verbose: false,
  reporters: ["default", "<rootDir>/tests/e2e/progress-reporter.js"],
};
