// IP addresses and CIDR ranges as NetworkPolicies, Endpoints and Services write them, tested with
// Node's own BlockList (which also reads IPv4-mapped IPv6 addresses as the IPv4 ones).
import { BlockList, isIP } from "node:net";

export interface Cidr {
  /** As written, for messages. */
  readonly text: string;
  readonly address: string;
  readonly prefix: number;
  readonly family: "ipv4" | "ipv6";
}

function familyOf(address: string): "ipv4" | "ipv6" | undefined {
  const version = isIP(address);
  return version === 4 ? "ipv4" : version === 6 ? "ipv6" : undefined;
}

/** `10.0.0.0/8` or `fd00::/8`; undefined for anything else (no prefix, a bad address or prefix). */
export function parseCidr(text: unknown): Cidr | undefined {
  if (typeof text !== "string") return undefined;
  const match = /^([^/\s]+)\/(\d{1,3})$/.exec(text);
  if (!match) return undefined;
  const address = match[1]!;
  const prefix = Number(match[2]);
  const family = familyOf(address);
  if (family === undefined || prefix > (family === "ipv4" ? 32 : 128)) return undefined;
  return { text, address, prefix, family };
}

/** A set of ranges that can be asked whether it holds an address. */
export class AddressRanges {
  private readonly list = new BlockList();

  constructor(ranges: readonly Cidr[]) {
    for (const range of ranges) this.list.addSubnet(range.address, range.prefix, range.family);
  }

  /** Does a range hold this address? False for anything that is not an IP address. */
  holds(address: string): boolean {
    const family = familyOf(address);
    return family !== undefined && this.list.check(address, family);
  }
}

/** Is the address of the CIDR's family and inside it? */
export function cidrHolds(cidr: Cidr, address: string): boolean {
  return familyOf(address) === cidr.family && new AddressRanges([cidr]).holds(address);
}

/** Is this text an IP address (v4 or v6)? */
export function isAddress(text: unknown): boolean {
  return typeof text === "string" && familyOf(text) !== undefined;
}
