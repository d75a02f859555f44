// S3Source against a real S3-compatible server (s3rver on loopback): pagination past 1,000 keys,
// prefix and marker handling, downloads, and each storage error with the message users see.
// Where s3rver cannot produce an answer a real store gives (a policy refusal, a bad signature,
// throttling), a tiny loopback HTTP server answers with S3's own error XML instead.
import { createHash, randomBytes } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import http from "node:http";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, S3RVER_ENV, startS3Server, type S3TestServer } from "@/test/s3-server";
import { makeTempDir, type TempDir } from "@/test/temp-dirs";
import { S3Source, type S3SourceOptions } from "./s3-source";
import { listAll } from "./listing";
import { SourceError, type SourceObject } from "./source";
import { startFakeHttpService } from "@/test/fake-http";

const BUCKET = "landing";

/** An environment holding only `vars` (credentials are read from it, never from process.env). */
const env = (vars: Record<string, string>): NodeJS.ProcessEnv => ({ NODE_ENV: "test", ...vars });

/** A loopback HTTP server; `answer` gets the 0-based request number. Its requests read "GET /landing?list-type=2&…". */
async function startFakeS3(answer: (req: http.IncomingMessage, res: http.ServerResponse, n: number) => void) {
  const fake = await startFakeHttpService(answer);
  return {
    ...fake,
    get requests() {
      return fake.requests.map((r) => `${r.method} ${r.url}`);
    },
  };
}

function s3Error(res: http.ServerResponse, status: number, code: string, message: string): void {
  res.writeHead(status, { "content-type": "application/xml" });
  res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`);
}

/** Forwards a request to s3rver as it is (s3rver does not check SigV4 signatures, so the Host may differ). */
function proxyTo(target: S3TestServer, req: http.IncomingMessage, res: http.ServerResponse): void {
  const upstream = http.request(
    { host: "127.0.0.1", port: target.port, method: req.method, path: req.url, headers: req.headers },
    (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    },
  );
  upstream.end();
}

async function sourceError(p: Promise<unknown>): Promise<{ code: string; message: string; cause: unknown }> {
  try {
    await p;
  } catch (error) {
    if (error instanceof SourceError) return { code: error.code, message: error.message, cause: error.cause };
    throw error;
  }
  throw new Error("expected a SourceError, but the call succeeded");
}

/** The SDK's retry bookkeeping on the error a SourceError wraps. */
function retryMetadata(cause: unknown): { attempts: number; totalRetryDelay: number } {
  const m = (cause as { $metadata?: { attempts?: number; totalRetryDelay?: number } }).$metadata;
  return { attempts: m?.attempts ?? -1, totalRetryDelay: m?.totalRetryDelay ?? -1 };
}

describe("S3Source against s3rver", () => {
  let s3: S3TestServer;
  let staging: TempDir;
  const source = (o: Partial<S3SourceOptions> = {}) =>
    new S3Source({ bucket: BUCKET, prefix: "orders", endpoint: s3.endpoint, forcePathStyle: true, env: S3RVER_ENV, ...o });

  beforeAll(async () => {
    s3 = await startS3Server();
    staging = await makeTempDir("s3-staging");
    await s3.createBucket(BUCKET);
  });
  afterAll(async () => {
    await s3?.stop();
    await staging?.remove();
  });

  describe("listing", () => {
    const COUNT = 2_500;
    const key = (i: number) => `many/part-${String(i).padStart(5, "0")}.jsonl`;
    const size = (i: number) => 1 + (i % 13);

    beforeAll(async () => {
      // 2,499 written to s3rver's store directly (2,500 PUTs cost 5-10 s), the last one PUT over HTTP.
      await s3.seed(BUCKET, Object.fromEntries(Array.from({ length: COUNT - 1 }, (_, i) => [key(i), "x".repeat(size(i))])));
      await s3.put(BUCKET, key(COUNT - 1), "x".repeat(size(COUNT - 1)));
      // Neighbours the prefix must not pick up.
      await s3.put(BUCKET, "many-more/part-00000.jsonl", "outside");
      await s3.put(BUCKET, "manyx.jsonl", "outside");
    });

    it("pages 2,500 keys 1,000 at a time and returns each once, relative to the prefix, with its size", async () => {
      const src = source({ prefix: "many/" });
      const first = await src.list(null);
      expect(first.objects).toHaveLength(1000);
      expect(first.nextCursor).toEqual(expect.any(String));
      const second = await src.list(first.nextCursor);
      expect(second.objects).toHaveLength(1000);
      expect(second.nextCursor).toEqual(expect.any(String));
      const third = await src.list(second.nextCursor);
      expect(third.objects).toHaveLength(500);
      expect(third.nextCursor).toBeNull();

      const all: SourceObject[] = [];
      const pageSizes: number[] = [];
      for await (const page of listAll(src)) {
        pageSizes.push(page.length);
        all.push(...page);
      }
      expect(pageSizes).toEqual([1000, 1000, 500]);
      const expected = Array.from({ length: COUNT }, (_, i) => ({ path: `part-${String(i).padStart(5, "0")}.jsonl`, size: size(i) }));
      expect(all.map((o) => ({ path: o.path, size: o.size }))).toEqual(expected);
      expect(new Set(all.map((o) => o.path)).size).toBe(COUNT);
      for (const i of [7, COUNT - 1]) {
        expect(all[i]?.etag).toBe(createHash("md5").update("x".repeat(size(i))).digest("hex"));
        expect(all[i]?.lastModified).toBeInstanceOf(Date);
      }
      // A seeded object reads back over HTTP like a PUT one.
      expect(await readFile(await src.localize("part-01234.jsonl", staging.path), "utf8")).toBe("x".repeat(size(1234)));
    });

    it("honours a smaller page size, and a prefix without the trailing slash is the same directory", async () => {
      const pageSizes: number[] = [];
      for await (const page of listAll(source({ prefix: "many" }), 900)) pageSizes.push(page.length);
      expect(pageSizes).toEqual([900, 900, 700]);
    });
  });

  describe("prefixes, markers, stat, download", () => {
    const bytes = randomBytes(256 * 1024);

    beforeAll(async () => {
      await s3.put(BUCKET, "orders/a.jsonl", '{"id":1}\n');
      await s3.put(BUCKET, "orders/2026/", ""); // a console-made "folder"
      await s3.put(BUCKET, "orders/2026/01/", "");
      await s3.put(BUCKET, "orders/2026/01/b.jsonl", '{"id":2}\n');
      await s3.put(BUCKET, "orders/2026/01/blob.bin", bytes);
      await s3.put(BUCKET, "orders/dt=2026-01-01/part 1.jsonl", '{"id":3}\n');
      await s3.put(BUCKET, "orders-old/c.jsonl", "old");
      await s3.put(BUCKET, "ordersx.jsonl", "not in the directory");
    });

    it("treats 'orders' as the directory orders/: neighbours sharing the name are not listed, markers are skipped", async () => {
      const src = source({ prefix: "orders" });
      expect(src.uri).toBe(`s3://${BUCKET}/orders/`);
      const paths: string[] = [];
      for await (const page of listAll(src)) paths.push(...page.map((o) => o.path));
      expect(paths).toEqual(["2026/01/b.jsonl", "2026/01/blob.bin", "a.jsonl", "dt=2026-01-01/part 1.jsonl"]);
      expect(new Set(paths).size).toBe(paths.length);
    });

    it("keeps paging when a page holds only directory markers", async () => {
      const src = source({ prefix: "orders/" });
      const first = await src.list(null, 2); // "2026/" and "2026/01/": both markers
      expect(first).toEqual({ objects: [], nextCursor: expect.any(String) });
      const pages: string[][] = [];
      for await (const page of listAll(src, 2)) pages.push(page.map((o) => o.path));
      expect(pages).toEqual([["2026/01/b.jsonl", "2026/01/blob.bin"], ["a.jsonl", "dt=2026-01-01/part 1.jsonl"]]);
    });

    it("lists the whole bucket for an empty prefix, with full keys", async () => {
      const src = source({ prefix: "" });
      expect(src.uri).toBe(`s3://${BUCKET}/`);
      const paths: string[] = [];
      for await (const page of listAll(src)) paths.push(...page.map((o) => o.path));
      expect(paths).toContain("orders-old/c.jsonl");
      expect(paths).toContain("orders/a.jsonl");
      expect(paths).not.toContain("orders/2026/");
    });

    it("stats an existing key and answers null for a missing one", async () => {
      const src = source();
      const found = await src.stat("2026/01/blob.bin");
      expect(found).toEqual({
        path: "2026/01/blob.bin",
        size: bytes.length,
        lastModified: expect.any(Date),
        etag: createHash("md5").update(bytes).digest("hex"),
      });
      expect(await src.stat("2026/01/missing.jsonl")).toBeNull();
      expect(await src.stat("a.jsonl")).toMatchObject({ path: "a.jsonl", size: 9 });
    });

    it("downloads the exact bytes into the staging directory under a flat name that keeps the extension", async () => {
      const src = source();
      const local = await src.localize("2026/01/blob.bin", staging.path);
      expect(path.dirname(local)).toBe(staging.path);
      expect(path.basename(local)).toMatch(/^[0-9a-f]{24}\.bin$/);
      expect((await readFile(local)).equals(bytes)).toBe(true);
      const spaced = await src.localize("dt=2026-01-01/part 1.jsonl", staging.path);
      expect(path.dirname(spaced)).toBe(staging.path);
      expect(path.basename(spaced)).toMatch(/^[0-9a-f]{24}\.jsonl$/);
      expect(spaced).not.toBe(local);
      expect(await readFile(spaced, "utf8")).toBe('{"id":3}\n');
    });

    it("stages a key with '..' inside the staging directory, and says so for a missing key", async () => {
      const src = source();
      // Staged names are flat hashes: a '..' in a key cannot place a file outside the directory.
      const local = await src.localize("../ordersx.jsonl", staging.path);
      expect(path.dirname(local)).toBe(staging.path);
      expect((await readdir(path.dirname(staging.path))).filter((n) => n.endsWith("ordersx.jsonl"))).toEqual([]);
      expect(await sourceError(src.localize("2026/01/gone.jsonl", staging.path))).toMatchObject({
        code: "NOT_FOUND",
        message: `s3://${BUCKET}/orders/2026/01/gone.jsonl does not exist`,
      });
    });

    it("stages an object and another one 'under' it (keys x and x/y.jsonl are both legal in S3)", async () => {
      // S3 has no directories: "orders/x" and "orders/x/y.jsonl" can both exist. Staging mirrors
      // keys as paths, so the second download needs "x" to be a directory while it is a file.
      await s3.put(BUCKET, "orders/x", "plain object");
      await s3.put(BUCKET, "orders/x/y.jsonl", '{"id":4}\n');
      const dir = await makeTempDir("s3-staging-collide");
      try {
        const src = source();
        const first = await src.localize("x", dir.path);
        const second = await src.localize("x/y.jsonl", dir.path);
        expect(await readFile(first, "utf8")).toBe("plain object");
        expect(await readFile(second, "utf8")).toBe('{"id":4}\n');
      } finally {
        await dir.remove();
      }
    });

    it("names full object URIs", () => {
      const src = source({ prefix: "orders" });
      expect(src.uriOf("2026/01/b.jsonl")).toBe(`s3://${BUCKET}/orders/2026/01/b.jsonl`);
      expect(src.uriOf("")).toBe(`s3://${BUCKET}/orders/`);
    });
  });

  describe("credentials", () => {
    it("refuses to start without credentials, naming the variables to set", async () => {
      expect(await sourceError(source({ env: env({}) }).list(null))).toMatchObject({
        code: "NO_CREDENTIALS",
        message:
          "No S3 credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY on the server, or give the ingestion a credentials reference",
      });
      // Only one of the pair is not enough either.
      expect(await sourceError(source({ env: env({ AWS_ACCESS_KEY_ID: "S3RVER" }) }).stat("a.jsonl"))).toMatchObject({
        code: "NO_CREDENTIALS",
      });
    });

    it("names the reference's variables when the ingestion has a credentials reference", async () => {
      // The default AWS_ keys do not stand in for a reference's own.
      expect(await sourceError(source({ credentialsRef: "ANALYTICS", env: S3RVER_ENV }).list(null))).toMatchObject({
        code: "NO_CREDENTIALS",
        message:
          "No S3 credentials for reference ANALYTICS: set AUTOLOADER_S3_ANALYTICS_ACCESS_KEY_ID and AUTOLOADER_S3_ANALYTICS_SECRET_ACCESS_KEY on the server",
      });
    });

    it("uses the reference's variables when they are set", async () => {
      await s3.put(BUCKET, "ref/only.jsonl", "{}\n");
      const src = source({
        prefix: "ref",
        credentialsRef: "ANALYTICS",
        env: env({ AUTOLOADER_S3_ANALYTICS_ACCESS_KEY_ID: "S3RVER", AUTOLOADER_S3_ANALYTICS_SECRET_ACCESS_KEY: "S3RVER" }),
      });
      expect((await src.list(null)).objects.map((o) => o.path)).toEqual(["only.jsonl"]);
    });

    it("says the credentials are wrong for an unknown access key", async () => {
      const src = source({ env: env({ AWS_ACCESS_KEY_ID: "NOT-A-KEY", AWS_SECRET_ACCESS_KEY: "S3RVER" }) });
      const e = await sourceError(src.list(null));
      expect(e).toMatchObject({
        code: "INVALID_CREDENTIALS",
        message: "S3 rejected the credentials (InvalidAccessKeyId); check the access key and secret",
      });
      expect(retryMetadata(e.cause).attempts).toBe(1); // a credentials error is not retried
      expect(await sourceError(src.localize("a.jsonl", staging.path))).toMatchObject({ code: "INVALID_CREDENTIALS" });
    });

    it("says the credentials are wrong for a bad secret (SignatureDoesNotMatch)", async () => {
      // s3rver does not verify SigV4 signatures (it accepts any secret), so this loopback server
      // gives the answer a real store gives to a wrong secret.
      const fake = await startFakeS3((_req, res) =>
        s3Error(
          res,
          403,
          "SignatureDoesNotMatch",
          "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
        ),
      );
      try {
        const e = await sourceError(source({ endpoint: fake.endpoint }).list(null));
        expect(e).toMatchObject({
          code: "INVALID_CREDENTIALS",
          message: "S3 rejected the credentials (SignatureDoesNotMatch); check the access key and secret",
        });
        expect(fake.requests).toHaveLength(1);
      } finally {
        await fake.close();
      }
    });
  });

  describe("storage errors", () => {
    it("names a bucket that does not exist, with the endpoint", async () => {
      const src = source({ bucket: "no-such-bucket" });
      const expected = {
        code: "NO_SUCH_BUCKET",
        message: `S3 bucket 'no-such-bucket' does not exist at ${s3.endpoint}`,
      };
      expect(await sourceError(src.list(null))).toMatchObject(expected);
      expect(await sourceError(src.localize("a.jsonl", staging.path))).toMatchObject(expected);
    });

    it("says the endpoint cannot be reached, after a bounded number of retries with backoff", async () => {
      const port = await freePort(); // nothing listens there
      const endpoint = `http://127.0.0.1:${port}`;
      const started = Date.now();
      const e = await sourceError(source({ endpoint, maxAttempts: 4 }).list(null));
      const elapsed = Date.now() - started;
      expect(e).toMatchObject({ code: "UNREACHABLE", message: `Cannot reach the S3 endpoint at ${endpoint}: ECONNREFUSED` });
      const retries = retryMetadata(e.cause);
      expect(retries.attempts).toBe(4);
      expect(retries.totalRetryDelay).toBeGreaterThan(0);
      expect(elapsed).toBeLessThan(5_000);

      const once = await sourceError(source({ endpoint, maxAttempts: 1 }).localize("a.jsonl", staging.path));
      expect(once).toMatchObject({ code: "UNREACHABLE", message: `Cannot reach the S3 endpoint at ${endpoint}: ECONNREFUSED` });
      expect(retryMetadata(once.cause)).toEqual({ attempts: 1, totalRetryDelay: 0 });
    });

    it("says access is denied and what the credentials need", async () => {
      // Stands in for a real store's policy refusal: s3rver has no bucket policies.
      const fake = await startFakeS3((_req, res) => s3Error(res, 403, "AccessDenied", "Access Denied"));
      try {
        const src = source({ endpoint: fake.endpoint });
        expect(await sourceError(src.list(null))).toMatchObject({
          code: "ACCESS_DENIED",
          message: `Access denied to s3://${BUCKET}/orders/: the credentials need s3:ListBucket and s3:GetObject on it`,
        });
        expect(await sourceError(src.localize("2026/01/b.jsonl", staging.path))).toMatchObject({
          code: "ACCESS_DENIED",
          message: `Access denied to s3://${BUCKET}/orders/2026/01/b.jsonl: the credentials need s3:ListBucket and s3:GetObject on it`,
        });
        // A HEAD answer has no body, so only the status says "denied": stat must not read it as "missing".
        expect(await sourceError(src.stat("2026/01/b.jsonl"))).toMatchObject({ code: "ACCESS_DENIED" });
        expect(fake.requests).toHaveLength(3); // a refusal is not retried
      } finally {
        await fake.close();
      }
    });

    it("retries a throttled request and then succeeds", async () => {
      const fake = await startFakeS3((req, res, n) =>
        n === 0 ? s3Error(res, 503, "SlowDown", "Please reduce your request rate.") : proxyTo(s3, req, res),
      );
      try {
        const page = await source({ endpoint: fake.endpoint, prefix: "orders/2026/01" }).list(null);
        expect(page.objects.map((o) => o.path)).toEqual(["b.jsonl", "blob.bin"]);
        expect(fake.requests).toHaveLength(2);
        expect(fake.requests[0]).toBe(fake.requests[1]);
      } finally {
        await fake.close();
      }
    });

    it("retries a server error and then succeeds; a lasting one fails after maxAttempts", async () => {
      const flaky = await startFakeS3((req, res, n) =>
        n === 0 ? s3Error(res, 500, "InternalError", "We encountered an internal error. Please try again.") : proxyTo(s3, req, res),
      );
      try {
        const local = await source({ endpoint: flaky.endpoint }).localize("a.jsonl", staging.path);
        expect(await readFile(local, "utf8")).toBe('{"id":1}\n');
        expect(flaky.requests).toHaveLength(2);
      } finally {
        await flaky.close();
      }

      const broken = await startFakeS3((_req, res) =>
        s3Error(res, 500, "InternalError", "We encountered an internal error. Please try again."),
      );
      try {
        const started = Date.now();
        const e = await sourceError(source({ endpoint: broken.endpoint, maxAttempts: 3 }).list(null));
        expect(e).toMatchObject({
          code: "STORAGE",
          // A summary of the answer: the remote message is not echoed (network-policy.int.test.ts).
          message: `S3 error on s3://${BUCKET}/orders/ at ${broken.endpoint}: the endpoint answered HTTP 500, InternalError`,
        });
        expect(broken.requests).toHaveLength(3);
        expect(retryMetadata(e.cause).attempts).toBe(3);
        expect(Date.now() - started).toBeLessThan(3_000);
      } finally {
        await broken.close();
      }
    });
  });
});
