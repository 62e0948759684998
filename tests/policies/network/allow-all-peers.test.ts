// Allow-all peers: netpol-no-allow-all-peers.
import { netpolNoAllowAllPeers } from "../../../policies/network/allow-all-peers";
import { messagesOf } from "../support";
import { nearMetadataObjects, networkPolicy, stack, zone } from "../fixtures/network";

/* eslint-disable @typescript-eslint/no-explicit-any -- fixtures are untyped JSON */

describe("netpol-no-allow-all-peers", () => {
  const policyWith = (spec: any) =>
    networkPolicy("wide", { podSelector: { matchLabels: { app: "x" } }, ...spec });
  const name = "name the peers it needs";

  test("named peers pass, and empty rule lists admit nothing", async () => {
    const objects = [
      ...stack(),
      ...nearMetadataObjects(),
      policyWith({ policyTypes: ["Ingress", "Egress"], ingress: [], egress: [] }),
      policyWith({
        ingress: [
          { from: [{ podSelector: {} }] },
          { from: [{ namespaceSelector: {}, podSelector: { matchLabels: zone("monitoring") } }] },
        ],
      }),
    ];
    expect(await messagesOf(netpolNoAllowAllPeers, objects)).toEqual([]);
  });

  test("a rule without from or to admits everything and is reported", async () => {
    const policy = policyWith({
      ingress: [{ ports: [{ port: 80 }] }, { from: [] }],
      egress: [{ to: null, ports: [{ port: 443 }] }, { to: "everyone" }],
    });
    const where = "NetworkPolicy toolboxai/wide: spec";
    expect(await messagesOf(netpolNoAllowAllPeers, [policy])).toEqual([
      `${where}.ingress[0]: a rule has no from, so it admits every source; list the peers it needs`,
      `${where}.ingress[1]: a rule has no from, so it admits every source; list the peers it needs`,
      `${where}.egress[0]: a rule has no to, so it admits every destination; list the peers it needs`,
      `${where}.egress[1].to is a string (8 characters); it must be a list`,
    ]);
  });

  test("empty peers, every namespace and /0 ipBlocks are reported", async () => {
    const policy = policyWith({
      ingress: [
        {
          from: [
            {},
            { namespaceSelector: {} },
            { namespaceSelector: { matchLabels: {} }, podSelector: {} },
            "everyone",
          ],
        },
      ],
      egress: [
        {
          to: [
            { ipBlock: { cidr: "0.0.0.0/0", except: ["10.0.0.0/8"] } },
            { ipBlock: { cidr: "::/0" } },
            { ipBlock: { cidr: "everywhere" } },
          ],
        },
      ],
    });
    const where = "NetworkPolicy toolboxai/wide: spec";
    const everyPod =
      "has an empty namespaceSelector and no podSelector narrower than every pod, so it " +
      `admits every pod of every namespace; ${name}`;
    expect(await messagesOf(netpolNoAllowAllPeers, [policy])).toEqual([
      `${where}.ingress[0].from[0]: a peer is empty (no podSelector, namespaceSelector or ipBlock); ${name}`,
      `${where}.ingress[0].from[1]: a peer ${everyPod}`,
      `${where}.ingress[0].from[2]: a peer ${everyPod}`,
      `${where}.ingress[0].from[3]: a peer is not a mapping (with podSelector, namespaceSelector ` +
        `or ipBlock); ${name}`,
      `${where}.egress[0].to[0]: a peer has ipBlock 0.0.0.0/0, which admits every IPv4 address but its ` +
        `except ranges; ${name}`,
      `${where}.egress[0].to[1]: a peer has ipBlock ::/0, which admits every IPv6 address; ${name}`,
      `${where}.egress[0].to[2]: a peer has ipBlock cidr "everywhere", which is not a CIDR; ${name}`,
    ]);
  });
});
