// SSRF through custom S3 endpoints: every refused address form is refused before a single TCP
// connection leaves (counted on loopback listeners), through both the save/preview check
// (checkEndpoint) and the S3 client's own connect-time guard; redirects lead nowhere; what a
// remote service answers is summarised, never echoed; the tenant's keys, not the server's, sign;
// and an allowed loopback endpoint still works end to end against a real S3-compatible server.
import { readFile } from "node:fs/promises";
import type http from "node:http";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { S3RVER_CREDENTIALS, startS3Server, type S3TestServer } from "@/test/s3-server";
import { makeTempDir, type TempDir } from "@/test/temp-dirs";
import { addressRefusal, checkEndpoint, type EndpointPolicy } from "./network-policy";
import { S3Source, type S3SourceOptions } from "./s3-source";
import { SourceError } from "./source";
import { startFakeHttpService } from "@/test/fake-http";

const BUCKET = "landing";

interface Listener {
  port: number;
  /** TCP connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

/** A TCP listener that only counts connections (and closes them). */
async function startListener(host: string): Promise<Listener> {
  let count = 0;
  const server = net.createServer((socket) => {
    count += 1;
    socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, resolve);
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("listener: no TCP address");
  return { port: address.port, connections: () => count, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** A loopback HTTP service that is not S3; `answer` decides what it says. */
const startFakeService = startFakeHttpService;

async function sourceError(p: Promise<unknown>): Promise<SourceError> {
  try {
    await p;
  } catch (error) {
    if (error instanceof SourceError) return error;
    throw error;
  }
  throw new Error("expected a SourceError");
}

const summary = (e: SourceError) => ({ code: e.code, message: e.message });

function source(options: Partial<S3SourceOptions> & { endpoint: string }): S3Source {
  return new S3Source({
    bucket: BUCKET,
    prefix: "orders",
    forcePathStyle: true,
    credentials: { ...S3RVER_CREDENTIALS },
    maxAttempts: 1,
    env: { NODE_ENV: "test" },
    ...options,
  });
}

describe("addressRefusal", () => {
  it.each([
    ["127.0.0.1", "a loopback address"],
    ["127.255.0.9", "a loopback address"],
    ["::1", "a loopback address"],
    ["10.1.2.3", "a private address"],
    ["172.16.0.1", "a private address"],
    ["192.168.1.1", "a private address"],
    ["fc00::1", "a private (unique local) address"],
    ["169.254.1.1", "a link-local address"],
    ["fe80::1", "a link-local address"],
    ["169.254.169.254", "a cloud metadata address"],
    ["fd00:ec2::254", "a cloud metadata address"],
    ["0.0.0.0", "an unspecified address"],
    ["::", "an unspecified address"],
    ["100.64.0.1", "a carrier-grade NAT address"],
    ["::ffff:127.0.0.1", "a loopback address"],
    ["::ffff:169.254.169.254", "a cloud metadata address"],
    ["224.0.0.1", "a multicast address"],
    ["255.255.255.255", "a broadcast address"],
  ])("%s is %s", (address, kind) => {
    expect(addressRefusal(address, false)).toBe(kind);
  });

  it("allows public addresses, and private ones only when the policy does", () => {
    expect(addressRefusal("52.216.8.1", false)).toBeNull();
    expect(addressRefusal("2600:1f18::1", false)).toBeNull();
    expect(addressRefusal("127.0.0.1", true)).toBeNull();
    expect(addressRefusal("169.254.169.254", true)).toBeNull();
    // Never an S3 endpoint, whatever the policy.
    expect(addressRefusal("224.0.0.1", true)).toBe("a multicast address");
  });
});

describe("custom S3 endpoints", () => {
  let v4: Listener;
  let v6: Listener | null = null;

  beforeAll(async () => {
    v4 = await startListener("127.0.0.1");
    v6 = await startListener("::1").catch(() => null);
  });
  afterAll(async () => {
    await v4.close();
    await v6?.close();
  });

  /** Every spelling of a loopback address the app may be handed, as the tenant wrote it. */
  const loopbackForms = () => [
    { endpoint: `http://127.0.0.1:${v4.port}`, host: "127.0.0.1" },
    { endpoint: `http://0x7f000001:${v4.port}`, host: "127.0.0.1" },
    { endpoint: `http://2130706433:${v4.port}`, host: "127.0.0.1" },
    { endpoint: `http://127.1:${v4.port}`, host: "127.0.0.1" },
    { endpoint: `http://0177.0.0.1:${v4.port}`, host: "127.0.0.1" },
    { endpoint: `http://[::ffff:127.0.0.1]:${v4.port}`, host: "::ffff:7f00:1" },
    ...(v6 ? [{ endpoint: `http://[::1]:${v6.port}`, host: "::1" }] : []),
  ];
  const connections = () => v4.connections() + (v6?.connections() ?? 0);

  it("refuses each loopback spelling at save and at connect, before any connection", async () => {
    expect(v6, "IPv6 loopback is available on this machine").not.toBeNull();
    for (const { endpoint, host } of loopbackForms()) {
      // The operator allows the origin, but not private addresses: the address decides.
      const policy: EndpointPolicy = { allowedEndpoints: [endpoint], allowPrivateAddresses: false };
      expect(summary(await sourceError(checkEndpoint(endpoint, policy)))).toEqual({
        code: "ENDPOINT_REFUSED",
        message: `S3 endpoint ${endpoint} is refused: ${host} is a loopback address`,
      });
      // The S3 client's own guard, without the save-time check.
      expect(summary(await sourceError(source({ endpoint, network: policy }).list(null)))).toEqual({
        code: "ENDPOINT_REFUSED",
        message: `S3 endpoint ${endpoint} is refused: ${host} is a loopback address`,
      });
    }
    expect(connections()).toBe(0);
  });

  it.each([
    ["http://169.254.169.254", "169.254.169.254 is a cloud metadata address"],
    ["http://[fd00:ec2::254]", "fd00:ec2::254 is a cloud metadata address"],
    ["http://10.0.0.7:9000", "10.0.0.7 is a private address"],
    ["https://192.168.10.2", "192.168.10.2 is a private address"],
    ["http://[fe80::1]:9000", "fe80::1 is a link-local address"],
    ["http://100.64.1.1:9000", "100.64.1.1 is a carrier-grade NAT address"],
    ["http://0.0.0.0:9000", "0.0.0.0 is an unspecified address"],
    ["http://[::]:9000", ":: is an unspecified address"],
  ])("refuses %s at save and at connect", async (endpoint, why) => {
    const policy: EndpointPolicy = { allowedEndpoints: [endpoint], allowPrivateAddresses: false };
    const expected = { code: "ENDPOINT_REFUSED", message: `S3 endpoint ${endpoint} is refused: ${why}` };
    expect(summary(await sourceError(checkEndpoint(endpoint, policy)))).toEqual(expected);
    const started = Date.now();
    expect(summary(await sourceError(source({ endpoint, network: policy }).list(null)))).toEqual(expected);
    // Refused locally: no connect timeout was waited for.
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it("refuses a DNS name that resolves to loopback, at save and at connect", async () => {
    for (const name of ["localhost", "vm"]) {
      const endpoint = `http://${name}:${v4.port}`;
      const policy: EndpointPolicy = { allowedEndpoints: [endpoint], allowPrivateAddresses: false };
      const save = await sourceError(checkEndpoint(endpoint, policy));
      expect(save.code).toBe("ENDPOINT_REFUSED");
      expect(save.message).toMatch(new RegExp(`^S3 endpoint ${endpoint} is refused: ${name} resolves to (127\\.0\\.0\\.1|::1), a loopback address$`));
      const connect = await sourceError(source({ endpoint, network: policy }).list(null));
      expect(connect.code).toBe("ENDPOINT_REFUSED");
      expect(connect.message).toMatch(new RegExp(`^S3 endpoint ${endpoint} is refused: ${name} resolves to (127\\.0\\.0\\.1|::1), a loopback address$`));
    }
    expect(connections()).toBe(0);
  });

  it("refuses an endpoint the operator did not allow, naming the allowed ones", async () => {
    const endpoint = `http://127.0.0.1:${v4.port}`;
    expect(summary(await sourceError(checkEndpoint(endpoint, { allowedEndpoints: [], allowPrivateAddresses: true })))).toEqual({
      code: "ENDPOINT_REFUSED",
      message: `S3 endpoint ${endpoint} is refused: the server allows no custom S3 endpoints; ask the operator to allow this one`,
    });
    const policy = { allowedEndpoints: ["https://minio.example.com:9000"], allowPrivateAddresses: true };
    expect(summary(await sourceError(checkEndpoint(endpoint, policy)))).toEqual({
      code: "ENDPOINT_REFUSED",
      message: `S3 endpoint ${endpoint} is refused: it is not one of the endpoints the server allows (https://minio.example.com:9000)`,
    });
    expect(summary(await sourceError(source({ endpoint, network: policy }).list(null)))).toEqual({
      code: "ENDPOINT_REFUSED",
      message: `S3 endpoint ${endpoint} is refused: it is not one of the endpoints the server allows`,
    });
    // Same host, another port or scheme: another origin.
    const other = { allowedEndpoints: [`http://127.0.0.1:${v4.port + 1}`, `https://127.0.0.1:${v4.port}`], allowPrivateAddresses: true };
    expect((await sourceError(checkEndpoint(endpoint, other))).code).toBe("ENDPOINT_REFUSED");
    expect(summary(await sourceError(checkEndpoint("file:///etc/passwd", other)))).toEqual({
      code: "ENDPOINT_REFUSED",
      message: "S3 endpoint file:///etc/passwd is refused: its scheme is file, not http or https",
    });
    expect(connections()).toBe(0);
  });

  it("follows no redirect: not to the metadata address, not to another loopback port", async () => {
    const elsewhere = await startListener("127.0.0.1");
    const targets = ["http://169.254.169.254/latest/meta-data/iam/security-credentials/", `http://127.0.0.1:${elsewhere.port}/landing`];
    for (const location of targets) {
      const redirector = await startFakeService((_req, res) => {
        res.writeHead(307, { location });
        res.end();
      });
      try {
        // The redirecting server's own origin is allowed explicitly, private addresses too.
        const policy = { allowedEndpoints: [redirector.endpoint], allowPrivateAddresses: true };
        await checkEndpoint(redirector.endpoint, policy);
        const e = await sourceError(source({ endpoint: redirector.endpoint, network: policy }).list(null));
        expect(summary(e)).toEqual({
          code: "STORAGE",
          message: `S3 error on s3://${BUCKET}/orders/ at ${redirector.endpoint}: the endpoint answered HTTP 307`,
        });
        expect(redirector.requests).toHaveLength(1);
      } finally {
        await redirector.close();
      }
    }
    expect(elsewhere.connections()).toBe(0);
    await elsewhere.close();
  });

  it("summarises what a non-S3 service answers and never echoes its body", async () => {
    const secret = "SECRET-9f2c internal admin token";
    const answers: [string, (res: http.ServerResponse) => void, string][] = [
      [
        "500 with text",
        (res) => {
          res.writeHead(500, { "content-type": "text/plain" });
          res.end(secret);
        },
        "the endpoint answered HTTP 500",
      ],
      [
        "500 with S3-shaped XML",
        (res) => {
          res.writeHead(500, { "content-type": "application/xml" });
          res.end(`<Error><Code>InternalError</Code><Message>${secret}</Message></Error>`);
        },
        "the endpoint answered HTTP 500, InternalError",
      ],
      [
        "an error code that is not a word",
        (res) => {
          res.writeHead(500, { "content-type": "application/xml" });
          res.end(`<Error><Code>${secret}</Code><Message>x</Message></Error>`);
        },
        "the endpoint answered HTTP 500",
      ],
    ];
    for (const [, answer, expected] of answers) {
      const fake = await startFakeService((_req, res) => answer(res));
      try {
        const policy = { allowedEndpoints: [fake.endpoint], allowPrivateAddresses: true };
        const e = await sourceError(source({ endpoint: fake.endpoint, network: policy }).list(null));
        expect(summary(e)).toEqual({ code: "STORAGE", message: `S3 error on s3://${BUCKET}/orders/ at ${fake.endpoint}: ${expected}` });
        expect(e.message).not.toContain("SECRET");
      } finally {
        await fake.close();
      }
    }
    // A 200 page that is not a listing reads as an empty one: nothing of it reaches the caller.
    const page = await startFakeService((_req, res) => {
      res.writeHead(200, { "content-type": "text/html" });
      res.end(`<html><body>${secret}</body></html>`);
    });
    try {
      const policy = { allowedEndpoints: [page.endpoint], allowPrivateAddresses: true };
      expect(await source({ endpoint: page.endpoint, network: policy }).list(null)).toEqual({ objects: [], nextCursor: null });
    } finally {
      await page.close();
    }
  });

  it("signs with the connection's keys, never the server's, and sends nothing when anonymous", async () => {
    const fake = await startFakeService((_req, res) => {
      res.writeHead(200, { "content-type": "application/xml" });
      res.end(`<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>${BUCKET}</Name><IsTruncated>false</IsTruncated></ListBucketResult>`);
    });
    try {
      const policy = { allowedEndpoints: [fake.endpoint], allowPrivateAddresses: true };
      const serverEnv = { NODE_ENV: "test", AWS_ACCESS_KEY_ID: "AKIASERVERKEY", AWS_SECRET_ACCESS_KEY: "server-secret" };
      const keys = { accessKeyId: "AKIATENANTKEY", secretAccessKey: "tenant-secret" };
      expect((await source({ endpoint: fake.endpoint, network: policy, env: serverEnv, credentials: keys }).list(null)).objects).toEqual([]);
      expect((await source({ endpoint: fake.endpoint, network: policy, env: serverEnv, credentials: "anonymous" }).list(null)).objects).toEqual([]);
      expect(fake.requests).toHaveLength(2);
      expect(fake.requests[0]?.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIATENANTKEY\//);
      expect(fake.requests[1]?.authorization).toBeUndefined();
      expect(JSON.stringify(fake.requests)).not.toContain("AKIASERVERKEY");
    } finally {
      await fake.close();
    }
  });
});

describe("an allowed loopback endpoint, end to end", () => {
  let s3: S3TestServer;
  let staging: TempDir;

  beforeAll(async () => {
    s3 = await startS3Server();
    staging = await makeTempDir("network-policy");
    await s3.createBucket(BUCKET);
    await s3.put(BUCKET, "orders/a.jsonl", '{"id":1}\n');
  });
  afterAll(async () => {
    await s3.stop();
    await staging.remove();
  });

  it("lists and downloads through the guarded client when the operator allows it", async () => {
    const policy = { allowedEndpoints: [s3.endpoint], allowPrivateAddresses: true };
    await checkEndpoint(s3.endpoint, policy);
    const src = source({ endpoint: s3.endpoint, network: policy });
    const page = await src.list(null);
    expect(page.objects.map((o) => [o.path, o.size])).toEqual([["a.jsonl", 9]]);
    expect(await readFile(await src.localize("a.jsonl", staging.path), "utf8")).toBe('{"id":1}\n');
    // The same store, private addresses not allowed: refused.
    const strict = source({ endpoint: s3.endpoint, network: { allowedEndpoints: [s3.endpoint], allowPrivateAddresses: false } });
    expect(summary(await sourceError(strict.list(null)))).toEqual({
      code: "ENDPOINT_REFUSED",
      message: `S3 endpoint ${s3.endpoint} is refused: 127.0.0.1 is a loopback address`,
    });
  });
});
