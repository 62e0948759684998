// The key of the checksums that roll workloads when their secret files change
// (model/checksum.ts): generated once per stack, kept only in its encrypted state. Losing or
// replacing it changes every checksum once, which restarts the workloads once, nothing more.
import type * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";

export function checksumKey(): pulumi.Output<string> {
  return new random.RandomBytes("secret-checksum-key", { length: 32 }).base64;
}
