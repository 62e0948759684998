// A digest of secret material for labels and annotations that roll a workload when its files
// change: it changes when they change and reveals nothing (scrypt, salted per workload).
import { scrypt } from "node:crypto";

/**
 * A slow, salted digest of secret material: changes when it changes, reveals nothing. Async, so
 * the workloads' digests are computed in parallel on libuv's thread pool.
 */
export function secretChecksum(workload: string, material: string): Promise<string> {
  return new Promise((resolve, reject) =>
    scrypt(material, `toolboxai-secret-checksum:${workload}`, 32, (error, key) =>
      error ? reject(error) : resolve(key.toString("hex")),
    ),
  );
}
