// `prettier --check` on exactly the files git would track: `git ls-files --cached --others
// --exclude-standard`, so every .gitignore counts, nested ones included. A folder that holds its
// own `.gitignore` with `*` (such as the one `npm run preview -- --out DIR` writes) is then left
// alone wherever it is, which `prettier --check .` cannot do (it reads only the root .gitignore).
// .prettierignore still applies, and --ignore-unknown skips files prettier has no parser for.
// Outside a git work tree it falls back to `prettier --check .`. Exits with prettier's code.
import { spawnSync } from "node:child_process";
import { statSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const windows = process.platform === "win32";
const prettier = path.join(root, "node_modules", ".bin", windows ? "prettier.cmd" : "prettier");
/** Characters of file names per prettier run, well under any platform's command-line limit. */
const chunkChars = 30_000;

/** Runs prettier with `args`; returns its exit code (2, as prettier's own errors, if it cannot). */
/**
 * Prettier's cache (by content, under node_modules) skips the files it has seen formatted: a
 * second check takes a fraction of the first. A fresh clone (CI) checks everything.
 */
const cacheArgs = [
  "--cache",
  "--cache-strategy",
  "content",
  "--cache-location",
  path.join(root, "node_modules", ".cache", "toolboxai", "prettier"),
];

function runPrettier(args) {
  const result = spawnSync(prettier, args, { stdio: "inherit", shell: windows });
  if (result.error) {
    console.error(`check-format: cannot run ${prettier}: ${result.error.message}`);
    return 2;
  }
  return result.status ?? 2;
}

/** The files git would track, relative to the current folder; undefined outside a work tree. */
function gitFiles() {
  const listed = spawnSync(
    "git",
    ["ls-files", "-z", "--cached", "--others", "--exclude-standard"],
    {
      encoding: "utf8",
      maxBuffer: 256 * 1024 * 1024,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  if (listed.error || listed.status !== 0) return undefined;
  return (
    listed.stdout
      .split("\0")
      // Tracked files deleted from the work tree are still listed; submodules list a folder.
      .filter((file) => file !== "" && statSync(file, { throwIfNoEntry: false })?.isFile())
      // A name starting with "-" would read as an option.
      .map((file) => (file.startsWith("-") ? `./${file}` : file))
  );
}

function chunks(files) {
  const result = [];
  let current = [];
  let length = 0;
  for (const file of files) {
    if (current.length > 0 && length + file.length + 1 > chunkChars) {
      result.push(current);
      current = [];
      length = 0;
    }
    current.push(file);
    length += file.length + 1;
  }
  if (current.length > 0) result.push(current);
  return result;
}

const files = gitFiles();
if (files === undefined) {
  console.error("check-format: not in a git work tree; running prettier --check .");
  process.exit(runPrettier(["--check", ...cacheArgs, "."]));
}
let code = 0;
for (const chunk of chunks(files)) {
  code = Math.max(code, runPrettier(["--check", ...cacheArgs, "--ignore-unknown", ...chunk]));
}
process.exit(code);
