// The HTTP edge of /api/trpc as the Next route serves it (handleTrpcHttp), on a runtime opened on a
// temporary data directory: the body limit before parsing and authentication, JSON-only mutations,
// the Origin check of cookie-authenticated mutations and the sign-in rate limit. Each refusal must
// leave the database as it was (a session that a refused sign-out would have ended is still there).
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import superjson from "superjson";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "@/env";
import { appRouter } from "@/server/api/root";
import { handleTrpcHttp } from "@/server/api/edge/trpc-http";
import { createRequestContext } from "@/server/api/request-context";
import { openRuntime, type Runtime } from "@/server/runtime";
import { recordingLogger } from "@/test/world";
import { makeTempDir, type TempDir } from "@/test/temp-dirs";

const ORIGIN = "http://localhost:3000";
const LIMIT = 64 * 1024;
const MiB = 1024 * 1024;

/** EDGE_BASELINE=1 runs the suite against bare tRPC (the route before the edge existed). */
const baseline = process.env.EDGE_BASELINE === "1";

interface Reply {
  status: number;
  headers: Headers;
  body: unknown;
  error: { message: string; data: { code: string; httpStatus: number } } | null;
}

describe("the /api/trpc edge", () => {
  let dataDir: TempDir;
  let runtime: Runtime;
  let adminKey: string;

  beforeAll(async () => {
    dataDir = await makeTempDir("edge");
    const config = loadConfig({ AUTOLOADER_DATA_DIR: dataDir.path, AUTOLOADER_MAX_REQUEST_BYTES: String(LIMIT) }, dataDir.path);
    runtime = await openRuntime(config, recordingLogger());
    adminKey = (await readFile(path.join(dataDir.path, "admin-key"), "utf8")).trim();
  });
  afterAll(async () => {
    await runtime?.close();
    await dataDir?.remove();
  });

  function serve(req: Request): Promise<Response> {
    if (!baseline) return handleTrpcHttp(runtime, req);
    return fetchRequestHandler({
      endpoint: "/api/trpc",
      req,
      router: appRouter,
      createContext: ({ resHeaders }) => createRequestContext(runtime, req, resHeaders),
    });
  }

  async function send(
    procedure: string,
    init: { body?: BodyInit | null; headers?: Record<string, string>; method?: string; duplex?: "half" },
  ): Promise<Reply> {
    const res = await serve(new Request(`${ORIGIN}/api/trpc/${procedure}`, { method: "POST", ...init } as RequestInit));
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: kept as text
    }
    const first = (Array.isArray(body) ? body[0] : body) as { error?: never } | undefined;
    return {
      status: res.status,
      headers: res.headers,
      body,
      error: first?.error ? superjson.deserialize<Reply["error"]>(first.error) : null,
    };
  }

  const json = (input: unknown) => JSON.stringify(superjson.serialize(input));
  const jsonHeaders = { "content-type": "application/json", host: "localhost:3000" };

  async function signIn(headers: Record<string, string> = {}, apiKey = adminKey): Promise<Reply & { cookie: string }> {
    const res = await send("auth.signIn", { body: json({ apiKey }), headers: { ...jsonHeaders, origin: ORIGIN, ...headers } });
    const value = /^autoloader_session=([^;]*)/.exec(res.headers.get("set-cookie") ?? "")?.[1] ?? "";
    return { ...res, cookie: `autoloader_session=${value}` };
  }

  const sessions = () => runtime.database.prisma.session.count();

  /** A body of `total` bytes streamed in `chunk`-byte pieces, counting what the server pulled. */
  function countingStream(total: number, chunk = 16 * 1024) {
    const counter = { pulled: 0, cancelled: false };
    const piece = new Uint8Array(chunk).fill(0x61);
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (counter.pulled >= total) return controller.close();
        counter.pulled += piece.byteLength;
        controller.enqueue(piece);
      },
      cancel() {
        counter.cancelled = true;
      },
    });
    return { stream, counter };
  }

  describe("request body limit", () => {
    it("refuses a declared Content-Length over the limit with 413 without reading the body", async () => {
      const { stream, counter } = countingStream(100 * MiB);
      const before = await sessions();
      const res = await send("auth.signIn", {
        body: stream,
        duplex: "half",
        headers: { ...jsonHeaders, "content-length": String(100 * MiB) },
      });
      expect({ status: res.status, error: res.error }).toEqual({
        status: 413,
        error: expect.objectContaining({
          message: `The request body is larger than ${LIMIT} bytes (AUTOLOADER_MAX_REQUEST_BYTES)`,
          data: expect.objectContaining({ code: "PAYLOAD_TOO_LARGE", httpStatus: 413 }),
        }),
      });
      expect(counter.pulled).toBeLessThanOrEqual(16 * 1024);
      expect(await sessions()).toBe(before);
    });

    it("stops reading an unauthenticated 100 MiB streamed sign-in body at the limit (413), never buffering it", async () => {
      const { stream, counter } = countingStream(100 * MiB);
      const before = await sessions();
      const rss = process.memoryUsage().rss;
      const started = Date.now();
      const res = await send("auth.signIn", { body: stream, duplex: "half", headers: jsonHeaders });
      expect(res.status).toBe(413);
      expect(res.error?.data.code).toBe("PAYLOAD_TOO_LARGE");
      // Read to the first chunk past the limit (plus the stream's small read-ahead), then cancelled.
      expect(counter.pulled).toBeLessThanOrEqual(LIMIT + 4 * 16 * 1024);
      expect(counter.cancelled).toBe(true);
      expect(process.memoryUsage().rss - rss).toBeLessThan(50 * MiB);
      expect(Date.now() - started).toBeLessThan(2000);
      expect(await sessions()).toBe(before);
    });

    it("takes a body at the limit and answers a batched call's refusal once per call", async () => {
      const padded = JSON.stringify({ json: { apiKey: adminKey }, pad: "x".repeat(LIMIT - 200) });
      expect(Buffer.byteLength(padded)).toBeLessThanOrEqual(LIMIT);
      const ok = await send("auth.signIn", { body: padded, headers: { ...jsonHeaders, origin: ORIGIN } });
      expect(ok.status).toBe(200);
      const over = await send("health.check,auth.signIn?batch=1", {
        body: `{"0":{"json":null},"1":{"json":{"apiKey":"${"x".repeat(LIMIT)}"}}}`,
        headers: { ...jsonHeaders, origin: ORIGIN },
      });
      expect(over.status).toBe(413);
      expect((over.body as unknown[]).length).toBe(2);
    });
  });

  describe("JSON-only mutations", () => {
    it("answers 415 to form, text and untyped mutations, and a cross-site-form-shaped signOut leaves the session", async () => {
      const { cookie } = await signIn();
      const session = { cookie, origin: ORIGIN, host: "localhost:3000" };
      const before = await sessions();
      const form = new FormData();
      form.set("x", "1");
      const attempts: { label: string; body: BodyInit | null; headers: Record<string, string> }[] = [
        { label: "multipart/form-data", body: form, headers: session },
        { label: "text/plain", body: "{}", headers: { ...session, "content-type": "text/plain" } },
        { label: "application/x-www-form-urlencoded", body: "a=1", headers: { ...session, "content-type": "application/x-www-form-urlencoded" } },
        { label: "none", body: null, headers: session },
      ];
      for (const a of attempts) {
        const res = await send("auth.signOut", { body: a.body, headers: a.headers });
        expect({ label: a.label, status: res.status, message: res.error?.message, code: res.error?.data.code }).toEqual({
          label: a.label,
          status: 415,
          message: `Mutations take JSON only: send Content-Type: application/json (got ${a.label})`,
          code: "UNSUPPORTED_MEDIA_TYPE",
        });
      }
      expect(await sessions()).toBe(before);
      const me = await serve(new Request(`${ORIGIN}/api/trpc/auth.me`, { headers: { cookie } }));
      expect(me.status).toBe(200);

      const out = await send("auth.signOut", { body: json(undefined), headers: { ...session, "content-type": "application/json; charset=utf-8" } });
      expect(out.status).toBe(200);
      expect(await sessions()).toBe(before - 1);
    });
  });

  describe("Origin check of cookie-authenticated mutations", () => {
    it("refuses a signed-in mutation from another origin, an opaque one or none (403) and keeps the session", async () => {
      const { cookie } = await signIn();
      const before = await sessions();
      const cases: { headers: Record<string, string>; message: string }[] = [
        {
          headers: { origin: "https://evil.example" },
          message:
            "Cross-origin request refused: https://evil.example is not this server's origin (http://localhost:3000); list it in AUTOLOADER_ALLOWED_ORIGINS if it should be",
        },
        {
          headers: { origin: "http://localhost:8080" },
          message:
            "Cross-origin request refused: http://localhost:8080 is not this server's origin (http://localhost:3000); list it in AUTOLOADER_ALLOWED_ORIGINS if it should be",
        },
        {
          headers: { referer: "https://evil.example/page?x=1" },
          message:
            "Cross-origin request refused: https://evil.example is not this server's origin (http://localhost:3000); list it in AUTOLOADER_ALLOWED_ORIGINS if it should be",
        },
        {
          headers: { origin: "null" },
          message:
            "Cross-origin request refused: an opaque origin is not this server's origin (http://localhost:3000); list it in AUTOLOADER_ALLOWED_ORIGINS if it should be",
        },
        {
          headers: {},
          message:
            "A signed-in mutation must come from the dashboard: the request has no Origin or Referer header (services send an API key instead)",
        },
        {
          // Not trusted without AUTOLOADER_TRUST_PROXY: a client could name any host.
          headers: { origin: "https://evil.example", "x-forwarded-host": "evil.example", "x-forwarded-proto": "https" },
          message:
            "Cross-origin request refused: https://evil.example is not this server's origin (http://localhost:3000); list it in AUTOLOADER_ALLOWED_ORIGINS if it should be",
        },
      ];
      for (const c of cases) {
        const res = await send("auth.signOut", { body: json(undefined), headers: { ...jsonHeaders, cookie, ...c.headers } });
        expect({ headers: c.headers, status: res.status, message: res.error?.message, code: res.error?.data.code }).toEqual({
          headers: c.headers,
          status: 403,
          message: c.message,
          code: "FORBIDDEN",
        });
      }
      expect(await sessions()).toBe(before);
      const sameOrigin = await send("auth.signOut", { body: json(undefined), headers: { ...jsonHeaders, cookie, referer: `${ORIGIN}/ingestions` } });
      expect(sameOrigin.status).toBe(200);
      expect(await sessions()).toBe(before - 1);
    });

    it("refuses a cross-site sign-in (login CSRF) and leaves Bearer callers alone", async () => {
      const before = await sessions();
      const csrf = await signIn({ origin: "https://evil.example" });
      expect({ status: csrf.status, code: csrf.error?.data.code, cookie: csrf.headers.get("set-cookie") }).toEqual({
        status: 403,
        code: "FORBIDDEN",
        cookie: null,
      });
      expect(await sessions()).toBe(before);
      const bearer = await send("ingestions.list", {
        body: json({}),
        headers: { ...jsonHeaders, authorization: `Bearer ${adminKey}`, origin: "https://evil.example" },
      });
      // A query sent as POST: tRPC's own 405, not the edge's 403.
      expect(bearer.error?.data.code).not.toBe("FORBIDDEN");
      const signOutByKey = await send("auth.signOut", {
        body: json(undefined),
        headers: { ...jsonHeaders, authorization: `Bearer ${adminKey}`, origin: "https://evil.example" },
      });
      expect(signOutByKey.status).toBe(200);
    });
  });

  describe("sign-in rate limit", () => {
    const wrong = (n: number) => `al_zzzzzz${String(n).padStart(24, "0")}`;

    it("answers 429 with Retry-After after 10 failures from one address, also to the right key; other addresses go on", async () => {
      const ip = { "x-forwarded-for": "203.0.113.7" };
      for (let i = 0; i < 10; i++) {
        const res = await signIn(ip, `al_ip${i}aaaa${"q".repeat(24)}`);
        expect({ i, status: res.status }).toEqual({ i, status: 401 });
      }
      const blocked = await signIn(ip);
      expect({ status: blocked.status, message: blocked.error?.message, code: blocked.error?.data.code }).toEqual({
        status: 429,
        message: "Too many failed sign-ins from this address: try again in 15 minutes",
        code: "TOO_MANY_REQUESTS",
      });
      const retryAfter = Number(blocked.headers.get("retry-after"));
      expect(retryAfter).toBeGreaterThan(890);
      expect(retryAfter).toBeLessThanOrEqual(900);
      expect(blocked.headers.get("set-cookie")).toBeNull();
      expect((await signIn({ "x-forwarded-for": "198.51.100.1" })).status).toBe(200);
    });

    it("limits failures per key prefix across addresses", async () => {
      for (let i = 0; i < 10; i++) {
        const res = await signIn({ "x-forwarded-for": `192.0.2.${i + 1}` }, wrong(i));
        expect({ i, status: res.status }).toEqual({ i, status: 401 });
      }
      const blocked = await signIn({ "x-forwarded-for": "192.0.2.200" }, wrong(99));
      expect({ status: blocked.status, message: blocked.error?.message }).toEqual({
        status: 429,
        message: "Too many failed sign-ins with this key: try again in 15 minutes",
      });
      // Keys with another prefix are not affected.
      expect((await signIn({ "x-forwarded-for": "192.0.2.201" }, `al_yyyyyy${"0".repeat(24)}`)).status).toBe(401);
    });

    it("takes one sign-in per request: a batch of guesses is refused before any key is tried", async () => {
      const guesses = Array.from({ length: 50 }, (_, i) => wrong(1000 + i));
      const procedures = guesses.map(() => "auth.signIn").join(",");
      const input = JSON.stringify(Object.fromEntries(guesses.map((apiKey, i) => [String(i), superjson.serialize({ apiKey })])));
      const before = await sessions();
      const res = await send(`${procedures}?batch=1`, { body: input, headers: { ...jsonHeaders, origin: ORIGIN, "x-forwarded-for": "198.51.100.90" } });
      expect(res.status).toBe(400);
      expect(Array.isArray(res.body) && res.body.length).toBe(50);
      expect(res.error?.message).toBe("auth.signIn must be sent alone: one sign-in per request, not in a batch");
      // The right key in a batch is refused too, and no session is made.
      const mixed = await send("auth.signIn,auth.signIn?batch=1", {
        body: JSON.stringify({ 0: superjson.serialize({ apiKey: wrong(2000) }), 1: superjson.serialize({ apiKey: adminKey }) }),
        headers: { ...jsonHeaders, origin: ORIGIN },
      });
      expect(mixed.status).toBe(400);
      expect(await sessions()).toBe(before);
      // Alone, the same address still signs in: the refused batch counted no failure.
      expect((await signIn({ "x-forwarded-for": "198.51.100.90" })).status).toBe(200);
    });

    it("does not count successful sign-ins", async () => {
      const ip = { "x-forwarded-for": "198.51.100.77" };
      for (let i = 0; i < 15; i++) expect((await signIn(ip)).status).toBe(200);
      expect((await signIn(ip, `al_xxxxxx${"1".repeat(24)}`)).status).toBe(401);
    });
  });
});
