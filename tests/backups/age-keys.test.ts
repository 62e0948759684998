// The restore check's key pair, derived by the program from random bytes (components/backup/
// age-keys.ts), works with the real age: what is encrypted to the recipient decrypts with the
// identity, and not with another.
import { randomBytes } from "node:crypto";
import * as path from "node:path";
import { ageKeyPairFromBytes } from "../../components/backup/age-keys";
import { privateDir, runUnprivileged, writeOwnedFile } from "./servers";

test("age encrypts to the derived recipient and decrypts with the derived identity", () => {
  const dir = privateDir("toolboxai-age-");
  const pair = ageKeyPairFromBytes(randomBytes(32));
  const other = ageKeyPairFromBytes(randomBytes(32));
  writeOwnedFile(path.join(dir, "identity"), `${pair.identity}\n`);
  writeOwnedFile(path.join(dir, "other"), `${other.identity}\n`);
  writeOwnedFile(path.join(dir, "plain"), "restore-check round trip");
  const encrypted = path.join(dir, "plain.age");
  expect(
    runUnprivileged("age", [
      "--encrypt",
      "-r",
      pair.recipient,
      "-o",
      encrypted,
      path.join(dir, "plain"),
    ]),
  ).toMatchObject({ status: 0 });
  expect(
    runUnprivileged("age", ["--decrypt", "-i", path.join(dir, "identity"), encrypted]),
  ).toMatchObject({
    status: 0,
    stdout: "restore-check round trip",
  });
  expect(
    runUnprivileged("age", ["--decrypt", "-i", path.join(dir, "other"), encrypted]).status,
  ).not.toBe(0);
  // age-keygen derives the same recipient from the identity.
  expect(runUnprivileged("age-keygen", ["-y", path.join(dir, "identity")]).stdout.trim()).toBe(
    pair.recipient,
  );
});
