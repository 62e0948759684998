// scripts/oci-archive.py: the image set's root filesystems as OCI archives for the test node's
// containerd. The archive's digests must hold (containerd verifies each blob it imports), the
// settings must be the image's, and a line it does not understand must stop it, naming the line.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { projectRoot } from "../tools/project-root";

const script = path.join(projectRoot, "scripts", "oci-archive.py");
let work: string;

beforeEach(() => {
  work = mkdtempSync(path.join(tmpdir(), "oci-archive-"));
  mkdirSync(path.join(work, "root", "bin"), { recursive: true });
  writeFileSync(path.join(work, "root", "bin", "hello"), "#!/bin/sh\necho hello\n");
  spawnSync("tar", ["-C", path.join(work, "root"), "-cf", path.join(work, "rootfs.tar"), "."]);
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

function archive(changes: string) {
  writeFileSync(path.join(work, "changes"), changes);
  return spawnSync(
    "python3",
    [
      script,
      "toolboxai.local/hello:1",
      path.join(work, "rootfs.tar"),
      path.join(work, "changes"),
      path.join(work, "out.tar"),
    ],
    { encoding: "utf8" },
  );
}

/** The archive's files, unpacked, by name. */
function unpacked(): (name: string) => Buffer {
  const into = path.join(work, "unpacked");
  mkdirSync(into);
  spawnSync("tar", ["-C", into, "-xf", path.join(work, "out.tar")]);
  return (name) => readFileSync(path.join(into, name));
}

const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");

test("an OCI layout: named for containerd, every blob under its own digest, the settings kept", () => {
  const run = archive(
    [
      'ENTRYPOINT ["/bin/hello"]',
      'CMD ["--loud"]',
      "USER 10001:10001",
      "WORKDIR /tmp",
      "ENV PATH=/bin",
      "ENV LANG=C.UTF-8",
      "EXPOSE 8080",
      "STOPSIGNAL SIGQUIT",
    ].join("\n"),
  );
  expect(run.stderr).toBe("");
  expect(run.status).toBe(0);
  const file = unpacked();
  const index = JSON.parse(file("index.json").toString());
  expect(index.manifests[0].annotations).toEqual({
    "io.containerd.image.name": "toolboxai.local/hello:1",
  });
  const manifestDigest = index.manifests[0].digest.replace("sha256:", "");
  const manifestBytes = file(`blobs/sha256/${manifestDigest}`);
  expect(sha256(manifestBytes)).toBe(manifestDigest);
  const manifest = JSON.parse(manifestBytes.toString());
  const layer = readFileSync(path.join(work, "rootfs.tar"));
  expect(manifest.layers).toEqual([
    {
      mediaType: "application/vnd.oci.image.layer.v1.tar",
      digest: `sha256:${sha256(layer)}`,
      size: layer.length,
    },
  ]);
  expect(file(`blobs/sha256/${sha256(layer)}`).equals(layer)).toBe(true);
  const configBytes = file(`blobs/sha256/${manifest.config.digest.replace("sha256:", "")}`);
  expect(`sha256:${sha256(configBytes)}`).toBe(manifest.config.digest);
  const config = JSON.parse(configBytes.toString());
  expect(config.rootfs).toEqual({ type: "layers", diff_ids: [`sha256:${sha256(layer)}`] });
  expect(config.config).toEqual({
    Entrypoint: ["/bin/hello"],
    Cmd: ["--loud"],
    User: "10001:10001",
    WorkingDir: "/tmp",
    Env: ["PATH=/bin", "LANG=C.UTF-8"],
    ExposedPorts: { "8080/tcp": {} },
    StopSignal: "SIGQUIT",
  });
});

test("`ENTRYPOINT []` clears the entrypoint, as Docker's builder does", () => {
  expect(archive('ENTRYPOINT []\nCMD ["sh"]\n').status).toBe(0);
  const file = unpacked();
  const index = JSON.parse(file("index.json").toString());
  const manifest = JSON.parse(
    file(`blobs/sha256/${index.manifests[0].digest.replace("sha256:", "")}`).toString(),
  );
  const config = JSON.parse(
    file(`blobs/sha256/${manifest.config.digest.replace("sha256:", "")}`).toString(),
  );
  expect(config.config).toEqual({ Cmd: ["sh"] });
});

test.each([
  ["HEALTHCHECK CMD true", /changes:1: HEALTHCHECK is not one of ENTRYPOINT CMD ENV USER/],
  ["CMD sh -c true", /changes:1: CMD must be a JSON array, got 'sh -c true'/],
  ["USER 1\nENV NOVALUE", /changes:2: ENV must be NAME=VALUE, got 'NOVALUE'/],
])("%j is refused, naming the line, and no archive is written", (changes, message) => {
  const run = archive(changes);
  expect(run.status).toBe(2);
  expect(run.stderr).toMatch(message);
  expect(existsSync(path.join(work, "out.tar"))).toBe(false);
});
