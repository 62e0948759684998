// A steady request load for the e2e's zero-downtime check, run by Node.js inside the node's network
// namespace (tools/e2e/control-plane.ts spawnInNode), where the gateway's Service address is:
//   node load-generator.mjs URL RATE [write|login]
// GETs URL RATE times a second, each on a new connection (as many users' browsers would), until
// its stdin ends; then prints one JSON line: the requests, every failure (an error, a timeout or a
// status other than 200) with its time, and the latency percentiles of the rest. With `write` it
// POSTs instead (the reference service's /api/rows, answered 201 with the row's id): the report
// also lists every acknowledged id. With `login` it signs in (the reference service's
// /api/auth/login, whose session is written to Redis). The report says when each success came
// (for a failover's gap).
import http from "node:http";

const [url, rateArgument, mode] = process.argv.slice(2);
const rate = Number(rateArgument);
if (!url || !(rate > 0) || (mode !== undefined && mode !== "write" && mode !== "login")) {
  console.error("usage: node load-generator.mjs URL RATE [write|login] (requests a second)");
  process.exit(2);
}
const writing = mode === "write";
const posting = mode !== undefined;
const expected = writing ? 201 : 200;
const body = { write: "{}", login: JSON.stringify({ username: "e2e-load", password: "e2e-load" }) };
const acknowledged = [];
const successesAtMs = [];

/** A request slower than this is a failure: a user would have given up. */
const timeoutMs = 5000;
const agent = new http.Agent({ keepAlive: false });
const started = Date.now();
const latencies = [];
const failures = [];
let inFlight = 0;
let sent = 0;

function request() {
  const sentAt = performance.now();
  const at = Date.now() - started;
  sent += 1;
  inFlight += 1;
  let settled = false;
  const settle = (failure) => {
    if (settled) return;
    settled = true;
    inFlight -= 1;
    if (failure) failures.push({ atMs: at, failure });
    else latencies.push(performance.now() - sentAt);
  };
  const sending = http.request(
    url,
    { agent, timeout: timeoutMs, method: posting ? "POST" : "GET" },
    (response) => {
      const chunks = [];
      response.on("data", (chunk) => chunks.push(chunk));
      response.on("end", () => {
        if (response.statusCode !== expected) return settle(`HTTP ${response.statusCode}`);
        if (writing) {
          const id = JSON.parse(Buffer.concat(chunks).toString("utf8")).id;
          if (!Number.isInteger(id)) return settle("no row id in the answer");
          acknowledged.push(id);
        }
        successesAtMs.push(Date.now() - started);
        settle(undefined);
      });
      response.on("error", (error) => settle(error.message));
    },
  );
  sending.on("timeout", () => sending.destroy(new Error(`no answer within ${timeoutMs} ms`)));
  sending.on("error", (error) => settle(error.message));
  sending.end(posting ? body[mode] : undefined);
}

const percentile = (sorted, share) =>
  sorted.length === 0
    ? null
    : Math.round(sorted[Math.min(sorted.length - 1, Math.ceil(share * sorted.length) - 1)]);

const timer = setInterval(request, 1000 / rate);
console.log("started");
process.stdin.resume();
process.stdin.on("end", () => {
  clearInterval(timer);
  const done = setInterval(() => {
    if (inFlight > 0) return;
    clearInterval(done);
    const sorted = latencies.sort((a, b) => a - b);
    console.log(
      JSON.stringify({
        requests: sent,
        seconds: Math.round((Date.now() - started) / 1000),
        failures,
        p50Ms: percentile(sorted, 0.5),
        p95Ms: percentile(sorted, 0.95),
        p99Ms: percentile(sorted, 0.99),
        maxMs: percentile(sorted, 1),
        ...(writing ? { acknowledged } : {}),
        ...(posting ? { successesAtMs } : {}),
      }),
    );
  }, 50);
});
