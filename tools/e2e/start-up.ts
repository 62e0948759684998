// How long each container takes from creation to passing its own health check. Docker runs the
// first check only after a whole interval (30 s here), so its "healthy" says when it looked, not
// when the service was ready: while `pulumi up` runs, this watcher runs every container's health
// check itself, once a second, and records the first success.
import { execFile, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface StartUp {
  /** Container name → seconds from its creation to its first passing health check. */
  readonly seconds: ReadonlyMap<string, number>;
  /** Containers with a health check that never passed while watched. */
  readonly neverHealthy: readonly string[];
}

interface Watched {
  readonly name: string;
  readonly created: number;
  readonly check: readonly string[];
}

async function docker(host: string, ...args: string[]): Promise<{ ok: boolean; out: string }> {
  try {
    const { stdout } = await run("docker", args, {
      env: { ...process.env, DOCKER_HOST: host },
      timeout: 15_000,
    });
    return { ok: true, out: stdout.trim() };
  } catch (error) {
    return { ok: false, out: String((error as { stdout?: string }).stdout ?? "") };
  }
}

/** The health check as a command to exec: CMD as it is, CMD-SHELL through sh. */
export function healthCommandOf(test: readonly string[]): readonly string[] | undefined {
  if (test[0] === "CMD") return test.slice(1);
  if (test[0] === "CMD-SHELL") return ["sh", "-c", test[1]];
  return undefined;
}

/** Starts watching the engine's containers labelled `label`; `stop()` returns what it saw. */
export function watchStartUp(host: string, label: string): { stop(): Promise<StartUp> } {
  const watched = new Map<string, Watched>();
  const seconds = new Map<string, number>();
  let running = true;
  const round = async () => {
    const listed = await docker(host, "ps", "-q", "--filter", `label=${label}`);
    const ids = listed.out.split("\n").filter(Boolean);
    await Promise.all(
      ids.map(async (id) => {
        let entry = watched.get(id);
        if (!entry) {
          const inspected = await docker(
            host,
            "inspect",
            "-f",
            "{{.Name}}|{{.Created}}|{{json .Config.Healthcheck}}",
            id,
          );
          // The health check's JSON last: it may hold "|" itself.
          const [name, created, ...healthcheck] = inspected.out.split("|");
          const check = healthCommandOf(
            (JSON.parse(healthcheck.join("|") || "null")?.Test as string[]) ?? [],
          );
          if (!inspected.ok || !check) return;
          entry = { name: name.replace(/^\//, ""), created: Date.parse(created), check };
          watched.set(id, entry);
        }
        if (seconds.has(entry.name)) return;
        const checked = await docker(host, "exec", id, ...entry.check);
        if (checked.ok) seconds.set(entry.name, (Date.now() - entry.created) / 1000);
      }),
    );
  };
  const loop = (async () => {
    while (running) {
      const started = Date.now();
      await round();
      await new Promise((resolve) =>
        setTimeout(resolve, Math.max(0, 1000 - (Date.now() - started))),
      );
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      const names = [...watched.values()].map((entry) => entry.name);
      return { seconds, neverHealthy: names.filter((name) => !seconds.has(name)) };
    },
  };
}

/** Where the e2e keeps the figures of its last run, outside the clone, for `npm run bench`. */
export function e2eFiguresFile(suite: string): string {
  const cache = process.env.TOOLBOXAI_CACHE ?? path.join(homedir(), ".cache", "toolboxai");
  return path.join(cache, "e2e-figures", `${suite}.json`);
}

/** The figures `writeE2eFigures` recorded for `suite`; undefined when no run recorded any. */
export function recordedE2eFigures<T>(suite: string): (T & { at: string }) | undefined {
  const file = e2eFiguresFile(suite);
  return existsSync(file)
    ? (JSON.parse(readFileSync(file, "utf8")) as T & { at: string })
    : undefined;
}

export function writeE2eFigures(suite: string, figures: Record<string, unknown>): void {
  const file = e2eFiguresFile(suite);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify({ at: new Date().toISOString(), ...figures }, null, 2)}\n`);
}

/** One of the engine's container events: its creation, or its health turning healthy. */
export interface ContainerEvent {
  readonly name: string;
  readonly action: "create" | "healthy";
  /** Nanoseconds since the epoch, as the engine stamped it. */
  readonly timeNano: number;
}

/**
 * Records the engine's own account of when each container labelled `label` was created and when
 * its health check first passed, from `docker events`, until `stop()`: the start order as it
 * happened, which `pulumi up`'s dependencies declared.
 */
export function recordContainerEvents(
  host: string,
  label: string,
): { stop(): Promise<ContainerEvent[]> } {
  const child = spawn(
    "docker",
    [
      "events",
      "--format",
      "{{json .}}",
      "--filter",
      "type=container",
      "--filter",
      `label=${label}`,
    ],
    { env: { ...process.env, DOCKER_HOST: host }, stdio: ["ignore", "pipe", "inherit"] },
  );
  let output = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  const closed = new Promise((resolve) => child.on("close", resolve));
  return {
    async stop() {
      child.kill();
      await closed;
      return output
        .split("\n")
        .filter(Boolean)
        .map(
          (line) =>
            JSON.parse(line) as {
              Action: string;
              Actor: { Attributes: { name: string } };
              timeNano: number;
            },
        )
        .flatMap((event) => {
          const action =
            event.Action === "create"
              ? "create"
              : event.Action === "health_status: healthy"
                ? "healthy"
                : undefined;
          return action
            ? [{ name: event.Actor.Attributes.name, action, timeNano: event.timeNano } as const]
            : [];
        });
    },
  };
}
