// Manifests written by hand in the encodings an attacker (or an unusual tool) may use, each with
// what kubectl makes of it: tests/policies/yaml-decoding.test.ts holds the runner's reader to these
// objects and refusals, and tests/cluster/decode-differential.test.ts holds kubectl to them, so
// they are kubectl's behaviour, not the runner's opinion.

/* eslint-disable @typescript-eslint/no-explicit-any -- manifests are untyped JSON */

export interface Encoding {
  readonly name: string;
  /** The file name; its extension makes it YAML or JSON. */
  readonly file: string;
  readonly text: string;
  /** The objects kubectl applies from it, in order (each list item is one). */
  readonly objects?: readonly any[];
  /** The runner refuses it: a substring of its message, and whether kubectl refuses it too. */
  readonly refused?: { readonly message: string; readonly byKubectl: boolean };
}

const metadata = { name: "probe", namespace: "toolboxai" };
const containers = [{ name: "app", image: "ghcr.io/toolboxai/backend:1.4.0" }];
const podHead =
  "apiVersion: v1\nkind: Pod\nmetadata:\n  name: probe\n  namespace: toolboxai\nspec:\n" +
  "  containers:\n    - name: app\n      image: ghcr.io/toolboxai/backend:1.4.0\n";

/** A Pod whose spec ends with `lines` (indented two spaces); kubectl reads `spec` there. */
function pod(name: string, lines: string, spec: Record<string, unknown>): Encoding {
  const indented = lines
    .split("\n")
    .map((line) => `  ${line}`)
    .join("\n");
  return {
    name,
    file: "pod.yaml",
    text: `${podHead}${indented}\n`,
    objects: [{ apiVersion: "v1", kind: "Pod", metadata, spec: { containers, ...spec } }],
  };
}

/** A ConfigMap whose `data` is `body` (flow or block YAML), for scalars and keys. */
function values(name: string, body: string, data: Record<string, unknown>): Encoding {
  return {
    name,
    file: "values.yaml",
    text: `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: probe, namespace: toolboxai}\ndata: ${body}\n`,
    objects: [{ apiVersion: "v1", kind: "ConfigMap", metadata, data }],
  };
}

function refused(name: string, text: string, message: string, byKubectl: boolean): Encoding {
  return { name, file: "hostile.yaml", text, refused: { message, byKubectl } };
}

const privilegedPod = {
  apiVersion: "v1",
  kind: "Pod",
  metadata,
  spec: {
    hostNetwork: true,
    containers: [{ ...containers[0], securityContext: { privileged: true } }],
  },
};

export const hostileEncodings: readonly Encoding[] = [
  pod("a merge key with an inline mapping", "<<: {hostPID: true, hostNetwork: true}", {
    hostPID: true,
    hostNetwork: true,
  }),
  pod("a merge key overrides the keys before it (go-yaml)", "hostPID: false\n<<: {hostPID: true}", {
    hostPID: true,
  }),
  pod("a key after a merge key overrides it", "<<: {hostPID: true}\nhostPID: false", {
    hostPID: false,
  }),
  pod(
    "merging a sequence: the first mapping wins",
    "<<: [{hostPID: true}, {hostPID: false, hostIPC: true}]",
    { hostPID: true, hostIPC: true },
  ),
  pod(
    "merging an anchored mapping",
    "securityContext: &root {runAsUser: 0}\nephemeral: {<<: *root, runAsGroup: 0}",
    { securityContext: { runAsUser: 0 }, ephemeral: { runAsUser: 0, runAsGroup: 0 } },
  ),
  pod(
    "merging an anchored sequence, aliased again later",
    "<<: &both [{hostPID: true}, {hostIPC: true}]\nephemeral: *both",
    { hostPID: true, hostIPC: true, ephemeral: [{ hostPID: true }, { hostIPC: true }] },
  ),
  pod("a merge key tagged !!merge", "!!merge <<: {hostIPC: true}", { hostIPC: true }),
  pod("YAML 1.1 booleans in host namespaces", "hostPID: on\nhostNetwork: yes\nhostIPC: Y", {
    hostPID: true,
    hostNetwork: true,
    hostIPC: true,
  }),
  pod("a quoted scalar tagged !!bool", 'hostPID: !!bool "yes"\nhostIPC: !!bool "off"', {
    hostPID: true,
    hostIPC: false,
  }),
  pod('a quoted "<<" is an ordinary key', '"<<": {hostPID: true}', { "<<": { hostPID: true } }),
  values(
    "every YAML 1.1 boolean word, and near misses",
    "{a: [y, Y, yes, Yes, YES, true, True, TRUE, on, On, ON], b: [n, N, no, No, NO, false, " +
      "False, FALSE, off, Off, OFF], c: [yES, oN, tRUE, 'yes', \"on\", !!str yes]}",
    {
      a: Array(11).fill(true),
      b: Array(11).fill(false),
      c: ["yES", "oN", "tRUE", "yes", "on", "yes"],
    },
  ),
  values(
    "integers in every Go form",
    "{a: [0777, 0o777, 0O17, 0b101, 0B11, -0b11, 0x1F, -0x1F, +12, 1_000, 0_7, 08, 0, -0], " +
      "b: [9223372036854775807, 18446744073709551615, 0x10000000000000000, !!int '0777']}",
    {
      a: [511, 511, 15, 5, 3, -3, 31, -31, 12, 1000, 7, 8, 0, 0],
      // Beyond 2^53 JavaScript rounds, as JSON.parse does with kubectl's output.
      b: [2 ** 63, 2 ** 64, "0x10000000000000000", 511],
    },
  ),
  values(
    "floats, and what YAML 1.1 calls numbers but Kubernetes does not",
    "{a: [1e3, 1E3, .5, +.5, -.5e1, 1., 1_0.5, 1e400, !!float 1], " +
      "b: [1:20, 12:30:45.5, 2001-12-14, 2001-12-14T21:59:43.10-05:00, 0x, 0b, +, 1.2.3]}",
    {
      a: [1000, 1000, 0.5, 0.5, -5, 1, 10.5, "1e400", 1],
      b: [
        "1:20",
        "12:30:45.5",
        "2001-12-14",
        "2001-12-14T21:59:43.10-05:00",
        "0x",
        "0b",
        "+",
        "1.2.3",
      ],
    },
  ),
  values("every null form", "{a: ~, b: null, c: Null, d: NULL, e: , f: '~', g: !!null ''}", {
    a: null,
    b: null,
    c: null,
    d: null,
    e: null,
    f: "~",
    g: null,
  }),
  values("keys that are not strings become strings", "{yes: a, n: b, 0x10: c, 010: d, 7: e}", {
    true: "a",
    false: "b",
    16: "c",
    8: "d",
    7: "e",
  }),
  values("block scalars stay strings", "\n  a: |\n    yes\n  b: >-\n    0777", {
    a: "yes\n",
    b: "0777",
  }),
  values("__proto__ is an ordinary key", "{__proto__: x, constructor: z}", {
    ["__proto__"]: "x",
    constructor: "z",
  }),
  {
    name: "JSON in a .yaml file",
    file: "pod.yaml",
    text: JSON.stringify(privilegedPod, null, 2),
    objects: [privilegedPod],
  },
  {
    name: "a .json file",
    file: "pod.json",
    text: JSON.stringify(privilegedPod),
    objects: [privilegedPod],
  },
  {
    // After a comment: kubectl reads a file that starts with "{" as JSON.
    name: "flow style, one line",
    file: "pod.yaml",
    text:
      "# flow style\n{apiVersion: v1, kind: Pod, metadata: {name: probe, namespace: toolboxai}, spec: " +
      "{hostNetwork: yes, containers: [{name: app, image: 'ghcr.io/toolboxai/backend:1.4.0', " +
      "securityContext: {privileged: on}}]}}",
    objects: [privilegedPod],
  },
  {
    name: "a PodList: items without kind take the list's",
    file: "list.yaml",
    text:
      "apiVersion: v1\nkind: PodList\nitems:\n" +
      "- metadata: {name: probe, namespace: toolboxai}\n" +
      "  spec: {hostNetwork: true, containers: [{name: app, image: 'ghcr.io/toolboxai/backend:1.4.0', " +
      "securityContext: {privileged: true}}]}\n",
    objects: [privilegedPod],
  },
  {
    name: "kind: List with typed items",
    file: "list.json",
    text: JSON.stringify({
      apiVersion: "v1",
      kind: "List",
      items: [privilegedPod, { apiVersion: "v1", kind: "Secret", metadata }],
    }),
    objects: [privilegedPod, { apiVersion: "v1", kind: "Secret", metadata }],
  },
  {
    name: "any kind with items is a list to kubectl",
    file: "list.yaml",
    text:
      "apiVersion: v1\nkind: Pod\nmetadata: {name: decoy}\nitems:\n" +
      "- metadata: {name: probe, namespace: toolboxai}\n" +
      "  spec: {hostNetwork: true, containers: [{name: app, image: 'ghcr.io/toolboxai/backend:1.4.0', " +
      "securityContext: {privileged: true}}]}\n",
    objects: [privilegedPod],
  },
  {
    name: "documents separated with comments and an end marker",
    file: "stream.yaml",
    text:
      "--- # first\napiVersion: v1\nkind: Secret\nmetadata: {name: probe, namespace: toolboxai}\n" +
      "...\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: probe, namespace: toolboxai}\n" +
      "spec: {hostNetwork: Y, containers: [{name: app, image: 'ghcr.io/toolboxai/backend:1.4.0', " +
      "securityContext: {privileged: YES}}]}\n",
    objects: [{ apiVersion: "v1", kind: "Secret", metadata }, privilegedPod],
  },
  refused(
    "an infinite number",
    `${podHead}  hostPID: .inf\n`,
    "spec.hostPID: .inf is not a number JSON can hold",
    true,
  ),
  refused(
    "a tag kubectl would not type-check: !!binary",
    `${podHead}  hostPID: !!binary dHJ1ZQ==\n`,
    "spec.hostPID: YAML tag !!binary is not supported",
    false,
  ),
  refused(
    "a local tag kubectl ignores",
    `${podHead}  hostPID: !custom true\n`,
    "spec.hostPID: YAML tag !custom is not supported",
    false,
  ),
  refused(
    "a duplicate key (kubectl keeps the last)",
    `${podHead}  hostPID: false\n  hostPID: true\n`,
    "spec.hostPID: duplicate key",
    false,
  ),
  refused(
    "keys that are equal once resolved",
    `${podHead}  labels: {yes: a, true: b}\n`,
    "spec.labels.true: duplicate key",
    false,
  ),
  refused(
    "a mistyped scalar",
    `${podHead}  hostPID: !!int abc\n`,
    'spec.hostPID: "abc" is not a valid !!int',
    true,
  ),
  refused(
    "a merge key with a scalar",
    `${podHead}  <<: 5\n`,
    "spec.<<: a merge key (<<) takes a mapping or a sequence of mappings",
    true,
  ),
  refused(
    "a float key",
    `${podHead}  labels: {1.5: a}\n`,
    "spec.labels: a mapping key must be a string, a boolean or an integer",
    false,
  ),
  refused(
    "a null key",
    `${podHead}  labels: {~: a}\n`,
    "spec.labels: a mapping key must be a string, a boolean or an integer",
    true,
  ),
  refused(
    "an alias inside its own anchor",
    `${podHead}  volumes: &loop [*loop]\n`,
    "spec.volumes[0]: alias *loop is inside its own anchor",
    true,
  ),
  refused(
    "items that are not a list",
    "apiVersion: v1\nkind: PodList\nitems: {}\n",
    "document 0: a PodList whose items is object; items must be a list of objects",
    true,
  ),
  refused(
    "items: null (kubectl applies nothing)",
    "apiVersion: v1\nkind: PodList\nitems: null\n",
    "document 0: a PodList whose items is null",
    false,
  ),
  refused(
    "a list inside a list",
    "apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: PodList, items: []}\n",
    "document 0 item 0: a list inside a list",
    true,
  ),
  refused(
    "a list item with a kind but no apiVersion",
    "apiVersion: v1\nkind: PodList\nitems:\n- {kind: Pod, metadata: {name: probe}}\n",
    "document 0 item 0: missing apiVersion or kind",
    true,
  ),
  refused(
    "a bare item of kind: List",
    "apiVersion: v1\nkind: List\nitems:\n- {metadata: {name: probe}}\n",
    "document 0 item 0: missing apiVersion or kind",
    true,
  ),
];
