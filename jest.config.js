// Tests are transpiled by SWC without type-checking: `npm run typecheck` (tsc --noEmit) checks
// types once for the whole tree, which is far cheaper than ts-jest checking @pulumi/kubernetes
// in every test file.
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/tests"],
  testMatch: ["**/*.test.ts"],
  // Cluster tests need a local control plane (`npm run test:cluster`), backup tests a real
  // PostgreSQL and Redis (`npm run test:backups`), e2e tests the Pulumi engine (`npm run e2e`).
  testPathIgnorePatterns: [
    "/node_modules/",
    "<rootDir>/tests/cluster/",
    "<rootDir>/tests/backups/",
    "<rootDir>/tests/e2e/",
  ],
  transform: {
    "^.+\\.ts$": ["@swc/jest", { jsc: { target: "es2022", parser: { syntax: "typescript" } } }],
  },
  testTimeout: 60000,
  // A timeout names load as the likely cause, and how to rerun the file alone.
  reporters: ["default", "<rootDir>/tests/support/timeout-hint-reporter.js"],
};
