// A real S3-compatible server (s3rver) for integration tests: a child process on loopback with
// its own temp directory, so tests exercise the AWS SDK over HTTP exactly as against a real store.
import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { freePort } from "./ports";

/** s3rver accepts only these credentials (any other access key is InvalidAccessKeyId). */
export const S3RVER_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } as const;

/** The environment an S3Source reads its credentials from, for tests that must not touch process.env. */
export const S3RVER_ENV: NodeJS.ProcessEnv = {
  NODE_ENV: "test",
  AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
};

export interface S3TestServer {
  /** e.g. http://127.0.0.1:41234 */
  endpoint: string;
  port: number;
  client: S3Client;
  createBucket(name: string): Promise<void>;
  put(bucket: string, key: string, body: string | Buffer): Promise<void>;
  /**
   * Bulk fixture: writes objects straight into s3rver's on-disk store (the layout of s3rver
   * 3.7.1: `<key>._S3rver_object`, `.md5`, `._S3rver_metadata.json`) instead of one PUT each,
   * which costs seconds for thousands of keys. Reads still go through s3rver over HTTP.
   * The bucket must exist (createBucket).
   */
  seed(bucket: string, objects: Record<string, string | Buffer>): Promise<void>;
  /**
   * An outage: stops the server but keeps its data, so `resume` brings the same objects back on
   * the same endpoint. Until then every request is refused (ECONNREFUSED).
   */
  suspend(): Promise<void>;
  /** Starts the suspended server again, on the same port, over the same data. */
  resume(): Promise<void>;
  /** Stops the server (idempotent) and removes its data directory. */
  stop(): Promise<void>;
}

export { freePort };

async function waitUntilAnswering(endpoint: string, child: ChildProcess, stderr: () => string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`s3rver exited (${child.exitCode ?? child.signalCode}) before answering: ${stderr()}`);
    }
    try {
      // Any HTTP answer (s3rver says 403 to an unsigned ListBuckets) means it is up.
      await fetch(endpoint, { signal: AbortSignal.timeout(1_000) });
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`s3rver did not answer at ${endpoint} within ${timeoutMs} ms: ${stderr()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** s3rver's CLI, resolved like an import so the helper does not depend on the working directory. */
const S3RVER_BIN = createRequire(import.meta.url).resolve("s3rver/bin/s3rver.js");

interface Launched {
  port: number;
  endpoint: string;
  child: ChildProcess;
  exited: Promise<void>;
}

/**
 * Spawns s3rver on a free port (or on `fixedPort`) and waits for it to answer; another attempt if
 * the port was taken meanwhile.
 */
async function launch(dir: string, fixedPort?: number): Promise<Launched> {
  for (let attempt = 1; ; attempt++) {
    const port = fixedPort ?? (await freePort());
    const endpoint = `http://127.0.0.1:${port}`;
    // --openssl-legacy-provider: without it s3rver answers 500 to any ListObjectsV2 past page one.
    const child = spawn(
      process.execPath,
      ["--openssl-legacy-provider", S3RVER_BIN, "-d", dir, "-a", "127.0.0.1", "-p", String(port), "--silent"],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    let stderr = "";
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    try {
      await waitUntilAnswering(endpoint, child, () => stderr, 15_000);
      return { port, endpoint, child, exited };
    } catch (error) {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
      if (attempt >= 3 || !stderr.includes("EADDRINUSE")) throw error;
    }
  }
}

export async function startS3Server(): Promise<S3TestServer> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "autoloader-s3rver-"));
  let launched: Launched;
  try {
    launched = await launch(dir);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const { port, endpoint } = launched;
  let { child, exited } = launched;
  // A test process that exits without afterAll (a crash, a timeout) must not leave s3rver behind.
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  const halt = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
  };

  const client = new S3Client({
    endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: S3RVER_CREDENTIALS,
    // Without these the SDK sends aws-chunked bodies, which s3rver stores framing and all.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });

  let stopped = false;
  const stop = async () => {
    if (!stopped) {
      stopped = true;
      process.removeListener("exit", killOnExit);
      client.destroy();
      await halt();
    }
    await rm(dir, { recursive: true, force: true });
  };

  return {
    endpoint,
    port,
    client,
    stop,
    suspend: halt,
    async resume() {
      if (stopped) throw new Error("resume: the server was stopped for good");
      if (child.exitCode === null && child.signalCode === null) return;
      ({ child, exited } = await launch(dir, port));
    },
    async createBucket(name) {
      await client.send(new CreateBucketCommand({ Bucket: name }));
    },
    async put(bucket, key, body) {
      // An explicit length: the SDK warns about (and may stream) bodies it cannot measure.
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentLength: Buffer.byteLength(body) }));
    },
    async seed(bucket, objects) {
      const write = async ([key, body]: [string, string | Buffer]) => {
        if (key.endsWith("/") || key.split("/").some((s) => s === "" || s === "." || s === "..")) {
          throw new Error(`seed: key ${JSON.stringify(key)} cannot be written as a file; use put()`);
        }
        const base = path.join(dir, bucket, ...key.split("/"));
        await mkdir(path.dirname(base), { recursive: true });
        await writeFile(`${base}._S3rver_object`, body);
        await writeFile(`${base}._S3rver_object.md5`, createHash("md5").update(body).digest("hex"));
        await writeFile(`${base}._S3rver_metadata.json`, JSON.stringify({ "content-type": "application/octet-stream" }));
      };
      const entries = Object.entries(objects);
      // In chunks, to stay far below the open-files limit.
      for (let i = 0; i < entries.length; i += 200) await Promise.all(entries.slice(i, i + 200).map(write));
    },
  };
}
