// `npm run e2e`'s arguments: wrong ones end with exit 2 and a message, before any tool runs.
import { main } from "../tools/e2e";

let errors: string[];
beforeEach(() => {
  errors = [];
  jest.spyOn(console, "error").mockImplementation((...args: unknown[]) => {
    errors.push(args.join(" "));
  });
  jest.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
    errors.push(String(chunk));
    return true;
  });
});
afterEach(() => jest.restoreAllMocks());

test("an unknown stack or phase names what is allowed", async () => {
  expect(await main(["--stacks", "dev,qa"])).toBe(2);
  expect(errors.join("")).toContain("allowed: dev, staging, production");
  errors = [];
  expect(await main(["--phases", "deploy"])).toBe(2);
  expect(errors.join("")).toContain("allowed: render, cluster");
});

test("--keep-manifests without the render phase is refused", async () => {
  expect(await main(["--phases", "cluster", "--keep-manifests", "/tmp/manifests"])).toBe(2);
  expect(errors.join("")).toContain("add render to --phases");
});
