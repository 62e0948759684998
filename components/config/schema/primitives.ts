// Building blocks shared by the sections of the schema: DNS names, mappings, URLs without
// credentials, integer ranges, enums and CPU and memory quantities.
import { z } from "zod";
import { parseCpu, parseMemory } from "../quantity";

const dnsLabelMessage =
  "must be a DNS label: lowercase letters, digits and '-', 1 to 63 characters";
export const dnsLabel = z
  .string({ error: dnsLabelMessage })
  .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, { error: dnsLabelMessage })
  .meta({ allowed: "DNS label" });

const hostnameMessage = "must be a fully qualified lowercase DNS name such as app.example.com";
export const hostname = z
  .string({ error: hostnameMessage })
  .regex(/^(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, {
    error: hostnameMessage,
  })
  .meta({ allowed: "lowercase FQDN" });

/** Objects say what they are when given something else, instead of zod's generic message. */
export const mapping = { error: "must be a mapping of keys to values" };

/** Whether a URL names a user or password before its host (`https://user:token@host/…`). */
export function hasUserinfo(url: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\/[^\s/]*@/i.test(url);
}
const userinfoMessage =
  "must not carry credentials (user:token@ before the host): they would be rendered in plain " +
  "text; keep them in a Secret the delivery tool reads, and give the URL without them";
/** A URL refused when it carries credentials, before its other checks. */
export function urlWithoutCredentials(message: string) {
  return z
    .string({ error: message })
    .refine((url) => !hasUserinfo(url), { error: userinfoMessage, abort: true });
}

/** An integer in [min, max], with a message that says the range. */
export function intRange(min: number, max: number) {
  const message = `must be an integer from ${min} to ${max}`;
  return (
    z
      .number({ error: message })
      // Abort: a number past the safe integers (1e308) fails int and max alike; say it once.
      .int({ error: message, abort: true })
      .min(min, { error: message })
      .max(max, { error: message })
  );
}

export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: `must be one of: ${values.join(", ")}` });
}

/**
 * A quantity above 0 (a zero limit is no bound, a zero request or size reserves nothing); YAML
 * reads an unquoted `2` as a number, which Kubernetes accepts as "2" too.
 */
function quantity(parse: (value: string) => number | undefined, message: string) {
  return z.preprocess(
    (value) => (typeof value === "number" ? String(value) : value),
    z
      .string({ error: message })
      .refine((value) => parse(value) !== undefined, { error: message, abort: true })
      .refine((value) => (parse(value) ?? 0) > 0, {
        error:
          "must be more than 0 (a zero limit sets no bound; a zero request or size reserves nothing)",
      }),
  );
}
export const cpu = quantity(parseCpu, "must be a CPU quantity such as 250m or 1").meta({
  allowed: "CPU quantity above 0, such as `250m` or `1`",
});
export const memory = quantity(parseMemory, "must be a memory quantity such as 256Mi or 1Gi").meta({
  allowed: "memory quantity above 0, such as `256Mi` or `1Gi`",
});
