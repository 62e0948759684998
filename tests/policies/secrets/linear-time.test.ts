// The scanners run in linear time on their worst-case inputs.
import { execFile, type ChildProcess } from "node:child_process";
import * as path from "node:path";
import { projectRoot } from "../../../tools/project-root";

/**
 * Each input is one or two megabytes of the worst case of a pattern the scanner had or could
 * have: quadratic (or worse), one would take hours, linear they take well under a second. They
 * run in a child process so that jest's timeout can stop a scan that does not end (a scan in the
 * test's own thread would block the timer until it returned).
 */
describe("the scanners run in linear time", () => {
  const library = path.join(projectRoot, "policies", "lib");
  const script = `
    const scan = require(${JSON.stringify(path.join(library, "secret-scan.ts"))});
    const { configFileFindings } = require(${JSON.stringify(path.join(library, "config-secrets.ts"))});
    const mb = 1 << 20;
    const results = {
      "one run of scheme characters": scan.findSecretValue("a".repeat(2 * mb)) ?? null,
      "schemes without user-info, then one": scan.findSecretValue("a://".repeat(mb / 2) + "u:pw@h") ?? null,
      "@ after @ in one authority": [...scan.urlUserInfos("a://" + "@".repeat(mb))].length,
      "spaces inside an assigned value": scan.secretAssignmentKey("password = a" + " ".repeat(mb) + "b") ?? null,
      "unclosed references": "\${".repeat(mb).replace(scan.referencePattern, "").length,
      "short tokens": scan.findSecretValue("a ".repeat(mb)) ?? null,
      "hostname labels": scan.isHostname("a.".repeat(mb) + "!"),
      "image reference parts": scan.isImageReference("a.".repeat(mb) + "/"),
      "PEM header words": scan.findSecretValue("-----BEGIN " + "A ".repeat(mb)) ?? null,
      "JWT segments": scan.findSecretValue(".eyJaaaaaaa".repeat(mb / 11)) ?? null,
      "XML attributes without an end": scan.secretAssignmentKey("<password " + "a ".repeat(mb)) ?? null,
      "a file of short lines": configFileFindings("a = b\\n".repeat(mb / 3)).length,
      "nested JSON": configFileFindings("[".repeat(mb)).length,
      "high-entropy megabytes": scan.shannonEntropy("ab".repeat(mb)),
      // Millions of repetitions of a group overflow V8's backtracking stack (a RangeError).
      "PEM header of 8 million words": scan.findSecretValue("-----BEGIN " + "A ".repeat(8 * mb)) ?? null,
      "hostname of 8 million labels": scan.isHostname("a.".repeat(8 * mb) + "a"),
      "a hostname-shaped high-entropy token": scan.findSecretValue("abcdefghijklmnop.".repeat(mb))?.kind ?? null,
    };
    process.stdout.write(JSON.stringify(results));
  `;
  let child: ChildProcess | undefined;
  afterAll(() => child?.kill());

  test("a megabyte of each pattern's worst case is scanned, with the expected results", async () => {
    const output = await new Promise<string>((resolve, reject) => {
      child = execFile(
        process.execPath,
        ["--import", "tsx", "-e", script],
        { cwd: projectRoot, maxBuffer: 1 << 20 },
        (error, stdout) => (error ? reject(error) : resolve(stdout)),
      );
    });
    expect(JSON.parse(output)).toEqual({
      "one run of scheme characters": null,
      "schemes without user-info, then one": {
        kind: "a URL with an embedded password",
        match: "a://u:pw@",
      },
      "@ after @ in one authority": 1,
      "spaces inside an assigned value": "password",
      "unclosed references": 2 * (1 << 20),
      "short tokens": null,
      "hostname labels": false,
      "image reference parts": false,
      "PEM header words": null,
      "JWT segments": null,
      "XML attributes without an end": null,
      "a file of short lines": 0,
      "nested JSON": 0,
      "high-entropy megabytes": 1,
      "PEM header of 8 million words": null,
      "hostname of 8 million labels": false,
      "a hostname-shaped high-entropy token": "a high-entropy string",
    });
  });
});
