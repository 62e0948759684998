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
  problems.push(`${where} is ${JSON.stringify(value)}; it must be a list`);
  return [];
}
