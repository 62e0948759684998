// A ValidatingAdmissionPolicy judged offline, as the API server judges it: its match conditions,
// then its variables in order, then each validation, and the message of each that fails. CEL by
// @bufbuild/cel, with the strings extension the API server also has (join, upperAscii, …) and a
// stand-in for its IP and CIDR library (below): an expression that needs another Kubernetes-only
// library (quantity, url) fails here. A stand-in for the API server's evaluator, named so, and a
// looser one: it types nothing, so a literal that mixes types (which the API server refuses)
// passes here. tests/cluster/admission-differential judges the same cases on the real one.
import { BlockList, isIP as ipFamily } from "node:net";
import {
  celEnv,
  celFunc,
  celMethod,
  CelScalar,
  isCelError,
  parse,
  plan,
  type CelResult,
} from "@bufbuild/cel";
import { strings } from "@bufbuild/cel/ext";

/* eslint-disable @typescript-eslint/no-explicit-any -- manifests are untyped JSON */

export type AdmissionVerdict =
  | { readonly judged: false; readonly condition: string }
  | { readonly judged: true; readonly messages: readonly string[] };

/**
 * Kubernetes' IP and CIDR library, as much of it as the policies use (isIP, cidr, containsIP),
 * over strings: an address or range that does not parse is an error, as there.
 */
const { BOOL, STRING } = CelScalar;
const familyName = (address: string) => (ipFamily(address) === 6 ? "ipv6" : "ipv4");
function parsedCidr(text: string): { address: string; prefix: number } {
  const [address = "", prefix = "", ...rest] = text.split("/");
  const bits = ipFamily(address) === 6 ? 128 : 32;
  if (ipFamily(address) === 0 || rest.length > 0 || !/^[0-9]{1,3}$/.test(prefix) || +prefix > bits)
    throw new Error(`network address parse error during conversion from string: ${text}`);
  return { address, prefix: Number(prefix) };
}
function parsedIp(text: string): string {
  if (ipFamily(text) === 0) throw new Error(`IP Address "${text}" parse error`);
  return text;
}
const ipLibrary = [
  celFunc("isIP", [STRING], BOOL, (text) => ipFamily(text) !== 0),
  celFunc("cidr", [STRING], STRING, (text) => (parsedCidr(text), text)),
  celMethod("containsIP", STRING, [STRING], BOOL, function (address) {
    const range = parsedCidr(this);
    parsedIp(address);
    if (ipFamily(address) !== ipFamily(range.address)) return false;
    const list = new BlockList();
    list.addSubnet(range.address, range.prefix, familyName(range.address));
    return list.check(address, familyName(address));
  }),
];

const env = celEnv({ funcs: [...strings, ...ipLibrary] });
/** Each expression parsed and planned once: the stack checks judge hundreds of objects. */
const planned = new Map<string, (bindings: Record<string, any>) => CelResult>();

function evaluate(expression: string, bindings: Record<string, any>, what: string): unknown {
  let evaluator = planned.get(expression);
  if (!evaluator) {
    try {
      evaluator = plan(env, parse(expression)) as (bindings: Record<string, any>) => CelResult;
    } catch (error) {
      throw new Error(`${what}: ${expression}: ${String(error)}`);
    }
    planned.set(expression, evaluator);
  }
  const result = evaluator(bindings);
  if (isCelError(result)) throw new Error(`${what}: ${expression}: ${String(result)}`);
  return result;
}

/** Who sends a request the stand-in judges, by default: a person, with kubectl. */
export const personUsername = "jane@toolboxai.example";

/**
 * The verdict of `policy` (a ValidatingAdmissionPolicy manifest) on `username` creating `object`.
 */
export function judge(policy: any, object: any, username = personUsername): AdmissionVerdict {
  const request = {
    namespace: object.metadata?.namespace ?? "",
    name: object.metadata?.name ?? "",
    operation: "CREATE",
    userInfo: { username },
  };
  const spec = policy.spec;
  for (const condition of spec.matchConditions ?? []) {
    const holds = evaluate(
      condition.expression,
      { object, request },
      `matchCondition ${condition.name}`,
    );
    if (holds !== true) return { judged: false, condition: condition.name };
  }
  const variables: Record<string, unknown> = {};
  for (const variable of spec.variables ?? []) {
    variables[variable.name] = evaluate(
      variable.expression,
      { object, request, variables },
      `variable ${variable.name}`,
    );
  }
  const bindings = { object, request, variables };
  const messages = (spec.validations ?? []).flatMap((validation: any) => {
    const holds = evaluate(validation.expression, bindings, "validation");
    if (holds === true) return [];
    if (holds !== false)
      throw new Error(`validation ${validation.expression} gave ${String(holds)}`);
    return [String(evaluate(validation.messageExpression, bindings, "messageExpression"))];
  });
  return { judged: true, messages };
}
