// A ValidatingAdmissionPolicy judged offline, as the API server judges it: its match conditions,
// then its variables in order, then each validation, and the message of each that fails. CEL by
// @bufbuild/cel (standard CEL: an expression that needs a Kubernetes-only function fails here, and
// the e2e judges it on the real API server). A stand-in for the API server's evaluator, named so.
import { isCelError, run } from "@bufbuild/cel";

/* eslint-disable @typescript-eslint/no-explicit-any -- manifests are untyped JSON */

export type AdmissionVerdict =
  | { readonly judged: false; readonly condition: string }
  | { readonly judged: true; readonly messages: readonly string[] };

function evaluate(expression: string, bindings: Record<string, any>, what: string): unknown {
  const result = run(expression, bindings);
  if (isCelError(result)) throw new Error(`${what}: ${expression}: ${String(result)}`);
  return result;
}

/** The verdict of `policy` (a ValidatingAdmissionPolicy manifest) on creating `object`. */
export function judge(policy: any, object: any): AdmissionVerdict {
  const request = {
    namespace: object.metadata?.namespace ?? "",
    name: object.metadata?.name ?? "",
    operation: "CREATE",
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
