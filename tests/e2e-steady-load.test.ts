// The zero-downtime check's load (tools/e2e/load-generator.mjs), against a local server that fails
// on purpose: every failure is counted with its cause, latencies only of the requests that passed.
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import { longestGapMs, type LoadReport } from "../tools/e2e/steady-load";
import { projectRoot } from "../tools/project-root";

test("a steady load counts each failed request and why; percentiles of the rest", async () => {
  let answered = 0;
  const server = createServer((_request, response) => {
    answered += 1;
    response.statusCode = answered <= 3 ? 200 : 503;
    response.end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  try {
    const load = spawn(process.execPath, [
      path.join(projectRoot, "tools", "e2e", "load-generator.mjs"),
      `http://127.0.0.1:${port}/api/status`,
      "20",
    ]);
    let said = "";
    load.stdout.on("data", (chunk: Buffer) => (said += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => load.on("exit", resolve));
    // Until the server has answered 5 requests (however slowly the load started), then stop it.
    while (answered < 5) await new Promise((resolve) => setTimeout(resolve, 20));
    load.stdin.end();
    expect(await exited).toBe(0);
    const report = JSON.parse(said.split("\n").find((line) => line.startsWith("{"))!) as LoadReport;
    expect(report.requests).toBeGreaterThanOrEqual(5);
    expect(report.failures.length).toBe(report.requests - 3);
    expect(report.failures[0].failure).toBe("HTTP 503");
    expect(report.p95Ms).not.toBeNull();
  } finally {
    server.close();
  }
});

test("a load without its URL and rate says how to run it", () => {
  return new Promise<void>((resolve) => {
    const load = spawn(process.execPath, [
      path.join(projectRoot, "tools", "e2e", "load-generator.mjs"),
    ]);
    let said = "";
    load.stderr.on("data", (chunk: Buffer) => (said += chunk.toString()));
    load.on("exit", (code) => {
      expect(code).toBe(2);
      expect(said).toContain("usage: node load-generator.mjs URL RATE");
      resolve();
    });
  });
});

test("a write load POSTs, and lists the ids the service acknowledged and when", async () => {
  let next = 0;
  const methods = new Set<string>();
  const server = createServer((request, response) => {
    methods.add(String(request.method));
    next += 1;
    // The third write fails (a failover's gap); the others are created.
    response.statusCode = next === 3 ? 503 : 201;
    response.end(next === 3 ? "{}" : JSON.stringify({ id: next }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  try {
    const load = spawn(process.execPath, [
      path.join(projectRoot, "tools", "e2e", "load-generator.mjs"),
      `http://127.0.0.1:${port}/api/rows`,
      "20",
      "write",
    ]);
    let said = "";
    load.stdout.on("data", (chunk: Buffer) => (said += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => load.on("exit", resolve));
    while (next < 5) await new Promise((resolve) => setTimeout(resolve, 20));
    load.stdin.end();
    expect(await exited).toBe(0);
    const report = JSON.parse(said.split("\n").find((line) => line.startsWith("{"))!) as LoadReport;
    expect([...methods]).toEqual(["POST"]);
    expect(report.acknowledged).not.toContain(3);
    expect(report.acknowledged?.slice(0, 4)).toEqual([1, 2, 4, 5]);
    expect(report.successesAtMs?.length).toBe(report.acknowledged?.length);
    expect(report.failures.map((failure) => failure.failure)).toEqual(["HTTP 503"]);
  } finally {
    server.close();
  }
});

test("a login load signs in with a JSON body, and says when each sign-in succeeded", async () => {
  let answered = 0;
  const bodies: string[] = [];
  const server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => (body += chunk.toString()));
    request.on("end", () => {
      bodies.push(`${request.method} ${body}`);
      answered += 1;
      // The second sign-in fails (the session store's failover); the others pass.
      response.statusCode = answered === 2 ? 503 : 200;
      response.end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  try {
    const load = spawn(process.execPath, [
      path.join(projectRoot, "tools", "e2e", "load-generator.mjs"),
      `http://127.0.0.1:${port}/api/auth/login`,
      "20",
      "login",
    ]);
    let said = "";
    load.stdout.on("data", (chunk: Buffer) => (said += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => load.on("exit", resolve));
    while (answered < 4) await new Promise((resolve) => setTimeout(resolve, 20));
    load.stdin.end();
    expect(await exited).toBe(0);
    const report = JSON.parse(said.split("\n").find((line) => line.startsWith("{"))!) as LoadReport;
    expect(bodies[0]).toBe('POST {"username":"e2e-load","password":"e2e-load"}');
    expect(report.acknowledged).toBeUndefined();
    expect(report.successesAtMs?.length).toBe(report.requests - 1);
    expect(report.failures.map((failure) => failure.failure)).toEqual(["HTTP 503"]);
  } finally {
    server.close();
  }
});

test("the longest gap between served requests, whatever order they were listed in", () => {
  expect(longestGapMs([0, 200, 9_400, 400, 9_600])).toBe(9_000);
  expect(longestGapMs([5])).toBe(0);
  expect(longestGapMs([])).toBe(0);
});
