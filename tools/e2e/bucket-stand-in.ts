// A stand-in for an S3-compatible bucket outside the cluster: moto (scripts/install-backup-test-tools.sh)
// on HTTPS, at a public address of no cluster range that only the node's network namespace has (on
// its loopback, as the flow test's outside listener), with a certificate signed by a test CA made
// here. The node's copy of a stack file points `backup.storage` at it, with the CA as
// `caCertificates`, as a MinIO user with a private CA sets it: the backup jobs reach it through their
// declared egress to the internet, and the restore runbook fetches from it in the namespace.
import { type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { motoServerPath } from "../moto";
import { testCertificates } from "../test-certificates";
import { watchOutput, type ControlPlane } from "./control-plane";

/** The stand-in's address: TEST-NET-2 (RFC 5737), routed nowhere; port 443, as the jobs' egress allows. */
export const bucketAddress = "198.51.100.20";
export const bucketEndpoint = `https://${bucketAddress}`;

export interface BucketStandIn {
  readonly endpoint: string;
  /** The test CA's certificate (PEM): what `backup.storage.caCertificates` holds. */
  readonly caCertificates: string;
  /** The CA's file, for a client in the node's namespace (`BACKUP_S3_CA_FILE`, `curl --cacert`). */
  readonly caFile: string;
  /** Creates `bucket` (moto checks no signature). */
  createBucket(bucket: string): void;
  /** The keys under `prefix` in `bucket`, sorted. */
  keys(bucket: string, prefix: string): string[];
  stop(): void;
}

/** Starts the stand-in in the node's namespace; its files under `dir`. */
export async function startBucketStandIn(
  controlPlane: ControlPlane,
  dir: string,
): Promise<BucketStandIn> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const { caFile, certFile, keyFile } = testCertificates(dir, bucketAddress);
  const inNode = (command: readonly string[]) => {
    const result = controlPlane.inNode(command);
    if (result.code !== 0) throw new Error(`${command.join(" ")}:\n${result.output}`);
    return result.output;
  };
  inNode(["ip", "addr", "add", `${bucketAddress}/32`, "dev", "lo"]);
  let server: ChildProcessWithoutNullStreams | undefined;
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    if (server?.pid && server.exitCode === null) process.kill(-server.pid, "SIGTERM");
    controlPlane.inNode(["ip", "addr", "del", `${bucketAddress}/32`, "dev", "lo"]);
  };
  try {
    server = controlPlane.spawnInNode([
      motoServerPath(),
      "-H",
      bucketAddress,
      "-p",
      "443",
      "-c",
      certFile,
      "-k",
      keyFile,
    ]);
    // Ready when it answers over HTTPS with the test CA (below), not when it says so.
    const watched = watchOutput(server, "Running on", "the bucket stand-in (moto)");
    /** curl in the node's namespace, trusting the test CA: its result. */
    const curl = (...args: string[]) =>
      controlPlane.inNode([
        "curl",
        "--silent",
        "--show-error",
        "--fail",
        "--cacert",
        caFile,
        ...args,
      ]);
    const curlOrThrow = (...args: string[]) => {
      const result = curl(...args);
      if (result.code !== 0) throw new Error(`curl ${args.join(" ")}:\n${result.output}`);
      return result.output;
    };
    for (let attempt = 0; curl(`${bucketEndpoint}/`).code !== 0; attempt++) {
      if (server.exitCode !== null || attempt > 250) {
        throw new Error(
          `the bucket stand-in (moto) did not answer on ${bucketEndpoint}:\n${watched.output()}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    return {
      endpoint: bucketEndpoint,
      caCertificates: readFileSync(caFile, "utf8"),
      caFile,
      createBucket: (bucket) => void curlOrThrow("-X", "PUT", `${bucketEndpoint}/${bucket}`),
      keys: (bucket, prefix) => {
        const query = `list-type=2&prefix=${encodeURIComponent(prefix)}`;
        const listing = curlOrThrow(`${bucketEndpoint}/${bucket}?${query}`);
        return [...listing.matchAll(/<Key>([^<]+)<\/Key>/g)].map(([, key]) => key).sort();
      },
      stop,
    };
  } catch (error) {
    stop();
    throw error;
  }
}
