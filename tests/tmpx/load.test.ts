test("load", async () => {
  if (process.env.LIMIT) Error.stackTraceLimit = Number(process.env.LIMIT);
  const { runProgram } = require("../../tools/engine/mock-engine");
  const run = await runProgram("production");
  expect(run.resources.length).toBe(103);
});
