// Inputs of the config tests: the real stack files, read the way the engine merges them with
// Pulumi.yaml's defaults, and the production stack with one edit; the ConfigError they throw.
import { ConfigError } from "../../components/config/problems";
import type { RawConfigInput } from "../../components/config/decode";
import { validateConfig } from "../../components/config/validate";
import { readStackConfig } from "../../tools/engine/mock-engine";

// The services mapping is edited freely, including into shapes the schema rejects.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Mapping = Record<string, any>;

interface Edit {
  /** Top-level keys (without `toolboxai:`) set to the raw string the engine would pass. */
  readonly set?: Record<string, string>;
  /** Top-level keys removed, as if neither the stack file nor Pulumi.yaml set them. */
  readonly remove?: readonly string[];
  /** Edits the parsed `toolboxai:services` mapping in place; it is written back as JSON. */
  readonly services?: (services: Mapping) => void;
  /** Top-level keys marked as stored encrypted (`pulumi config set --secret`). */
  readonly secret?: readonly string[];
}

export const key = (name: string) => `toolboxai:${name}`;

/** A stack's real config as validateConfig receives it. */
export function stackInput(stack: string): RawConfigInput {
  const { values, secretKeys } = readStackConfig(stack);
  return { stack, values, secretKeys: new Set(secretKeys) };
}

/** The production stack's real config with one edit applied. */
export function productionWith(edit: Edit = {}): RawConfigInput {
  const input = stackInput("production");
  const values = { ...input.values };
  if (edit.services) {
    const services = JSON.parse(values[key("services")]) as Mapping;
    edit.services(services);
    values[key("services")] = JSON.stringify(services);
  }
  for (const [name, value] of Object.entries(edit.set ?? {})) values[key(name)] = value;
  for (const name of edit.remove ?? []) delete values[key(name)];
  const secretKeys = new Set([...input.secretKeys, ...(edit.secret ?? []).map(key)]);
  return { stack: "production", values, secretKeys };
}

/** The production stack's real config plus full keys (`namespace:key`) as the engine passes. */
export function productionWithKeys(values: Record<string, string>): RawConfigInput {
  const input = productionWith();
  return { ...input, values: { ...input.values, ...values } };
}

/** The ConfigError validateConfig throws for `input`; fails the test if it accepts it. */
export function configErrorOf(input: RawConfigInput): ConfigError {
  try {
    validateConfig(input);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error("validateConfig accepted the config; a ConfigError was expected");
}

export const messageOf = (input: RawConfigInput) => configErrorOf(input).message;

/** The full message of a ConfigError with exactly one problem. */
export const oneProblem = (line: string) =>
  `Pulumi.production.yaml has 1 configuration problem:\n  ${line}`;
