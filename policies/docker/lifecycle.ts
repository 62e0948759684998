// Restarts and health: the restart policy and the healthcheck's timing.
import { containerRule } from "../lib/docker";

/** A Docker duration ("30s", "1m30s", "500ms") in milliseconds, or undefined. */
export function parseDuration(text: unknown): number | undefined {
  if (typeof text !== "string" || !/^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$/.test(text)) {
    return undefined;
  }
  const unitMs: Record<string, number> = {
    ns: 1e-6,
    us: 1e-3,
    µs: 1e-3,
    ms: 1,
    s: 1000,
    m: 60_000,
    h: 3_600_000,
  };
  let total = 0;
  for (const [, amount, unit] of text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) {
    total += Number(amount) * unitMs[unit];
  }
  return total;
}

/** A value for a message: quoted when set, `unset` otherwise. */
const shown = (value: unknown) => (value === undefined ? "unset" : JSON.stringify(value));

export const dockerRestartPolicy = containerRule({
  name: "docker-restart-policy",
  description:
    'Docker containers restart "on-failure" with a bounded retry count, or "unless-stopped" ' +
    "(CIS Docker 5.15; restart-policy).",
  severity: "low",
  enforcementLevel: "mandatory",
  remediationSteps:
    'Set `restart: "on-failure"` with `maxRetryCount` above 0 (e.g. 5), or ' +
    '`restart: "unless-stopped"`.',
  check: (props) => {
    const restart = props.restart;
    if (restart === "unless-stopped") return [];
    if (restart === "on-failure") {
      const retries = props.maxRetryCount;
      return typeof retries === "number" && retries > 0
        ? []
        : [
            `restart is "on-failure" with maxRetryCount ${retries ?? "unset"}; set ` +
              `maxRetryCount above 0 (e.g. 5)`,
          ];
    }
    const shown = restart === undefined ? `unset (Docker's default "no")` : `"${restart}"`;
    return [
      `restart is ${shown}; use "on-failure" with maxRetryCount above 0, or "unless-stopped"`,
    ];
  },
});

export const dockerHealthcheck = containerRule({
  name: "docker-healthcheck",
  description:
    "Docker containers have a healthcheck with the seed's timing: interval 30s, 3 retries, a " +
    "start period of at least 40s (CIS Docker 5.27; probe-timing (seed)).",
  severity: "medium",
  enforcementLevel: "mandatory",
  config: {
    interval: {
      type: "string",
      default: "30s",
      description: "Required healthcheck interval (a Docker duration).",
    },
    retries: { type: "integer", minimum: 1, default: 3, description: "Required retries." },
    minStartPeriod: {
      type: "string",
      default: "40s",
      description: "Shortest allowed start period (a Docker duration).",
    },
  },
  remediationSteps:
    'Set `healthcheck: { tests: ["CMD", …], interval: "30s", retries: 3, startPeriod: "40s", ' +
    'timeout: "5s" }` with a command that fails when the service is unhealthy.',
  check: (props, config) => {
    const interval = String(config.interval);
    const retries = Number(config.retries);
    const minStartPeriod = String(config.minStartPeriod);
    const healthcheck = props.healthcheck;
    if (!healthcheck) {
      return [
        `has no healthcheck; set healthcheck with tests, interval "${interval}", retries ` +
          `${retries} and startPeriod of at least "${minStartPeriod}"`,
      ];
    }
    const messages: string[] = [];
    const tests: string[] = [...(healthcheck.tests ?? [])].map(String);
    if (tests.length === 0 || tests[0].toUpperCase() === "NONE") {
      messages.push(
        `healthcheck.tests is ${tests.length === 0 ? "empty" : "NONE"}; set a command, e.g. ` +
          `["CMD", "curl", "-f", "http://localhost:PORT/health"]`,
      );
    }
    if (parseDuration(healthcheck.interval) !== parseDuration(interval)) {
      messages.push(
        `healthcheck.interval is ${shown(healthcheck.interval)}; set it to ` + `"${interval}"`,
      );
    }
    if (healthcheck.retries !== retries) {
      messages.push(
        `healthcheck.retries is ${healthcheck.retries ?? "unset"}; set it to ${retries}`,
      );
    }
    const startPeriod = parseDuration(healthcheck.startPeriod);
    if (startPeriod === undefined || startPeriod < parseDuration(minStartPeriod)!) {
      messages.push(
        `healthcheck.startPeriod is ${shown(healthcheck.startPeriod)}; set ` +
          `it to at least "${minStartPeriod}"`,
      );
    }
    return messages;
  },
});
