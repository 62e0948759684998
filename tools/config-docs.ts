// docs/CONFIGURATION.md, the configuration reference, rendered from the zod schema (through its
// JSON Schema: types, defaults, enums, ranges and the `.meta()` descriptions) and the per-service
// defaults, so it cannot drift: tests/config-reference.test.ts fails when the file differs from
// what this renders (`npm run docs`, tools/docs.ts, writes it). What the schema cannot say (the
// rules that span fields, the secrets' life cycle, an example) is kept here as text.
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { z } from "zod";
import {
  backendImageServices,
  serviceDefaults,
  singletonServices,
} from "../components/config/defaults";
import {
  integerKeys,
  objectKeys,
  providerNamespaces,
  secretKeys,
  serviceNames,
  serviceSchema,
  stackConfigSchema,
  type ServiceName,
} from "../components/config/schema";
import { projectName } from "../components/config/problems";
import { kubernetesOnlyKeys } from "../components/config/rules";
import { anchorOf } from "./markdown-anchor";

export const configReferenceFile = path.resolve(__dirname, "..", "docs", "CONFIGURATION.md");

/** The reference is read on screens: no line is wider. */
export const lineWidth = 100;

/** The parts of a JSON Schema rendered here, with the schema's own `allowed` metadata. */
interface JsonSchema {
  readonly type?: string;
  readonly description?: string;
  /** What a field accepts, where its type, enum or range cannot say it (schema.ts). */
  readonly allowed?: string;
  readonly default?: unknown;
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly anyOf?: readonly JsonSchema[];
  readonly oneOf?: readonly JsonSchema[];
}

function jsonSchemaOf(schema: z.ZodType): JsonSchema {
  // The input side: what a stack file writes (a default makes a key optional). Refinements and
  // preprocessing have no JSON Schema form; their `allowed` metadata says what they accept.
  return z.toJSONSchema(schema, {
    io: "input",
    unrepresentable: "any",
    // zod leaves out the input's default of what holds a transform (the quantities' preprocess,
    // so `services` and any `size`); a stack file still gets it.
    override: ({ zodSchema, jsonSchema }) => {
      const def = zodSchema._zod.def;
      if (def.type === "default") jsonSchema.default ??= def.defaultValue;
    },
  }) as JsonSchema;
}

/** The discriminator of a discriminated union's variant (`type: volume`), if it has one. */
function discriminatorOf(variant: JsonSchema): string | undefined {
  const entry = Object.entries(variant.properties ?? {}).find(([, field]) => "const" in field);
  return entry && `${entry[0]}: ${String(entry[1].const)}`;
}

/** The fields of an object: its properties but a discriminator (its variant describes it). */
function fieldsOf(node: JsonSchema): [string, JsonSchema][] {
  return Object.entries(node.properties ?? {}).filter(([, field]) => !("const" in field));
}

/** Dotted paths of the fields and union variants in `schema` that have no description. */
export function undescribedFields(schema: z.ZodType): string[] {
  const walk = (node: JsonSchema, at: string): string[] => [
    ...fieldsOf(node).flatMap(([key, field]) => {
      const here = at === "" ? key : `${at}.${key}`;
      return [...(field.description ? [] : [here]), ...walk(field, here)];
    }),
    ...(node.oneOf ?? []).flatMap((variant) => {
      const here = `${at}(${discriminatorOf(variant) ?? "variant"})`;
      return [...(variant.description ? [] : [here]), ...walk(variant, here)];
    }),
  ];
  return walk(jsonSchemaOf(schema), "");
}

const code = (text: string) => `\`${text}\``;

/** A value as a stack file writes it: `nginx`, `""`, `{type: volume}`. */
function shown(value: unknown): string {
  if (value === "") return code('""');
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value).map(([key, inner]) => `${key}: ${String(inner)}`);
    return code(`{${entries.join(", ")}}`);
  }
  return code(String(value));
}

/** `a, b or c`. */
function listed(values: readonly string[], last = "or"): string {
  return values.length <= 1
    ? values.join("")
    : `${values.slice(0, -1).join(", ")} ${last} ${values[values.length - 1]}`;
}

/** What a field accepts beyond its type: its metadata's wording, else its enum or range. */
function allowedOf(field: JsonSchema): string | undefined {
  if (field.allowed) return field.allowed;
  if (field.enum) return listed(field.enum.map(shown));
  if (field.minimum !== undefined && field.maximum !== undefined) {
    return `${field.minimum} to ${field.maximum}`;
  }
  const parts = field.anyOf?.map((part) => ("const" in part ? shown(part.const) : allowedOf(part)));
  return parts?.every((part) => part !== undefined) ? listed(parts) : undefined;
}

function typeOf(field: JsonSchema): string {
  if (field.oneOf) return "object";
  const type = field.type ?? field.anyOf?.[0]?.type ?? "any";
  return type === "array" ? "list" : type;
}

/** `**\`key\`** (type, default; allowed): description`, one bullet's text. */
function fieldText(key: string, field: JsonSchema, required: boolean, type = typeOf(field)) {
  const presence = required
    ? "required"
    : field.default !== undefined
      ? `default ${shown(field.default)}`
      : "optional";
  const allowed = type === "object" ? undefined : allowedOf(field);
  const facts = [`${type}, ${presence}`, ...(allowed ? [allowed] : [])].join("; ");
  return `**${code(key)}** (${facts}): ${field.description ?? ""}`;
}

/**
 * The words of `text` in lines of at most `lineWidth` characters, the first line starting with
 * `first`, the others with `indent`. A code span stays on one line.
 */
function wrapped(text: string, first = "", indent = first): string[] {
  const words: string[] = [];
  for (const word of text.split(" ")) {
    const open = words.length > 0 && (words[words.length - 1].match(/`/g) ?? []).length % 2 === 1;
    if (open) words[words.length - 1] += ` ${word}`;
    else words.push(word);
  }
  const lines: string[] = [];
  let line = "";
  for (const word of words) {
    const prefix = lines.length === 0 ? first : indent;
    if (line !== "" && [...`${prefix}${line} ${word}`].length > lineWidth) {
      lines.push(`${prefix}${line}`);
      line = word;
    } else {
      line = line === "" ? word : `${line} ${word}`;
    }
  }
  return [...lines, `${lines.length === 0 ? first : indent}${line}`];
}

/** A bullet per field of `node`, nested fields and union variants indented under theirs. */
function fieldList(node: JsonSchema, depth = 0): string[] {
  const first = `${"  ".repeat(depth)}- `;
  const indent = "  ".repeat(depth + 1);
  const required = new Set(node.required ?? []);
  return [
    ...fieldsOf(node).flatMap(([key, field]) => [
      ...wrapped(fieldText(key, field, required.has(key)), first, indent),
      ...fieldList(field, depth + 1),
    ]),
    ...(node.oneOf ?? []).flatMap((variant) => [
      ...wrapped(
        `**${code(discriminatorOf(variant) ?? "")}**: ${variant.description}`,
        first,
        indent,
      ),
      ...fieldList(variant, depth + 1),
    ]),
  ];
}

/** A Markdown table with padded columns, as Prettier writes it, so that it reads as text. */
function paddedTable(header: readonly string[], rows: readonly string[][]): string[] {
  const widths = header.map((_, column) =>
    Math.max(3, ...[header, ...rows].map((row) => [...row[column]].length)),
  );
  const line = (row: readonly string[]) =>
    `| ${row.map((cell, column) => cell.padEnd(widths[column])).join(" | ")} |`;
  return [line(header), line(widths.map((width) => "-".repeat(width))), ...rows.map(line)];
}

function imageOf(name: ServiceName): string {
  const image = serviceDefaults[name].image;
  if (image) return code(`${image.repository}${image.tag ? `:${image.tag}` : `@${image.digest}`}`);
  return backendImageServices.has(name) ? "backend's" : "none: must be set";
}

function serviceDefaultsSection(): string[] {
  const sizes = serviceNames.map((name) => {
    const { replicas, resources, maxUnavailable, internetEgress, storage } = serviceDefaults[name];
    return [
      name,
      String(replicas),
      `${resources.requests.cpu} / ${resources.requests.memory}`,
      `${resources.limits.cpu} / ${resources.limits.memory}`,
      String(maxUnavailable),
      internetEgress ? "yes" : "no",
      storage?.size ?? "",
    ];
  });
  return [
    "What a service gets when its stack file says nothing about it",
    "(`components/config/defaults.ts`). Third-party images are pinned there; the application's",
    "own images have no default tag, because which build runs where is a per-stack decision.",
    "",
    ...paddedTable(
      ["Service", "Image"],
      serviceNames.map((name) => [name, imageOf(name)]),
    ),
    "",
    "Requests and limits are CPU / memory; PDB is `maxUnavailable`, Internet `internetEgress`,",
    "Storage the volume's size. `nodeExporter`'s replicas are the node count its namespace's quota",
    "is sized for; `backup` runs a pod per job, from the image built from `images/backup-tools/`.",
    "",
    ...paddedTable(
      ["Service", "Replicas", "Requests", "Limits", "PDB", "Internet", "Storage"],
      sizes,
    ),
  ];
}

function rulesSection(): string[] {
  const backendImage = listed([...backendImageServices].map(code), "and");
  const singletons = listed([...singletonServices].map(code), "and");
  const namespaces = listed([projectName, ...providerNamespaces].map(code), "and");
  return [
    "Checked before any resource is registered:",
    "",
    "- A field replaces its default wholesale: setting `resources` means giving requests and limits,",
    "  CPU and memory.",
    ...wrapped(
      `- Application images have no default tag; each stack pins its build. ${backendImage} run ` +
        "the backend image unless they set their own. A service switched off with " +
        "`robloxSyncEnabled` or `flowerEnabled` is not deployed and its settings are ignored.",
      "",
      "  ",
    ),
    ...wrapped(
      `- Singletons (${singletons}) must keep \`replicas: 1\` and have no \`autoscaling\`. The ` +
        "exporters are sidecars: only their `image` and `resources` take effect; for `postgres` " +
        "and `redis`, `image`, `resources` and `storage` do.",
      "",
      "  ",
    ),
    "- Limits must be at least the requests; `maxReplicas` at least `minReplicas`. No CPU or memory",
    "  request, limit or storage size may be 0 (a zero limit is no bound).",
    "- `image.repository` carries no tag or digest (`ghcr.io/toolboxai/dashboard:1.0` is refused: the",
    "  version goes in `tag` or `digest`); a `:` is allowed only before a registry's port",
    "  (`registry.local:5000/toolboxai/dashboard`).",
    "- A `build` needs the image's `tag`, a folder and Dockerfile that exist (relative to the",
    "  project) and, with `..` and links resolved, lie inside the project unless",
    "  `allowOutsideProject: true` (default false: the whole context is sent to the Docker engine),",
    "  on Kubernetes an `imageRegistry`, and a `repository` inside that registry.",
    "- An autoscaled service sets `autoscaling`, not `replicas`: the HorizontalPodAutoscaler owns the",
    "  count, and the Deployment does not pin it.",
    "- A key only the other platform reads is refused (`platform: docker` with a Kubernetes-only key).",
    ...wrapped(
      "- Unknown keys are refused, with the nearest known key suggested; so are keys under a " +
        "namespace nothing reads (`toolbox:logLevel`: did you mean `toolboxai:logLevel`?). The " +
        `namespaces read are ${namespaces}.`,
      "",
      "  ",
    ),
    "- Text that YAML reads as a number or boolean (`tag: 1.10`) is refused with a hint to quote it",
    '  (`tag: "1.10"`): unquoted, YAML would have read `1.1`.',
  ];
}

const secretsProse = [
  "Each secret key takes the value set with `pulumi config set --secret <key> <value>` (a value",
  "set without `--secret` is refused). Unset, a generated one gets a `RandomPassword`",
  "(alphanumeric), which Pulumi keeps, encrypted, in the stack state. Changing `postgresPassword`",
  "after the first deploy does not change the password inside an existing database: the postgres",
  "image only applies it when it initialises an empty data directory.",
];

const validationSection = [
  "All problems of a stage are reported at once (types, ranges and unknown keys first, then the",
  "rules that span fields), each naming the key, the stack file, the value and what is allowed.",
  "The output of `validateConfig` (`components/config/validate.ts`) for `Pulumi.production.yaml`",
  "with `logLevel: verbose` and the backend's `replicas: 0` (tests/bad-config.test.ts):",
  "",
  "```",
  "Pulumi.production.yaml has 2 configuration problems:",
  '  toolboxai:logLevel = "verbose": must be one of: debug, info, warning, error',
  "  toolboxai:services.backend.replicas = 0: must be an integer from 1 to 50",
  "```",
];

/** The reference, as `npm run docs` writes it; throws naming a field without a description. */
export function renderConfigReference(): string {
  const missing = undescribedFields(stackConfigSchema);
  if (missing.length > 0) {
    throw new Error(`components/config/schema/: no description for ${missing.join(", ")}`);
  }
  const root = jsonSchemaOf(stackConfigSchema);
  const properties = root.properties ?? {};
  const required = new Set(root.required ?? []);
  const isSecret = (key: string) => (secretKeys as readonly string[]).includes(key);
  const kubernetesOnly = new Set<string>(kubernetesOnlyKeys);
  const keyBullets = (keys: readonly string[], type: (key: string) => string) =>
    keys.flatMap((key) => {
      const text = fieldText(key, properties[key], required.has(key), type(key));
      const where = objectKeys.has(key) ? ` See [${code(key)}](#${anchorOf(key)}).` : "";
      const platform = kubernetesOnly.has(key) ? " Kubernetes only." : "";
      return wrapped(`${text}${platform}${where}`, "- ", "  ");
    });
  const objectSection = (key: string): [string, string[]] => [
    code(key),
    [
      ...wrapped(`${code(`toolboxai:${key}`)}: ${properties[key].description}`),
      "",
      ...fieldList(properties[key]),
    ],
  ];
  const sections: [heading: string, body: string[]][] = [
    [
      "Stack keys",
      [
        "Every key lives under the `toolboxai:` namespace in `Pulumi.<stack>.yaml`. Scalars are",
        "declared with their defaults in `Pulumi.yaml` too; a test keeps the two equal.",
        "",
        ...keyBullets(
          Object.keys(properties).filter((key) => !isSecret(key)),
          (key) => (integerKeys.has(key) ? "integer" : typeOf(properties[key])),
        ),
      ],
    ],
    [
      "Secrets",
      [
        ...keyBullets(Object.keys(properties).filter(isSecret), () => "secret"),
        "",
        ...secretsProse,
      ],
    ],
    [
      code("services"),
      [
        ...wrapped(
          `${code(`${projectName}:services`)}: ${properties.services.description} The services ` +
            `are ${listed(serviceNames.map(code), "and")}. Each may set the fields below; a ` +
            "field replaces the service's default ([Service defaults](#service-defaults)) " +
            "wholesale.",
        ),
        "",
        ...fieldList(jsonSchemaOf(serviceSchema)),
      ],
    ],
    ["Service defaults", serviceDefaultsSection()],
    ["Rules", rulesSection()],
    ...[...objectKeys].filter((key) => key !== "services").map(objectSection),
    ["Validation errors", validationSection],
  ];
  return [
    "# Configuration reference",
    "",
    "Written by `npm run docs` (tools/config-docs.ts) from `components/config/schema/` and",
    "`components/config/defaults.ts`: edit those, not this file. tests/config-reference.test.ts",
    "fails when it differs from what they render.",
    "",
    ...sections.map(([heading]) => `- [${heading.replace(/`/g, "")}](#${anchorOf(heading)})`),
    ...sections.flatMap(([heading, body]) => ["", `## ${heading}`, "", ...body]),
    "",
  ].join("\n");
}

export function writeConfigReference(): void {
  writeFileSync(configReferenceFile, renderConfigReference());
}
