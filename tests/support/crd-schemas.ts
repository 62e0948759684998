// Validates custom resources against the real CRDs of the tools the program targets
// (tests/fixtures/crds: the Pulumi Kubernetes Operator's, Argo CD's; vendor/cloudnative-pg:
// CloudNativePG's), as an API server with
// strict field validation would: the CRD's OpenAPI schema, and no field the schema does not
// name (unless it says x-kubernetes-preserve-unknown-fields). The e2e cluster phase checks the
// same resources against a real API server.
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import Ajv, { type ValidateFunction } from "ajv";
import { parseAllDocuments } from "yaml";
import { releaseCrds } from "../../components/data/cloudnative-pg/release";

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

const validators = new Map<string, ValidateFunction>();
const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });

/** The CRD files, each with the group and kind it defines (read once, without parsing). */
let files: { file: string; group: string; kind: string }[] | undefined;

function crdFiles(): { file: string; group: string; kind: string }[] {
  return (files ??= readdirSync(crdRoot, { withFileTypes: true })
    .filter((folder) => folder.isDirectory())
    .flatMap((folder) =>
      readdirSync(path.join(crdRoot, folder.name)).map((name) => {
        const file = path.join(crdRoot, folder.name, name);
        const text = readFileSync(file, "utf8");
        return {
          file,
          group: /^ {2}group: (\S+)$/m.exec(text)?.[1] ?? "",
          kind: /^ {4}kind: (\S+)$/m.exec(text)?.[1] ?? "",
        };
      }),
    ));
}

/** CloudNativePG's group: its CRDs are the ones the program applies (vendor/cloudnative-pg). */
const cloudNativePgGroup = "postgresql.cnpg.io";

/** The CRDs that define `kind` of `group`, parsed. */
function crdsOf(group: string, kind: string): any[] {
  if (group === cloudNativePgGroup) {
    return releaseCrds().filter((crd: any) => crd.spec.names.kind === kind);
  }
  return crdFiles()
    .filter((entry) => entry.group === group && entry.kind === kind)
    .flatMap(({ file }) =>
      parseAllDocuments(readFileSync(file, "utf8")).map((document) => document.toJS()),
    );
}

/** `group/version Kind` → its schema, for every served version of the CRD that defines `kind`. */
function crdSchemas(group: string, kind: string): Map<string, object> {
  const schemas = new Map<string, object>();
  for (const crd of crdsOf(group, kind)) {
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
      schemas.set(`${crd.spec.group}/${version.name} ${crd.spec.names.kind}`, schema);
    }
  }
  return schemas;
}

/** The validator of a kind, compiled once, when first asked for (the schemas are large). */
function validatorOf(apiVersion: string, kind: string): ValidateFunction | undefined {
  const key = `${apiVersion} ${kind}`;
  let validate = validators.get(key);
  if (!validate) {
    const schema = crdSchemas(apiVersion.split("/")[0], kind).get(key);
    if (!schema) return undefined;
    validate = ajv.compile(schema);
    validators.set(key, validate);
  }
  return validate;
}

/** Whether a CRD here defines the manifest's API group (its kind is a custom resource). */
export function isCustomResource(manifest: any): boolean {
  const group = String(manifest?.apiVersion ?? "").split("/")[0];
  return group === cloudNativePgGroup || crdFiles().some((entry) => entry.group === group);
}

/** The schema errors of a custom resource; throws when no CRD defines its kind. */
export function crdErrors(manifest: any): string[] {
  const validate = validatorOf(String(manifest.apiVersion), String(manifest.kind));
  if (!validate)
    throw new Error(`no CRD in ${crdRoot} defines ${manifest.apiVersion} ${manifest.kind}`);
  if (validate(manifest)) return [];
  return (validate.errors ?? []).map(
    (error) =>
      `${error.instancePath || "/"} ${error.message}${error.params && "additionalProperty" in error.params ? ` (${String(error.params.additionalProperty)})` : ""}`,
  );
}
