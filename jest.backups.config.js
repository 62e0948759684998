// `npm run test:backups`: the backup, restore and verification scripts against a real PostgreSQL
// and redis-server (Debian's packages, with age), which the tests start on loopback. Kept out of
// `npm test`, which needs only Node: .ci/run installs the servers and runs these.
/** @type {import('jest').Config} */
module.exports = {
  ...require("./jest.config.js"),
  roots: ["<rootDir>/tests/backups"],
  testPathIgnorePatterns: [],
  testTimeout: 120000,
};
