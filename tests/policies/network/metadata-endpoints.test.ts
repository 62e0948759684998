// The node's metadata endpoints: no-metadata-targets and netpol-no-metadata-egress.
import { netpolNoAllowAllPeers } from "../../../policies/network/allow-all-peers";
import {
  netpolNoMetadataEgress,
  noMetadataTargets,
} from "../../../policies/network/metadata-endpoints";
import { checkedKubernetesTypes } from "../../../policies/lib/kubernetes";
import { clone, messagesOf } from "../support";
import { nearMetadataObjects, networkPolicy, stack } from "../fixtures/network";

/* eslint-disable @typescript-eslint/no-explicit-any -- fixtures are untyped JSON */

describe("no-metadata-targets", () => {
  const service = (name: string, externalName: unknown) => ({
    apiVersion: "v1",
    kind: "Service",
    metadata: { name, namespace: "toolboxai" },
    spec: { type: "ExternalName", externalName },
  });

  test("Services, Endpoints and EndpointSlices elsewhere pass", async () => {
    expect(await messagesOf(noMetadataTargets, [...stack(), ...nearMetadataObjects()])).toEqual([]);
  });

  test("an ExternalName naming the metadata server, in any spelling, is reported", async () => {
    const objects = [
      service("imds", "169.254.169.254"),
      service("gce", "METADATA.google.internal."),
      service("imds-v6", "fd00:ec2::254"),
      service("decimal", "2852039166"),
      service("hex", "0xa9.0xfe.0xa9.0xfe"),
      service("link-local", "169.254.0.1."),
      service("missing", undefined),
    ];
    const number =
      "is a number that resolvers may read as an IPv4 address; write the address in dotted " +
      "decimal or a host name; remove it";
    expect(await messagesOf(noMetadataTargets, objects)).toEqual([
      'Service toolboxai/imds: spec.externalName: "169.254.169.254" is a link-local or cloud ' +
        "metadata address; remove it",
      'Service toolboxai/gce: spec.externalName: "METADATA.google.internal." is the cloud ' +
        "metadata server's name; remove it",
      'Service toolboxai/imds-v6: spec.externalName: "fd00:ec2::254" is a link-local or cloud ' +
        "metadata address; remove it",
      `Service toolboxai/decimal: spec.externalName: "2852039166" ${number}`,
      `Service toolboxai/hex: spec.externalName: "0xa9.0xfe.0xa9.0xfe" ${number}`,
      'Service toolboxai/link-local: spec.externalName: "169.254.0.1." is a link-local or cloud ' +
        "metadata address; remove it",
      "Service toolboxai/missing: spec.externalName: undefined is not a host name or address; " +
        "remove it",
    ]);
  });

  test("Endpoints and EndpointSlice addresses in the link-local ranges are reported", async () => {
    const [, endpoints, slice] = nearMetadataObjects();
    endpoints.subsets[0].addresses.push({ ip: "169.254.10.1" });
    endpoints.subsets[0].notReadyAddresses = [{ ip: "fe80::1" }, { ip: "metadata" }];
    slice.endpoints.push({ addresses: ["fd00:ec2::254"] });
    const fqdn = { ...clone(slice), metadata: { name: "legacy-db-2", namespace: "toolboxai" } };
    fqdn.addressType = "FQDN";
    fqdn.endpoints = [{ addresses: ["metadata.google.internal"] }];
    expect(await messagesOf(noMetadataTargets, [endpoints, slice, fqdn])).toEqual([
      'Endpoints toolboxai/legacy-db: subsets[0].addresses[1].ip: "169.254.10.1" is a ' +
        "link-local or cloud metadata address; remove it",
      'Endpoints toolboxai/legacy-db: subsets[0].notReadyAddresses[0].ip: "fe80::1" is a ' +
        "link-local or cloud metadata address; remove it",
      'Endpoints toolboxai/legacy-db: subsets[0].notReadyAddresses[1].ip: "metadata" is not an ' +
        "IP address; write one",
      'EndpointSlice toolboxai/legacy-db-1: endpoints[1].addresses[0]: "fd00:ec2::254" is a ' +
        "link-local or cloud metadata address; remove it",
      'EndpointSlice toolboxai/legacy-db-2: endpoints[0].addresses[0]: "metadata.google.internal" ' +
        "is the cloud metadata server's name; remove it",
    ]);
  });

  test("a bad forbiddenRanges entry is a config error, not a pass", async () => {
    const config = { "no-metadata-targets": { forbiddenRanges: ["169.254.0.0"] } };
    await expect(
      messagesOf(noMetadataTargets, [service("imds", "169.254.169.254")], config),
    ).rejects.toThrow('no-metadata-targets forbiddenRanges: "169.254.0.0" is not a CIDR');
  });

  test("address lists set to anything but a list are reported, not read as empty", async () => {
    const [, endpoints, slice] = nearMetadataObjects();
    endpoints.subsets = { addresses: [{ ip: "169.254.169.254" }] };
    slice.endpoints[0].addresses = "fd00:ec2::254";
    expect(await messagesOf(noMetadataTargets, [endpoints, slice])).toEqual([
      "Endpoints toolboxai/legacy-db: subsets is a mapping (keys: addresses); it " +
        "must be a list",
      "EndpointSlice toolboxai/legacy-db-1: endpoints[0].addresses is a string (13 characters); it must " +
        "be a list",
    ]);
  });

  test("the runner reads Endpoints and EndpointSlices (they are not called unmodelled)", () => {
    expect(checkedKubernetesTypes).toContain("kubernetes:core/v1:Endpoints");
    expect(checkedKubernetesTypes).toContain("kubernetes:discovery.k8s.io/v1:EndpointSlice");
  });
});

describe("netpol-no-metadata-egress", () => {
  const egressTo = (...blocks: any[]) =>
    networkPolicy("egress", {
      podSelector: { matchLabels: { app: "x" } },
      policyTypes: ["Egress"],
      egress: [{ to: blocks.map((ipBlock) => ({ ipBlock })), ports: [{ port: 80 }] }],
    });

  test("ipBlocks that except the metadata server, or do not hold it, pass", async () => {
    const objects = [...stack(), ...nearMetadataObjects(), egressTo({ cidr: "10.0.0.0/8" })];
    expect(await messagesOf(netpolNoMetadataEgress, objects)).toEqual([]);
  });

  test("a cidr holding the metadata server without an except for it is reported", async () => {
    const policy = egressTo(
      { cidr: "169.254.0.0/16" },
      { cidr: "0.0.0.0/0", except: ["10.0.0.0/8", "169.254.169.253/32"] },
      { cidr: "::/0", except: ["169.254.0.0/16"] },
      { cidr: "169.254.169.254" },
    );
    const where = "NetworkPolicy toolboxai/egress: spec.egress[0]";
    expect(await messagesOf(netpolNoMetadataEgress, [policy])).toEqual([
      `${where}.to[0]: an ipBlock 169.254.0.0/16 admits the metadata server 169.254.169.254; add ` +
        "it to except",
      `${where}.to[1]: an ipBlock 0.0.0.0/0 admits the metadata server 169.254.169.254; add it to ` +
        "except",
      `${where}.to[2]: an ipBlock ::/0 admits the metadata server fd00:ec2::254; add it to except`,
      `${where}.to[3].ipBlock.cidr "169.254.169.254" is not a CIDR; write one`,
    ]);
  });
});

test("NetworkPolicy rule lists set to anything but a list are reported by both rules", async () => {
  const policy = networkPolicy("odd", {
    podSelector: { matchLabels: { app: "x" } },
    ingress: { from: [] },
    egress: [{ to: { ipBlock: { cidr: "0.0.0.0/0" } } }],
  });
  const ingress =
    "NetworkPolicy toolboxai/odd: spec.ingress is a mapping (keys: from); it must be a list";
  const egress =
    "NetworkPolicy toolboxai/odd: spec.egress[0].to is a mapping (keys: ipBlock); it " +
    "must be a list";
  expect(await messagesOf(netpolNoAllowAllPeers, [policy])).toEqual([ingress, egress]);
  expect(await messagesOf(netpolNoMetadataEgress, [policy])).toEqual([egress]);
});

test("a metadataAddresses entry that is no IP address is a config error, not a pass", async () => {
  const config = { "netpol-no-metadata-egress": { metadataAddresses: ["169.254.169.254/32"] } };
  const policy = networkPolicy("egress", {
    podSelector: { matchLabels: { app: "x" } },
    egress: [{ to: [{ ipBlock: { cidr: "169.254.0.0/16" } }] }],
  });
  await expect(messagesOf(netpolNoMetadataEgress, [policy], config)).rejects.toThrow(
    'netpol-no-metadata-egress metadataAddresses: "169.254.169.254/32" is not an IP address',
  );
});
