// A digest of secret material for labels and annotations that roll a workload when its files
// change: it changes when they change and reveals nothing without the stack's checksum key
// (HMAC-SHA256 keyed by a generated stack secret, which lives only in the encrypted state).
import { createHmac } from "node:crypto";

/** The digest of one workload's secret material, keyed: the same material elsewhere differs. */
export function secretChecksum(key: string, workload: string, material: string): string {
  return createHmac("sha256", key).update(`${workload}\0${material}`).digest("hex");
}
