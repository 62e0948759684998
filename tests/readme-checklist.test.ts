// The README's checklist is the one the program refuses example values with.
import { readFileSync } from "node:fs";
import { checklistMarkdown, deployChecklist } from "../components/config/examples";
import { readmeFile } from "../tools/readme-excerpt";
import { withChecklist } from "../tools/readme-checklist";

test("the README's checklist is the program's (run `npm run docs` after a change)", () => {
  const readme = readFileSync(readmeFile, "utf8");
  expect(readme).toBe(withChecklist(readme, checklistMarkdown()));
  // Every item's keys and commands are there, in order.
  const section = readme.slice(
    readme.indexOf("<!-- checklist:"),
    readme.indexOf("<!-- end of the checklist"),
  );
  for (const [index, item] of deployChecklist.entries()) {
    expect(section).toContain(`${index + 1}. \`${item.keys[0]}\``);
    for (const command of item.commands) expect(section.replace(/\n\s+/g, " ")).toContain(command);
  }
});

test("a README without the markers is refused, naming them", () => {
  expect(() => withChecklist("# no markers", "1. x")).toThrow("README.md has no");
  const readme =
    "a\n<!-- checklist: written by `npm run docs` from components/config/examples.ts -->\nold\n<!-- end of the checklist -->\nb";
  expect(withChecklist(readme, "1. new")).toBe(
    "a\n<!-- checklist: written by `npm run docs` from components/config/examples.ts -->\n\n1. new\n\n<!-- end of the checklist -->\nb",
  );
});
