// /api/trpc and /api/health as `npm start` serves them: Node's HTTP server on loopback calling
// serveOutsideNext with the real tRPC edge and health handlers, on a runtime opened on a temporary
// data directory. Checks what Next used to do for these routes: the security headers, the peer's
// address for the sign-in rate limit, request bodies, cookies, methods and bad requests.
import { readFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { loadConfig } from "@/env";
import { openRuntime, type Runtime } from "@/server/runtime";
import { recordingLogger } from "@/test/world";
import { makeTempDir, type TempDir } from "@/test/temp-dirs";
import { checkHealth } from "@/server/services/health";
import { handleTrpcHttp } from "./trpc-http";
import { servedOutsideNext, serveOutsideNext } from "./node-http";

describe("servedOutsideNext", () => {
  it("takes the API's two routes and leaves the rest to Next", () => {
    for (const url of ["/api/health", "/api/health?x=1", "/api/trpc/ingestions.list?input=%7B%7D", "/api/trpc/a.b,c.d?batch=1"]) {
      expect(servedOutsideNext(url), url).toBe(true);
    }
    for (const url of ["/", "/sign-in", "/api/inngest", "/api/healthz", "/api/trpcx/a", "/_next/static/x.js", undefined]) {
      expect(servedOutsideNext(url), String(url)).toBe(false);
    }
  });
});

describe("the API served from Node's HTTP server", () => {
  let dataDir: TempDir;
  let runtime: Runtime;
  let adminKey: string;
  let server: http.Server;
  let base: string;

  beforeAll(async () => {
    dataDir = await makeTempDir("node-http");
    runtime = await openRuntime(
      loadConfig({ AUTOLOADER_DATA_DIR: dataDir.path, AUTOLOADER_SIGN_IN_MAX_FAILURES: "2" }, dataDir.path),
      recordingLogger(),
    );
    adminKey = (await readFile(path.join(dataDir.path, "admin-key"), "utf8")).trim();
    const health = async () => Response.json(await checkHealth(runtime));
    server = http.createServer((req, res) => void serveOutsideNext(req, res, { trpc: handleTrpcHttp, health }, async () => runtime));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await runtime?.close();
    await dataDir?.remove();
  });

  const query = (procedure: string, input: unknown) => `${base}/api/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify({ json: input }))}`;

  it("answers a procedure with its data and the API's security headers", async () => {
    const res = await fetch(query("ingestions.list", { limit: 5 }), { headers: { authorization: `Bearer ${adminKey}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ result: { data: { json: { items: [], nextCursor: null } } } });
    expect(res.headers.get("content-security-policy")).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  });

  it("answers health to GET and 405 to other methods", async () => {
    const ok = await fetch(`${base}/api/health`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ status: "ok", database: { kind: "pglite", status: "ok" } });
    expect(ok.headers.get("content-security-policy")).toBe("default-src 'none'; frame-ancestors 'none'");
    const post = await fetch(`${base}/api/health`, { method: "POST" });
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET, HEAD");
  });

  it("streams a mutation's body through the edge checks: a sign-in sets its session cookie", async () => {
    const res = await fetch(`${base}/api/trpc/auth.signIn`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: base },
      body: JSON.stringify({ json: { apiKey: adminKey } }),
    });
    expect(res.status).toBe(200);
    const cookies = res.headers.getSetCookie();
    expect(cookies).toHaveLength(1);
    expect(cookies[0]).toMatch(/^autoloader_session=[^;]+; Path=\/; HttpOnly; SameSite=Lax; Max-Age=\d+$/);
  });

  it("refuses an oversized body before reading it all, with the edge's message", async () => {
    const limit = runtime.config.edge.maxRequestBytes;
    const res = await fetch(`${base}/api/trpc/auth.signIn`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${adminKey}` },
      body: JSON.stringify({ json: { apiKey: "x".repeat(limit + 10) } }),
    });
    expect(res.status).toBe(413);
    expect(JSON.stringify(await res.json())).toContain(`The request body is larger than ${limit} bytes (AUTOLOADER_MAX_REQUEST_BYTES)`);
  });

  it("refuses an oversized chunked body (no length declared) once it passes the limit, and serves the next request", async () => {
    const limit = runtime.config.edge.maxRequestBytes;
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(`${base}/api/trpc/auth.signIn`, { method: "POST", headers: { "content-type": "application/json", origin: base } }, (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (body += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      });
      // The server may close the connection while this is still sending: the answer came first.
      req.on("error", (error: NodeJS.ErrnoException) => (error.code === "EPIPE" || error.code === "ECONNRESET" ? undefined : reject(error)));
      const chunk = Buffer.alloc(64 * 1024, "x");
      let sent = 0;
      const pump = () => {
        while (sent <= limit * 2) {
          sent += chunk.length;
          if (!req.write(chunk)) return void req.once("drain", pump);
        }
        req.end();
      };
      pump();
    });
    expect(answer.status).toBe(413);
    expect(answer.body).toContain(`The request body is larger than ${limit} bytes`);
    expect((await fetch(`${base}/api/health`)).status).toBe(200);
  });

  it("counts failed sign-ins by the peer's address when the request names none", async () => {
    // A different wrong key each time: the limit also counts failures per key.
    let n = 0;
    const signIn = (headers: Record<string, string> = {}) =>
      fetch(`${base}/api/trpc/auth.signIn`, {
        method: "POST",
        headers: { "content-type": "application/json", origin: base, ...headers },
        body: JSON.stringify({ json: { apiKey: `al_${String(n++).padStart(6, "0")}${"w".repeat(26)}` } }),
      });
    // Two failures from 127.0.0.1 (the limit), then the address is refused...
    expect((await signIn()).status).toBe(401);
    expect((await signIn()).status).toBe(401);
    const refused = await signIn();
    expect(refused.status).toBe(429);
    expect(JSON.stringify(await refused.json())).toContain("Too many failed sign-ins from this address");
    // ...while a request that names another address (no proxy is trusted: the last entry counts) is not.
    expect((await signIn({ "x-forwarded-for": "203.0.113.9" })).status).toBe(401);
  });

  it("shares the sign-in counter and the driver registry between copies of the modules (serve.ts's and Next's bundle)", async () => {
    const first = await import("./trpc-http");
    const firstSql = await import("@/server/db/read-sql");
    vi.resetModules();
    const second = await import("./trpc-http");
    const secondSql = await import("@/server/db/read-sql");
    expect(second).not.toBe(first);
    expect(second.edgeOf(runtime)).toBe(first.edgeOf(runtime));
    // The runtime's database was registered by the first copy; the second finds its driver session.
    expect(secondSql.readSql(runtime.database.prisma)).toBe(firstSql.readSql(runtime.database.prisma));
  });

  it("answers 400 to a request whose Host cannot make a URL", async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(`${base}/api/health`, { headers: { host: "bad host:x" } }, (res) => {
        res.resume();
        // Refusals carry the API's security headers too.
        expect(res.headers["x-content-type-options"]).toBe("nosniff");
        expect(res.headers["content-security-policy"]).toBe("default-src 'none'; frame-ancestors 'none'");
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      req.end();
    });
    expect(status).toBe(400);
  });
});
