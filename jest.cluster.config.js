// `npm run test:cluster`: tests against a local control plane (scripts/control-plane.sh), which
// they start and stop themselves. Kept out of `npm test`: they need the control plane's build.
/** @type {import('jest').Config} */
module.exports = {
  ...require("./jest.config.js"),
  roots: ["<rootDir>/tests/cluster"],
  testPathIgnorePatterns: [],
  testTimeout: 120000,
};
