// `npm run preview -- --out DIR`: never delete or overwrite what the command did not write. The
// production program runs once for this file (support.ts).
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import * as path from "node:path";
import type { ProgramRun } from "../../tools/engine/mock-engine";
import {
  isKubernetesObject,
  manifestFileName,
  manifestOf,
  outputMarkerFile,
  outputMarkerLine,
} from "../../tools/engine/render";
import { preview, productionRun, tempDir } from "./support";

let run: ProgramRun;
beforeAll(async () => {
  run = await productionRun();
});

/** Every file under `dir`, relative, sorted. */
function listing(dir: string): string[] {
  return (readdirSync(dir, { recursive: true, withFileTypes: true }) as import("node:fs").Dirent[])
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
    .sort();
}

/** The production run without its Ingress, and the Ingress's manifest path in the output. */
function withoutIngress(): { run: ProgramRun; ingressFile: string } {
  const ingress = run.resources.find(
    (resource) => isKubernetesObject(resource) && resource.inputs.kind === "Ingress",
  );
  if (!ingress) throw new Error("production renders no Ingress");
  return {
    run: { ...run, resources: run.resources.filter((resource) => resource !== ingress) },
    ingressFile: path.join("kubernetes", manifestFileName(manifestOf(ingress))),
  };
}

describe("--out DIR", () => {
  test("creates a missing folder, relative to the working folder, marked and ignored by git", async () => {
    const cwd = tempDir();
    const result = await preview(["--stack", "production", "--out", "rendered/production"], {
      cwd,
    });
    expect(result.code).toBe(0);
    const outDir = path.join(cwd, "rendered", "production");
    const manifests = run.resources.filter(isKubernetesObject).length;
    expect(result.stdout).toContain(
      `Wrote ${manifests} manifests to rendered/production/kubernetes and resources.json`,
    );
    const marker = readFileSync(path.join(outDir, outputMarkerFile), "utf8").split("\n");
    expect(marker[0]).toBe(outputMarkerLine);
    expect(marker[0]).toBe(
      "# Written by `npm run preview -- --out` (tools/preview.ts): rendered output, not source.",
    );
    expect(marker).toContain("*");
    const written = listing(outDir);
    expect(written).toHaveLength(manifests + 2);
    expect(written).toContain("resources.json");
    // The marker lists every file it wrote, the ones the next render deletes.
    for (const file of written.filter((name) => name !== outputMarkerFile)) {
      expect(marker).toContain(`# ${file}`);
    }
  });

  test("writes into an empty folder", async () => {
    const outDir = tempDir();
    const result = await preview(["--stack", "production", "--out", outDir]);
    expect(result.code).toBe(0);
    expect(listing(outDir)).toContain("resources.json");
  });

  test("the same plan registered in another order writes the same bytes", async () => {
    const first = tempDir();
    const second = tempDir();
    expect((await preview(["--stack", "production", "--out", first])).code).toBe(0);
    const reversed: ProgramRun = { ...run, resources: [...run.resources].reverse() };
    const again = await preview(["--stack", "production", "--out", second], {
      programRun: async () => reversed,
    });
    expect(again.code).toBe(0);
    const read = (dir: string, file: string) => readFileSync(path.join(dir, file), "utf8");
    for (const file of [outputMarkerFile, "resources.json"]) {
      expect(read(second, file)).toBe(read(first, file));
    }
  });

  test("rendering again into its own folder deletes only the files it wrote", async () => {
    const outDir = tempDir();
    expect((await preview(["--stack", "production", "--out", outDir])).code).toBe(0);
    writeFileSync(path.join(outDir, "notes.md"), "mine\n");
    writeFileSync(path.join(outDir, "kubernetes", "my-patch.yaml"), "mine: true\n");

    // The next render has no Ingress: its stale manifest goes, the user's files stay.
    const { run: smaller, ingressFile } = withoutIngress();
    expect(existsSync(path.join(outDir, ingressFile))).toBe(true);
    const again = await preview(["--stack", "production", "--out", outDir], {
      programRun: async () => smaller,
    });
    expect(again.code).toBe(0);
    expect(existsSync(path.join(outDir, ingressFile))).toBe(false);
    expect(readFileSync(path.join(outDir, "notes.md"), "utf8")).toBe("mine\n");
    expect(readFileSync(path.join(outDir, "kubernetes", "my-patch.yaml"), "utf8")).toBe(
      "mine: true\n",
    );
    expect(readFileSync(path.join(outDir, outputMarkerFile), "utf8")).not.toContain(ingressFile);
  });

  test("a folder that is neither empty nor its own is refused: exit 2, nothing written", async () => {
    const cwd = tempDir();
    mkdirSync(path.join(cwd, "kubernetes"));
    writeFileSync(path.join(cwd, "kubernetes", "deployment.yaml"), "kind: Deployment\n");
    writeFileSync(path.join(cwd, ".gitignore"), "node_modules/\n");
    const before = listing(cwd);

    const result = await preview(["--stack", "production", "--out", "."], { cwd });
    expect(result).toEqual({
      code: 2,
      stdout: "",
      stderr:
        `--out .: ${cwd} is not empty and no earlier render wrote it (it has no .gitignore ` +
        "saying so), so nothing was written. The render writes only into a missing or empty " +
        "folder, or one it wrote before: name another folder, such as out/production, or " +
        "empty this one.\n",
      runs: 0,
    });
    expect(listing(cwd)).toEqual(before);
    expect(readFileSync(path.join(cwd, "kubernetes", "deployment.yaml"), "utf8")).toBe(
      "kind: Deployment\n",
    );
  });

  test("a file is refused with a message, not a stack trace", async () => {
    const cwd = tempDir();
    writeFileSync(path.join(cwd, "README.md"), "# mine\n");
    const result = await preview(["--stack", "production", "--out", "README.md"], { cwd });
    expect(result).toEqual({
      code: 2,
      stdout: "",
      stderr:
        `--out README.md: ${path.join(cwd, "README.md")} is a file, not a folder. Name a ` +
        "folder for the render (it is created if missing), such as out/production.\n",
      runs: 0,
    });
    expect(readFileSync(path.join(cwd, "README.md"), "utf8")).toBe("# mine\n");
  });

  test("in its own folder, a file it did not write where it would write one is refused", async () => {
    const outDir = tempDir();
    const { run: smaller, ingressFile } = withoutIngress();
    await preview(["--stack", "production", "--out", outDir], { programRun: async () => smaller });
    writeFileSync(path.join(outDir, ingressFile), "my own ingress\n");
    const before = listing(outDir);
    const marker = readFileSync(path.join(outDir, outputMarkerFile), "utf8");

    const result = await preview(["--stack", "production", "--out", outDir]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `--out ${outDir}: ${outDir} was written by an earlier render, but not ${ingressFile}, ` +
        "which this render would overwrite, so nothing was written. Move it out of the folder " +
        "first.\n",
    );
    expect(readFileSync(path.join(outDir, ingressFile), "utf8")).toBe("my own ingress\n");
    expect(listing(outDir)).toEqual(before);
    expect(readFileSync(path.join(outDir, outputMarkerFile), "utf8")).toBe(marker);
  });

  describe("a link in its folder is never followed", () => {
    /** A marked output folder (an earlier render's) and, beside it, a folder of someone else's. */
    const markedFolderAndVictim = async () => {
      const parent = tempDir();
      const outDir = path.join(parent, "out");
      const victim = path.join(parent, "victim");
      mkdirSync(victim);
      writeFileSync(path.join(victim, "important.txt"), "precious\n");
      expect((await preview(["--stack", "production", "--out", outDir])).code).toBe(0);
      return { outDir, victim };
    };
    const refusal = (what: string, outDir: string) =>
      `--out ${outDir}: ${what}: the render writes and deletes only inside ${outDir}, never ` +
      "through a link, so nothing was written. Remove it, or name another folder.\n";

    test("kubernetes/ linked to another folder, the marker listing a file there: exit 2, nothing touched (F7)", async () => {
      const { outDir, victim } = await markedFolderAndVictim();
      rmSync(path.join(outDir, "kubernetes"), { recursive: true });
      symlinkSync(victim, path.join(outDir, "kubernetes"));
      const markerPath = path.join(outDir, outputMarkerFile);
      writeFileSync(markerPath, `${readFileSync(markerPath, "utf8")}# kubernetes/important.txt\n`);
      const before = readFileSync(markerPath, "utf8");

      const result = await preview(["--stack", "production", "--out", outDir]);
      expect(result).toEqual({
        code: 2,
        stdout: "",
        stderr: refusal(
          `${path.join(outDir, "kubernetes")} is a link (to ${victim}), not a folder`,
          outDir,
        ),
        runs: 0,
      });
      expect(listing(victim)).toEqual(["important.txt"]);
      expect(readFileSync(path.join(victim, "important.txt"), "utf8")).toBe("precious\n");
      expect(readFileSync(markerPath, "utf8")).toBe(before);
    });

    test("a listed file under a linked folder is not deleted", async () => {
      const { outDir, victim } = await markedFolderAndVictim();
      symlinkSync(victim, path.join(outDir, "elsewhere"));
      const markerPath = path.join(outDir, outputMarkerFile);
      writeFileSync(markerPath, `${readFileSync(markerPath, "utf8")}# elsewhere/important.txt\n`);

      const result = await preview(["--stack", "production", "--out", outDir]);
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(
        refusal(`${path.join(outDir, "elsewhere")} is a link (to ${victim}), not a folder`, outDir),
      );
      expect(listing(victim)).toEqual(["important.txt"]);
    });

    test("a marker that is a link is not written through", async () => {
      const { outDir, victim } = await markedFolderAndVictim();
      const markerPath = path.join(outDir, outputMarkerFile);
      const elsewhere = path.join(victim, "marker-copy");
      writeFileSync(elsewhere, readFileSync(markerPath, "utf8"));
      rmSync(markerPath);
      symlinkSync(elsewhere, markerPath);

      const result = await preview(["--stack", "production", "--out", outDir]);
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(
        `--out ${outDir}: ${markerPath} is a link, not the render's own file, so nothing was ` +
          "written. Remove it, or name another folder.\n",
      );
      expect(readFileSync(elsewhere, "utf8")).toMatch(/^# Written by/);
      expect(listing(victim)).toEqual(["important.txt", "marker-copy"]);
    });

    test("kubernetes/ that is a file is refused before anything is deleted", async () => {
      const { outDir } = await markedFolderAndVictim();
      rmSync(path.join(outDir, "kubernetes"), { recursive: true });
      writeFileSync(path.join(outDir, "kubernetes"), "not a folder\n");
      const result = await preview(["--stack", "production", "--out", outDir]);
      expect(result.stderr).toBe(
        refusal(`${path.join(outDir, "kubernetes")} is a file, not a folder`, outDir),
      );
      expect(listing(outDir)).toEqual([".gitignore", "kubernetes", "resources.json"]);
    });
  });

  test("an edited marker cannot make it delete anything outside its folder", async () => {
    const parent = tempDir();
    const outDir = path.join(parent, "rendered");
    writeFileSync(path.join(parent, "victim.txt"), "keep\n");
    expect((await preview(["--stack", "production", "--out", outDir])).code).toBe(0);
    const markerPath = path.join(outDir, outputMarkerFile);
    writeFileSync(
      markerPath,
      `${readFileSync(markerPath, "utf8")}# ../victim.txt\n# ${path.join(parent, "victim.txt")}\n`,
    );
    expect((await preview(["--stack", "production", "--out", outDir])).code).toBe(0);
    expect(readFileSync(path.join(parent, "victim.txt"), "utf8")).toBe("keep\n");
  });
});
