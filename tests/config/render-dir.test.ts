// renderDir: the path the schema accepts, and what the folder may hold on disk.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { nodeDisk, renderDirProblems } from "../../components/config/disk";
import { validateConfig } from "../../components/config/validate";
import { messageOf, oneProblem, productionWith } from "./support";

describe("renderDir", () => {
  const renderDirMessage = (renderDir: string) => messageOf(productionWith({ set: { renderDir } }));
  const ownFolder = "name a folder of the render's own, such as /tmp/toolboxai-render";

  test("the root, a top-level folder or a system folder is refused, also when written with ..", () => {
    expect(renderDirMessage("/")).toBe(
      oneProblem(
        'toolboxai:renderDir = "/": is the root or a top-level folder, shared by everything on ' +
          `the machine: ${ownFolder}`,
      ),
    );
    expect(renderDirMessage("/tmp")).toBe(
      oneProblem(
        'toolboxai:renderDir = "/tmp": is the root or a top-level folder, shared by everything ' +
          `on the machine: ${ownFolder}`,
      ),
    );
    expect(renderDirMessage("/etc/../etc")).toBe(
      oneProblem(
        'toolboxai:renderDir = "/etc/../etc": is the operating system\'s folder /etc or inside ' +
          `it: ${ownFolder}`,
      ),
    );
    expect(renderDirMessage("/usr/local/render")).toBe(
      oneProblem(
        'toolboxai:renderDir = "/usr/local/render": is the operating system\'s folder /usr or ' +
          `inside it: ${ownFolder}`,
      ),
    );
  });

  test("a path that is not normalised or holds other characters is refused", () => {
    const allowed =
      "must be a normalised absolute path of letters, digits, '.', '_', '-' and '/' (no '..', " +
      "'//' or trailing '/'), such as /tmp/toolboxai-render";
    for (const renderDir of ["/tmp/a b;$(id)", "/tmp/render/", "/tmp/./render", "/tmp//render"]) {
      expect(renderDirMessage(renderDir)).toBe(
        oneProblem(`toolboxai:renderDir = ${JSON.stringify(renderDir)}: ${allowed}`),
      );
    }
    expect(renderDirMessage("/tmp/x/../../etc/passwd")).toBe(
      oneProblem(
        'toolboxai:renderDir = "/tmp/x/../../etc/passwd": is the operating system\'s folder ' +
          `/etc or inside it: ${ownFolder}`,
      ),
    );
  });

  test("empty or an absolute path; a relative one is refused", () => {
    expect(validateConfig(productionWith({ set: { renderDir: "/tmp/render" } })).renderDir).toBe(
      "/tmp/render",
    );
    expect(messageOf(productionWith({ set: { renderDir: "out/render" } }))).toBe(
      oneProblem(
        'toolboxai:renderDir = "out/render": must be empty (deploy to the cluster) or an absolute ' +
          "folder path, where the provider then writes the manifests instead of applying them",
      ),
    );
  });
});

describe("renderDir on disk", () => {
  let scratch: string;
  beforeEach(() => (scratch = mkdtempSync(path.join(tmpdir(), "toolboxai-renderdir-"))));
  afterEach(() => rmSync(scratch, { recursive: true, force: true }));
  const problemsOf = (renderDir: string) => renderDirProblems({ renderDir }, nodeDisk);
  const problem = (renderDir: string, message: string) => [
    { key: "toolboxai:renderDir", shownValue: JSON.stringify(renderDir), message },
  ];

  test("a missing folder, an empty one, or one holding only the provider's folders is accepted", () => {
    const render = path.join(scratch, "render");
    expect(problemsOf(render)).toEqual([]);
    mkdirSync(render);
    expect(problemsOf(render)).toEqual([]);
    mkdirSync(path.join(render, "0-crd"));
    mkdirSync(path.join(render, "1-manifest"));
    expect(problemsOf(render)).toEqual([]);
    expect(problemsOf("")).toEqual([]);
  });

  test("a folder holding anything else is refused, naming what it holds", () => {
    const render = path.join(scratch, "render");
    mkdirSync(path.join(render, "1-manifest"), { recursive: true });
    writeFileSync(path.join(render, "important.txt"), "precious");
    writeFileSync(path.join(render, "0-crd"), "a file, not the provider's folder");
    expect(problemsOf(render)).toEqual(
      problem(
        render,
        "holds 0-crd, important.txt, which no render wrote: the folder must be missing, empty, " +
          "or hold only 0-crd/ and 1-manifest/ from an earlier render; name another folder or " +
          "empty this one",
      ),
    );
  });

  test("a file is not a folder", () => {
    const file = path.join(scratch, "file");
    writeFileSync(file, "");
    expect(problemsOf(file)).toEqual(problem(file, `is not a folder (${file})`));
  });

  test("a link into a system folder is followed and refused, also below a missing folder", () => {
    symlinkSync("/etc", path.join(scratch, "link"));
    const ownFolder = "name a folder of the render's own, such as /tmp/toolboxai-render";
    expect(problemsOf(path.join(scratch, "link"))).toEqual(
      problem(
        path.join(scratch, "link"),
        `resolves to /etc, which is the operating system's folder /etc or inside it: ${ownFolder}`,
      ),
    );
    expect(problemsOf(path.join(scratch, "link", "new", "render"))).toEqual(
      problem(
        path.join(scratch, "link", "new", "render"),
        "resolves to /etc/new/render, which is the operating system's folder /etc or inside it: " +
          ownFolder,
      ),
    );
  });

  test("a provider folder that is a link is not the provider's", () => {
    const render = path.join(scratch, "render");
    mkdirSync(render);
    mkdirSync(path.join(scratch, "victim"));
    symlinkSync(path.join(scratch, "victim"), path.join(render, "1-manifest"));
    expect(problemsOf(render)[0].message).toMatch(/^holds 1-manifest, which no render wrote/);
  });
});
