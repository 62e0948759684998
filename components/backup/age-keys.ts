// age X25519 keys from 32 secret bytes, in age's own text form: the identity (private,
// `AGE-SECRET-KEY-1…`) and its recipient (public, `age1…`), both Bech32. Lets the program derive
// the restore-verification key from bytes @pulumi/random generates and keeps in the state, so
// no one has to create it by hand.
import { createPrivateKey, createPublicKey } from "node:crypto";
import { bech32 } from "bech32";

/** PKCS#8 DER prefix of a raw X25519 private key (RFC 8410). */
const x25519Pkcs8Prefix = Buffer.from("302e020100300506032b656e04220420", "hex");

export interface AgeKeyPair {
  /** The private key, as `age-keygen` writes it. */
  readonly identity: string;
  /** The public key, as `age-keygen -y` prints it. */
  readonly recipient: string;
}

export function ageKeyPairFromBytes(secret: Uint8Array): AgeKeyPair {
  if (secret.length !== 32) throw new Error(`an age key needs 32 bytes, got ${secret.length}`);
  const privateKey = createPrivateKey({
    key: Buffer.concat([x25519Pkcs8Prefix, secret]),
    format: "der",
    type: "pkcs8",
  });
  const spki = createPublicKey(privateKey).export({ format: "der", type: "spki" });
  const publicKey = spki.subarray(spki.length - 32);
  return {
    identity: bech32.encode("age-secret-key-", bech32.toWords(secret)).toUpperCase(),
    recipient: bech32.encode("age", bech32.toWords(publicKey)),
  };
}

/** The recipient of an identity as age writes it: what `age-keygen -y` does. */
export function ageRecipientOf(identity: string): string {
  const { prefix, words } = bech32.decode(identity.toLowerCase());
  if (prefix !== "age-secret-key-") throw new Error("not an age identity (AGE-SECRET-KEY-1…)");
  return ageKeyPairFromBytes(Uint8Array.from(bech32.fromWords(words))).recipient;
}
