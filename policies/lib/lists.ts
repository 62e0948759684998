// Lists in policy props, read fail-closed: a field the API defines as a list but set to anything
// else is reported, never read as an empty list (which would pass what it was meant to hold).

/* eslint-disable @typescript-eslint/no-explicit-any -- policy props are untyped JSON */

/**
 * The elements of the list field at `where` (none when unset); a field set to anything but a
 * list adds a problem naming it and its value to `problems`.
 */
export function listAt(value: any, where: string, problems: string[]): any[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return [...value];
  problems.push(`${where} is ${describeValue(value)}; it must be a list`);
  return [];
}

/**
 * What a JSON value is, for messages: a mapping's keys, a number's or boolean's value, but never a
 * string's text (a malformed `env` or `command` may hold a secret) nor a whole value (it may be
 * megabytes).
 */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") {
    return `a mapping (keys: ${joined(Object.keys(value))})`;
  }
  if (typeof value === "string") {
    return `a string (${value.length} character${value.length === 1 ? "" : "s"})`;
  }
  return `the ${typeof value} ${String(value)}`;
}

/** A list for messages: `SYS_ADMIN, NET_RAW`, or `none` when empty. */
export function joined(values: readonly string[]): string {
  return values.length > 0 ? values.join(", ") : "none";
}

/** A value for messages: a string in double quotes, anything else as `String` writes it. */
export function quoted(value: unknown): string {
  return typeof value === "string" ? `"${value}"` : String(value);
}
