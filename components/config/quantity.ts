// Kubernetes resource quantities, parsed just far enough to compare a limit with a request.

/** CPU in millicores: "250m" → 250, "1" → 1000, "0.5" → 500; undefined if not a CPU quantity. */
export function parseCpu(value: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(m?)$/.exec(value);
  if (!match) return undefined;
  const amount = Number(match[1]);
  return match[2] === "m" ? amount : amount * 1000;
}

const memoryUnits: Record<string, number> = {
  "": 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
};

/** Memory in bytes: "256Mi" → 268435456; undefined if not a memory quantity. */
export function parseMemory(value: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(k|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(value);
  if (!match) return undefined;
  return Number(match[1]) * memoryUnits[match[2] ?? ""];
}
