// What the e2e asks of a running monitoring tier, on Docker and on the node alike: Alertmanager's
// Watchdog and a routed alert, a whole trace in Jaeger, a stream's lines in Loki. Each takes the
// `curl` of the namespace the services live in.
import { waitFor, type Answer } from "./http";

export type Fetch = (url: string, ...options: string[]) => Answer;

/** The alert the e2e routes through Alertmanager; its name is what the sink's log must show. */
export const routedAlertName = "E2ERoutedAlert";

/** Waits for Watchdog to fire in Alertmanager, then posts the routed alert (group_wait 30 s). */
export async function sendRoutedAlert(fetch: Fetch, alertmanager: string): Promise<Answer> {
  await waitFor(180, "Watchdog firing in Alertmanager", () => {
    const answer = fetch(`${alertmanager}/api/v2/alerts?filter=alertname%3D%22Watchdog%22`);
    return answer.status === 200 && JSON.parse(answer.body).length > 0 ? true : undefined;
  });
  const alert = JSON.stringify([
    {
      labels: { alertname: routedAlertName, severity: "warning", service: "e2e" },
      annotations: { summary: "sent by the e2e to prove delivery" },
    },
  ]);
  return fetch(
    `${alertmanager}/api/v2/alerts`,
    "-X",
    "POST",
    "-H",
    "Content-Type: application/json",
    "-d",
    alert,
  );
}

/**
 * Waits until Jaeger holds the trace with a span of each of `services`. Each service exports its
 * spans in its own batches: the trace is whole once the last of them is in.
 */
export async function traceAcross(
  fetch: Fetch,
  jaeger: string,
  traceId: string,
  services: readonly string[],
  seconds: number,
): Promise<void> {
  let seen: string[] = [];
  await waitFor(seconds, `the trace in Jaeger, across ${services.join(" and ")}`, () => {
    const answer = fetch(`${jaeger}/api/traces/${traceId}`);
    if (answer.status !== 200) return undefined;
    const processes = JSON.parse(answer.body).data?.[0]?.processes ?? {};
    seen = Object.values(processes).map(
      (process) => (process as { serviceName: string }).serviceName,
    );
    return services.every((name) => seen.includes(name)) ? true : undefined;
  }).catch((error) => {
    throw new Error(`${error.message}; its services so far: ${seen.join(", ") || "none"}`);
  });
}

/** Waits until Loki returns lines for the LogQL `query` (the last hour); returns them. */
export function lokiLines(
  fetch: Fetch,
  loki: string,
  query: string,
  seconds: number,
): Promise<string[]> {
  const url = `${loki}/loki/api/v1/query_range?query=${encodeURIComponent(query)}&limit=20&since=1h`;
  return waitFor(seconds, `lines for ${query} in Loki`, () => {
    const answer = fetch(url);
    if (answer.status !== 200) return undefined;
    const streams = JSON.parse(answer.body).data.result as { values: string[][] }[];
    const values = streams.flatMap((stream) => stream.values.map((value) => value[1]));
    return values.length > 0 ? values : undefined;
  });
}
