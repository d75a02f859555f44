// The tRPC HTTP layer as the Next route serves it: real Requests through fetchRequestHandler and
// createRequestContext, on a runtime opened on a temporary data directory (persisted PGlite).
// Checks status codes, credentials from headers and cookies, cookie attributes and error bodies.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import superjson from "superjson";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "@/env";
import { appRouter } from "@/server/api/root";
import { createRequestContext } from "@/server/api/request-context";
import { openRuntime, type Runtime } from "@/server/runtime";
import { recordingLogger } from "@/test/world";
import { makeTempDir, type TempDir } from "@/test/temp-dirs";

interface HttpResult {
  status: number;
  headers: Headers;
  /** The superjson-decoded result data, when the call succeeded. */
  data: unknown;
  /** The error shape (message, code, data), when it failed. */
  error: { message: string; code: number; data: { code: string; httpStatus: number; fieldErrors: unknown; stack?: unknown } } | null;
}

const SESSION_TTL_SECONDS = 168 * 3600;

describe("tRPC over HTTP", () => {
  let dataDir: TempDir;
  let runtime: Runtime;
  let adminKey: string;

  beforeAll(async () => {
    dataDir = await makeTempDir("http");
    runtime = await openRuntime(loadConfig({ AUTOLOADER_DATA_DIR: dataDir.path }, dataDir.path), recordingLogger());
    adminKey = (await readFile(path.join(dataDir.path, "admin-key"), "utf8")).trim();
  });
  afterAll(async () => {
    await runtime?.close();
    await dataDir.remove();
  });

  async function call(
    method: "GET" | "POST",
    procedure: string,
    opts: { input?: unknown; headers?: Record<string, string>; url?: string } = {},
  ): Promise<HttpResult> {
    const url = new URL(`${opts.url ?? "http://localhost:3000"}/api/trpc/${procedure}`);
    const encoded = JSON.stringify(superjson.serialize(opts.input));
    if (method === "GET" && opts.input !== undefined) url.searchParams.set("input", encoded);
    const req = new Request(url, {
      method,
      headers: { ...(method === "POST" ? { "content-type": "application/json" } : {}), ...opts.headers },
      body: method === "POST" ? encoded : undefined,
    });
    const res = await fetchRequestHandler({
      endpoint: "/api/trpc",
      req,
      router: appRouter,
      createContext: ({ resHeaders }) => createRequestContext(runtime, req, resHeaders),
    });
    // Both shapes are superjson-encoded: {"result":{"data":{"json":…}}} or {"error":{"json":…}}.
    const body = (await res.json()) as { result?: { data: never }; error?: never };
    return {
      status: res.status,
      headers: res.headers,
      data: body.result ? superjson.deserialize(body.result.data) : undefined,
      error: body.error ? superjson.deserialize<HttpResult["error"]>(body.error) : null,
    };
  }

  const bearer = () => ({ authorization: `Bearer ${adminKey}` });

  async function signIn(headers: Record<string, string> = {}, url?: string) {
    const res = await call("POST", "auth.signIn", { input: { apiKey: adminKey }, headers, url });
    const setCookie = res.headers.get("set-cookie") ?? "";
    const value = /^autoloader_session=([^;]*)/.exec(setCookie)?.[1] ?? "";
    return { res, setCookie, cookie: `autoloader_session=${value}` };
  }

  it("answers 401 to a call without credentials, and 200 to health checks", async () => {
    const res = await call("GET", "ingestions.list");
    expect(res.status).toBe(401);
    expect(res.error).toMatchObject({
      message: "Sign in, or send an API key as 'Authorization: Bearer <key>'",
      data: { code: "UNAUTHORIZED", httpStatus: 401 },
    });
    const health = await call("GET", "health.check");
    expect({ status: health.status, data: health.data }).toEqual({ status: 200, data: { status: "ok", database: "ok" } });
  });

  it("accepts the admin key written at first start as a Bearer token", async () => {
    expect(adminKey).toMatch(/^al_/);
    const res = await call("GET", "ingestions.list", { input: { limit: 5 }, headers: bearer() });
    expect(res.status).toBe(200);
    expect(res.data).toEqual({ items: [], nextCursor: null });
    const me = await call("GET", "auth.me", { headers: { authorization: `bearer   ${adminKey}  ` } });
    expect(me.data).toMatchObject({ tenant: { slug: "default" }, apiKey: { role: "ADMIN" }, via: "api-key" });
  });

  it("answers 401 with the reason to a malformed Authorization header or an unknown key", async () => {
    for (const authorization of ["Token abc", "Bearer", `Basic ${Buffer.from("a:b").toString("base64")}`, `Bearer a b`]) {
      const res = await call("GET", "ingestions.list", { headers: { authorization } });
      expect({ authorization, status: res.status, message: res.error?.message }).toEqual({
        authorization,
        status: 401,
        message: "The Authorization header must be 'Bearer <API key>'",
      });
    }
    const unknown = await call("GET", "ingestions.list", { headers: { authorization: `Bearer al_${"z".repeat(32)}` } });
    expect({ status: unknown.status, message: unknown.error?.message }).toEqual({
      status: 401,
      message: "The API key is not valid, has expired or has been revoked",
    });
  });

  it("signs in with an httpOnly, SameSite=Lax session cookie that authenticates later requests", async () => {
    const { res, setCookie, cookie } = await signIn();
    expect(res.status).toBe(200);
    expect(res.data).toMatchObject({ tenant: { name: "default" }, expiresAt: expect.any(Date) });
    const attributes = setCookie.split(";").map((a) => a.trim());
    expect(attributes[0]).toMatch(/^autoloader_session=[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(attributes).toEqual(expect.arrayContaining(["HttpOnly", "SameSite=Lax", "Path=/"]));
    expect(attributes).not.toContain("Secure");
    const maxAge = Number(/^Max-Age=(\d+)$/.exec(attributes.find((a) => a.startsWith("Max-Age=")) ?? "")?.[1]);
    expect(maxAge).toBeGreaterThan(SESSION_TTL_SECONDS - 60);
    expect(maxAge).toBeLessThanOrEqual(SESSION_TTL_SECONDS);

    const me = await call("GET", "auth.me", { headers: { cookie: `theme=dark; ${cookie}; other=1` } });
    expect(me.status).toBe(200);
    expect(me.data).toMatchObject({ tenant: { slug: "default" }, via: "session" });
  });

  it("marks the cookie Secure behind HTTPS", async () => {
    expect((await signIn({}, "https://autoloader.example.com")).setCookie).toMatch(/; Secure(;|$)/);
    expect((await signIn({ "x-forwarded-proto": "https" })).setCookie).toMatch(/; Secure(;|$)/);
  });

  it("answers 401 to a tampered or unknown session cookie", async () => {
    const { cookie } = await signIn();
    const [name, value] = cookie.split("=") as [string, string];
    const [token, signature] = decodeURIComponent(value).split(".") as [string, string];
    const tampered = [
      `${name}=${token.slice(0, -2)}xx.${signature}`,
      `${name}=${token}.${signature.slice(0, -2)}xx`,
      `${name}=${token}`,
      `${name}=garbage`,
    ];
    for (const c of tampered) {
      const res = await call("GET", "auth.me", { headers: { cookie: c } });
      expect({ cookie: c, status: res.status, message: res.error?.message }).toEqual({
        cookie: c,
        status: 401,
        message: "Your session has expired; sign in again",
      });
    }
  });

  it("answers 401, not a server error, to a session cookie that is not valid percent-encoding", async () => {
    const res = await call("GET", "auth.me", { headers: { cookie: "autoloader_session=%E0%A4%A; theme=dark" } });
    expect({ status: res.status, code: res.error?.data.code }).toEqual({ status: 401, code: "UNAUTHORIZED" });
  });

  it("signs out: clears the cookie, and the old cookie stops working", async () => {
    const { cookie } = await signIn();
    const out = await call("POST", "auth.signOut", { headers: { cookie } });
    expect(out.status).toBe(200);
    expect(out.headers.get("set-cookie")).toMatch(/^autoloader_session=; Path=\/; HttpOnly; SameSite=Lax; Max-Age=0$/);
    expect((await call("GET", "auth.me", { headers: { cookie } })).status).toBe(401);
  });

  it("answers 400 to invalid input, with every problem in the message and fieldErrors by dotted path", async () => {
    const res = await call("POST", "ingestions.create", {
      headers: bearer(),
      input: {
        name: "bad",
        source: { connection: "files", path: "bad" },
        format: { type: "JSON" },
        destination: { schema: "raw", table: "Bad-Table" },
        schedule: { frequency: "DAILY", time: "7pm" },
      },
    });
    expect(res.status).toBe(400);
    const tableMessage =
      "Destination table must start with a lowercase letter or underscore and use only lowercase letters, digits and underscores (at most 63)";
    const timeMessage = "Time must be HH:MM in 24-hour form, e.g. 14:30";
    expect(res.error).toMatchObject({
      message: `destination.table: ${tableMessage}; schedule.time: ${timeMessage}`,
      data: {
        code: "BAD_REQUEST",
        httpStatus: 400,
        fieldErrors: { "destination.table": [tableMessage], "schedule.time": [timeMessage] },
      },
    });
    expect(res.error?.data.stack).toBeUndefined();
  });

  it("answers domain errors with their status and the field they are about", async () => {
    const root = runtime.config.localRoots[0]!;
    // Through the connection "files" the default tenant gets on the default root at first start.
    const input = { name: "orders", source: { connection: "files", path: "orders" }, format: { type: "JSON" }, destination: { schema: "raw", table: "orders" } };
    expect((await call("POST", "ingestions.create", { headers: bearer(), input })).status).toBe(200);

    const dupe = await call("POST", "ingestions.create", { headers: bearer(), input });
    expect({ status: dupe.status, error: dupe.error }).toMatchObject({
      status: 409,
      error: {
        message: "An ingestion named 'orders' already exists",
        data: { code: "CONFLICT", fieldErrors: { name: ["An ingestion named 'orders' already exists"] } },
      },
    });

    // A directory outside the tenant's granted root cannot become a connection.
    const outside = await call("POST", "connections.create", {
      headers: bearer(),
      input: { name: "outside", location: { type: "LOCAL", path: "/etc/autoloader" } },
    });
    const message = `Local directory /etc/autoloader is not under a root granted to this tenant (${root})`;
    expect({ status: outside.status, error: outside.error }).toMatchObject({
      status: 400,
      error: { message, data: { code: "BAD_REQUEST", fieldErrors: { "location.path": [message] } } },
    });
    const unknown = await call("POST", "ingestions.create", {
      headers: bearer(),
      input: { ...input, name: "outside", source: { connection: "outside" }, destination: { schema: "raw", table: "outside" } },
    });
    expect({ status: unknown.status, error: unknown.error }).toMatchObject({
      status: 404,
      error: { message: "No connection 'outside'", data: { code: "NOT_FOUND", fieldErrors: { "source.connection": ["No connection 'outside'"] } } },
    });

    const created = (await call("GET", "ingestions.list", { headers: bearer(), input: { search: "orders" } })).data as {
      items: { id: string; source: { connection: { name: string }; path: string } }[];
    };
    const orders = created.items[0]!;
    const moved = await call("POST", "ingestions.update", {
      headers: bearer(),
      input: { id: orders.id, patch: { source: { connection: "files", path: "elsewhere" } } },
    });
    const movedMessage = `The source of ingestion 'orders' cannot be changed (${orders.source.connection.name}:${orders.source.path} → files:elsewhere): its file history would no longer match the files. Create a new ingestion for the new source.`;
    expect({ status: moved.status, error: moved.error }).toMatchObject({
      status: 400,
      error: { message: movedMessage, data: { code: "BAD_REQUEST", fieldErrors: { "source.path": [movedMessage] } } },
    });

    const missing = await call("GET", "ingestions.get", { headers: bearer(), input: { id: "nope" } });
    expect({ status: missing.status, error: missing.error }).toMatchObject({
      status: 404,
      error: { message: "No ingestion 'nope'", data: { code: "NOT_FOUND", fieldErrors: null } },
    });
  });
});
