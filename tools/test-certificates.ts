// A test CA and a server certificate it signs for one IP address, made with openssl: what an
// S3-compatible stand-in (moto) serves HTTPS with, trusted only by whoever is given the CA's file.
import { execFileSync } from "node:child_process";
import * as path from "node:path";

export interface TestCertificates {
  /** The CA's certificate (PEM), to trust. */
  readonly caFile: string;
  /** The server's certificate and key, for `ipAddress`. */
  readonly certFile: string;
  readonly keyFile: string;
}

/** Writes `ca.*` and `server.*` into `dir` (an existing private folder). */
export function testCertificates(dir: string, ipAddress: string): TestCertificates {
  const file = (name: string) => path.join(dir, name);
  // A P-256 key and a certificate for it, valid a day: self-signed, or signed by the CA.
  const certificate = (name: string, subject: string, ...args: string[]) =>
    execFileSync(
      "openssl",
      [
        ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"],
        ...["-nodes", "-days", "1", "-subj", subject],
        ...["-keyout", file(`${name}.key`), "-out", file(`${name}.crt`), ...args],
      ],
      { stdio: "pipe" },
    );
  certificate("ca", "/CN=ToolboxAI test CA");
  certificate(
    "server",
    `/CN=${ipAddress}`,
    ...["-CA", file("ca.crt"), "-CAkey", file("ca.key")],
    ...["-addext", `subjectAltName=IP:${ipAddress}`],
    ...["-addext", "basicConstraints=critical,CA:FALSE"],
  );
  return { caFile: file("ca.crt"), certFile: file("server.crt"), keyFile: file("server.key") };
}
