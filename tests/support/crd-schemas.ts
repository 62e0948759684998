// Validates custom resources against the real CRDs of the tools the program targets
// (tests/fixtures/crds: the Pulumi Kubernetes Operator's, Argo CD's), as an API server with
// strict field validation would: the CRD's OpenAPI schema, and no field the schema does not
// name (unless it says x-kubernetes-preserve-unknown-fields). The e2e cluster phase checks the
// same resources against a real API server.
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import Ajv, { type ValidateFunction } from "ajv";
import { parseAllDocuments } from "yaml";

/* eslint-disable @typescript-eslint/no-explicit-any -- CRD schemas are untyped JSON */

export const crdRoot = path.join(__dirname, "..", "fixtures", "crds");

/** Closes every object schema that lists its properties, as strict field validation does. */
function strict(schema: any): any {
  if (Array.isArray(schema)) return schema.map(strict);
  if (!schema || typeof schema !== "object") return schema;
  const copy: any = Object.fromEntries(
    Object.entries(schema).map(([key, value]) => [key, strict(value)]),
  );
  if (
    copy.type === "object" &&
    copy.properties &&
    copy.additionalProperties === undefined &&
    copy["x-kubernetes-preserve-unknown-fields"] !== true
  ) {
    copy.additionalProperties = false;
  }
  return copy;
}

let validators: Map<string, ValidateFunction> | undefined;

/** `group/version Kind` → its validator, for every served version of every CRD there. */
export function crdValidators(): Map<string, ValidateFunction> {
  if (validators) return validators;
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  validators = new Map();
  for (const folder of readdirSync(crdRoot, { withFileTypes: true })) {
    if (!folder.isDirectory()) continue;
    for (const file of readdirSync(path.join(crdRoot, folder.name))) {
      const text = readFileSync(path.join(crdRoot, folder.name, file), "utf8");
      for (const document of parseAllDocuments(text)) {
        const crd = document.toJS();
        if (crd?.kind !== "CustomResourceDefinition") continue;
        for (const version of crd.spec.versions ?? []) {
          if (!version.served) continue;
          const schema = strict(version.schema.openAPIV3Schema);
          // apiVersion, kind and metadata are the API server's, not the CRD's.
          schema.properties = {
            ...schema.properties,
            apiVersion: { type: "string" },
            kind: { type: "string" },
            metadata: { type: "object" },
          };
          validators.set(
            `${crd.spec.group}/${version.name} ${crd.spec.names.kind}`,
            ajv.compile(schema),
          );
        }
      }
    }
  }
  return validators;
}

/** The schema errors of a custom resource; throws when no CRD defines its kind. */
export function crdErrors(manifest: any): string[] {
  const validate = crdValidators().get(`${manifest.apiVersion} ${manifest.kind}`);
  if (!validate)
    throw new Error(`no CRD in ${crdRoot} defines ${manifest.apiVersion} ${manifest.kind}`);
  if (validate(manifest)) return [];
  return (validate.errors ?? []).map(
    (error) =>
      `${error.instancePath || "/"} ${error.message}${error.params && "additionalProperty" in error.params ? ` (${String(error.params.additionalProperty)})` : ""}`,
  );
}
