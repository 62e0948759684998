// The README's preview excerpt is production's real preview, cut the way `npm run docs` cuts it.
import { readFileSync } from "node:fs";
import { excerptOf, productionExcerpt, readmeFile, withExcerpt } from "../tools/readme-excerpt";

test("the README's preview excerpt is what the preview prints (run `npm run docs` after a change)", async () => {
  const readme = readFileSync(readmeFile, "utf8");
  const excerpt = await productionExcerpt();
  expect(readme).toBe(withExcerpt(readme, excerpt));
  // What the excerpt holds: the totals line with the real counts, and the public URL.
  expect(excerpt).toMatch(/^ {2}total: \d+ \+ \d+ +\d+$/m);
  expect(excerpt).toContain('publicUrl   : "https://app.toolboxai.example"');
});

test("the excerpt is cut from the plan's tree, Deployment row, totals and public URL", () => {
  const plan = [
    "toolboxai-x",
    "├─ secrets toolboxai:secrets:PlatformSecrets  RandomPassword ×7",
    "├─ namespace toolboxai:kubernetes:Namespace  Namespace",
    "├─ priority toolboxai:kubernetes:PriorityClasses  PriorityClass ×2",
    "├─ postgres toolboxai:data:Postgres",
    "│  └─ postgres toolboxai:kubernetes:Workload  StatefulSet",
    "├─ redis toolboxai:data:Redis",
    "",
    "Resources by type",
    "  kubernetes:apps/v1:DaemonSet      1",
    "  kubernetes:apps/v1:Deployment    12",
    "  random:index/randomPassword:RandomPassword  7",
    "  ───────",
    "  resources (the rows above)  20",
    "  components (the stack included)  4",
    "  total: 20 + 4  24",
  ].join("\n");
  const outputs = ["Outputs:", "    backup     : {", '    publicUrl  : "https://x"'].join("\n");
  expect(excerptOf(plan, outputs)).toBe(
    [
      "toolboxai-x",
      "├─ secrets toolboxai:secrets:PlatformSecrets  RandomPassword ×7",
      "├─ namespace toolboxai:kubernetes:Namespace  Namespace",
      "├─ postgres toolboxai:data:Postgres",
      "│  └─ postgres toolboxai:kubernetes:Workload  StatefulSet",
      "...",
      "Resources by type",
      "  kubernetes:apps/v1:Deployment    12",
      "...",
      "  random:index/randomPassword:RandomPassword  7",
      "  ───────",
      "  resources (the rows above)  20",
      "  components (the stack included)  4",
      "  total: 20 + 4  24",
      "",
      "Outputs:",
      '    publicUrl  : "https://x"',
      "...",
    ].join("\n"),
  );
  expect(() => excerptOf("toolboxai-x", outputs)).toThrow("the preview printed no totals");
  expect(() => withExcerpt("# no markers", "x")).toThrow("README.md has no");
});

test("a line of the excerpt wider than a screen is cut, and says so", () => {
  const wide = `├─ postgres toolboxai:data:Postgres  ${"ConfigMap, ".repeat(12)}StatefulSet`;
  const plan = [
    "toolboxai-x",
    "├─ a",
    "├─ b",
    wide,
    "│  └─ c",
    "Resources by type",
    "  kubernetes:apps/v1:Deployment  1",
    "  x  1",
    "  ───",
    "  r  1",
    "  c  1",
    "  total: 1 + 1  2",
  ].join("\n");
  const lines = excerptOf(plan, '    publicUrl  : "https://x"').split("\n");
  const cut = lines.find((line) => line.startsWith("├─ postgres"));
  expect([...(cut ?? "")].length).toBe(100);
  expect(cut?.endsWith("…")).toBe(true);
  expect(lines.every((line) => [...line].length <= 100)).toBe(true);
});
