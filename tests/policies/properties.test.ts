// Property-based: compliant workloads pass the pod-security rules whatever the encoding, and the
// same workloads with one insecure field are caught whatever the encoding (YAML 1.1 boolean and
// Go integer forms, merge keys that override the key before them, flow or block style, JSON,
// inside `kind: List` or a typed list, after a decoy document). Each case goes through the file
// reader and the runner, as `npm run policy -- --manifests` does. A failing case is printed with
// its encoded text (the arbitrary's value holds it), shrunk to a minimal one.
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import fc from "fast-check";
import { checkedKubernetesTypes } from "../../policies/lib/kubernetes";
import { policies } from "../../policies/pack";
import { runPolicyPack } from "../../policies/runner";
import { readManifests } from "../../policies/runner/manifests";
import { tempDir } from "../support/temp";
import { compliantCronJob, compliantPod, compliantStatefulSet } from "./fixtures/security";
import { clone, compliantDeployment } from "./support";

/* eslint-disable @typescript-eslint/no-explicit-any -- manifests are untyped JSON */

const workloads: Record<string, () => any> = {
  Deployment: compliantDeployment,
  Pod: compliantPod,
  CronJob: compliantCronJob,
  StatefulSet: compliantStatefulSet,
};

function podSpecOf(workload: any): any {
  if (workload.kind === "Pod") return workload.spec;
  if (workload.kind === "CronJob") return workload.spec.jobTemplate.spec.template.spec;
  return workload.spec.template.spec;
}

/** One insecure field: the mapping it goes into, the key, the value, and the rule that catches it. */
interface Mutation {
  readonly policy: string;
  readonly key: string;
  readonly value: unknown;
  readonly target: (podSpec: any) => any;
}

const pod = (spec: any) => spec;
const container = (spec: any) => spec.containers[0].securityContext;
/** A new volume whose `hostPath` is the mutation. */
const newVolume = (spec: any) => {
  const volume = { name: "host" };
  spec.volumes.push(volume);
  return volume;
};

const mutations: Record<string, Mutation> = {
  hostPID: { policy: "host-namespaces", key: "hostPID", value: true, target: pod },
  hostNetwork: { policy: "host-namespaces", key: "hostNetwork", value: true, target: pod },
  hostIPC: { policy: "host-namespaces", key: "hostIPC", value: true, target: pod },
  privileged: {
    policy: "no-privileged-containers",
    key: "privileged",
    value: true,
    target: container,
  },
  allowPrivilegeEscalation: {
    policy: "no-privilege-escalation",
    key: "allowPrivilegeEscalation",
    value: true,
    target: container,
  },
  runAsUser: { policy: "run-as-non-root", key: "runAsUser", value: 0, target: container },
  hostPath: {
    policy: "no-host-path-volumes",
    key: "hostPath",
    value: { path: "/" },
    target: newVolume,
  },
};
const judges = policies.filter((policy) =>
  Object.values(mutations).some((mutation) => mutation.policy === policy.name),
);

/** Written as `<<: {key: value}`: the emitter puts it after the mapping's own keys. */
const mergeKey = "\u0000merge";

const trueWords = ["true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON", "y", "Y"];
const falseWords = ["false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF", "n", "N"];
const integerForms: Record<string, (value: number) => string> = {
  decimal: (value) => `${value}`,
  hex: (value) => `0x${value.toString(16)}`,
  octal: (value) => `0${value.toString(8)}`,
  "0o": (value) => `0o${value.toString(8)}`,
  // go-yaml drops "_"; a lone digit gets a leading 0 (octal, or 8 and 9 read as floats).
  underscore: (value) =>
    value < 10 ? `0_${value}` : `${String(value)[0]}_${String(value).slice(1)}`,
};

interface Encoding {
  readonly style: "block" | "flow" | "json";
  readonly wrapper: "none" | "List" | "typed list" | "after a decoy";
  readonly trueWord: string;
  readonly falseWord: string;
  readonly integerForm: string;
  /** The insecure field written with a merge key (YAML only), else as a plain key. */
  readonly viaMerge: boolean;
}

/** A YAML emitter written for this test, so that it can spell scalars and merges as chosen. */
function scalar(value: unknown, encoding: Encoding): string {
  if (value === true) return encoding.trueWord;
  if (value === false) return encoding.falseWord;
  if (typeof value === "number" && Number.isInteger(value) && value >= 0) {
    return integerForms[encoding.integerForm](value);
  }
  return JSON.stringify(value);
}

const keyOf = (key: string) => (key === mergeKey ? "<<" : JSON.stringify(key));
const isCollection = (value: unknown) => value !== null && typeof value === "object";

function flow(value: unknown, encoding: Encoding): string {
  if (Array.isArray(value)) return `[${value.map((item) => flow(item, encoding)).join(", ")}]`;
  if (isCollection(value)) {
    const entries = Object.entries(value as object);
    return `{${entries.map(([key, item]) => `${keyOf(key)}: ${flow(item, encoding)}`).join(", ")}}`;
  }
  return scalar(value, encoding);
}

function block(value: unknown, indent: string, encoding: Encoding): string[] {
  const nested = (item: unknown) => isCollection(item) && Object.keys(item as object).length > 0;
  if (Array.isArray(value)) {
    return value.flatMap((item) => {
      if (!nested(item)) return [`${indent}- ${flow(item, encoding)}`];
      const lines = block(item, `${indent}  `, encoding);
      return [`${indent}- ${lines[0].trimStart()}`, ...lines.slice(1)];
    });
  }
  return Object.entries(value as object).flatMap(([key, item]) =>
    nested(item)
      ? [`${indent}${keyOf(key)}:`, ...block(item, `${indent}  `, encoding)]
      : [`${indent}${keyOf(key)}: ${flow(item, encoding)}`],
  );
}

function wrapped(object: any, wrapper: Encoding["wrapper"]): any[] {
  const decoy = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "decoy", namespace: "toolboxai" },
    data: { a: "b" },
  };
  if (wrapper === "List") return [{ apiVersion: "v1", kind: "List", items: [object] }];
  if (wrapper === "typed list") {
    const { apiVersion, kind, ...item } = object;
    return [{ apiVersion, kind: `${kind}List`, items: [item] }];
  }
  return wrapper === "after a decoy" ? [decoy, object] : [object];
}

/** The file's name and text for `documents` in `encoding`. */
function encode(documents: any[], encoding: Encoding): { file: string; text: string } {
  if (encoding.style === "json") {
    const only =
      documents.length === 1 ? documents[0] : { apiVersion: "v1", kind: "List", items: documents };
    return { file: "workload.json", text: JSON.stringify(only) };
  }
  const text = documents
    .map((document) =>
      encoding.style === "flow"
        ? `${flow(document, encoding)}\n`
        : `${block(document, "", encoding).join("\n")}\n`,
    )
    .join("---\n");
  return { file: "workload.yaml", text };
}

const encodings: fc.Arbitrary<Encoding> = fc.record({
  style: fc.constantFrom("block" as const, "flow" as const, "json" as const),
  wrapper: fc.constantFrom(
    "none" as const,
    "List" as const,
    "typed list" as const,
    "after a decoy" as const,
  ),
  trueWord: fc.constantFrom(...trueWords),
  falseWord: fc.constantFrom(...falseWords),
  integerForm: fc.constantFrom(...Object.keys(integerForms)),
  viaMerge: fc.boolean(),
});

let dir: string;
beforeAll(() => {
  dir = tempDir("toolboxai-properties-");
});

/** Reads the text as `--manifests` does and runs the judging rules on it. */
async function judge(file: string, text: string) {
  const target = path.join(dir, file);
  writeFileSync(target, text);
  const { resources } = readManifests(target, checkedKubernetesTypes);
  const { findings } = await runPolicyPack(judges, resources, {
    packEnforcementLevel: "mandatory",
  });
  return { resources, findings };
}

const runs = { numRuns: 100 };

/** A case as fast-check prints a counterexample: what it is, then the text exactly as written. */
function printable<T extends { file: string; text: string }>(label: string, value: T): T {
  return Object.assign(value, {
    [fc.toStringMethod]: () => `${label} in ${value.file}:\n${value.text}`,
  });
}

test("compliant workloads pass the pod-security rules in every encoding", async () => {
  const cases = fc
    .tuple(fc.constantFrom(...Object.keys(workloads)), encodings)
    .map(([kind, encoding]) =>
      printable(`a compliant ${kind}, ${JSON.stringify(encoding)}`, {
        kind,
        ...encode(wrapped(workloads[kind](), encoding.wrapper), encoding),
      }),
    );
  await fc.assert(
    fc.asyncProperty(cases, async ({ kind, file, text }) => {
      const { resources, findings } = await judge(file, text);
      expect(resources.map((resource) => resource.props.kind)).toContain(kind);
      expect(findings).toEqual([]);
    }),
    runs,
  );
});

test("one insecure field is caught in every encoding", async () => {
  const cases = fc
    .tuple(
      fc.constantFrom(...Object.keys(workloads)),
      fc.constantFrom(...Object.keys(mutations)),
      encodings,
    )
    .map(([kind, name, encoding]) => {
      const workload = clone(workloads[kind]());
      const mutation = mutations[name];
      const target = mutation.target(podSpecOf(workload));
      if (encoding.viaMerge && encoding.style !== "json") {
        // The safe value (if any) stays before the merge, which overrides it as go-yaml does.
        target[mergeKey] = { [mutation.key]: mutation.value };
      } else {
        target[mutation.key] = mutation.value;
      }
      return printable(`a ${kind} with ${name}, ${JSON.stringify(encoding)}`, {
        kind,
        mutation: name,
        ...encode(wrapped(workload, encoding.wrapper), encoding),
      });
    });
  await fc.assert(
    fc.asyncProperty(cases, async ({ kind, mutation, file, text }) => {
      const { findings } = await judge(file, text);
      expect(
        findings.filter((finding) => finding.policy === mutations[mutation].policy),
      ).toContainEqual(
        expect.objectContaining({
          enforcement: "mandatory",
          resource: expect.objectContaining({ kind }),
        }),
      );
    }),
    runs,
  );
});
