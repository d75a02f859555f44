// An S3 or S3-compatible prefix. Credentials are given by the caller (a connection's own keys, or
// "anonymous" for unsigned requests); without them the environment is the fallback:
// AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, or AUTOLOADER_S3_<REF>_ACCESS_KEY_ID /
// _SECRET_ACCESS_KEY for a credentials reference. The SDK's default chain is not used: it would
// probe the cloud metadata endpoint, which is wrong off-cloud. A custom endpoint is reached only
// through the network policy's guarded agents (network-policy.ts), and errors say what S3 answered
// (status, error code), never the body a remote service sent.
import { createWriteStream } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import path from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { guardedAgents, type EndpointPolicy } from "./network-policy";
import { SourceError, stagedName, type ListPage, type Source, type SourceObject } from "./source";

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface S3SourceOptions {
  bucket: string;
  /** Key prefix without a leading slash; treated as a directory ("" for the whole bucket). */
  prefix: string;
  region?: string | null;
  endpoint?: string | null;
  forcePathStyle?: boolean;
  /** Fallback only, when `credentials` is undefined: the environment's keys for this reference. */
  credentialsRef?: string | null;
  /** The keys to sign with, or "anonymous" for unsigned requests; when given, the environment is not read. */
  credentials?: S3Credentials | "anonymous";
  /**
   * What a custom endpoint may reach; every connection is checked against it after DNS
   * resolution. Not applied without a custom endpoint (AWS itself).
   */
  network?: EndpointPolicy;
  /** Attempts per request, with exponential backoff between them (SDK standard retry). */
  maxAttempts?: number;
  env?: Record<string, string | undefined>;
}

export function s3Credentials(ref: string | null | undefined, env: Record<string, string | undefined>): S3Credentials {
  const prefix = ref ? `AUTOLOADER_S3_${ref}_` : "AWS_";
  const accessKeyId = env[`${prefix}ACCESS_KEY_ID`];
  const secretAccessKey = env[`${prefix}SECRET_ACCESS_KEY`];
  if (!accessKeyId || !secretAccessKey) {
    throw new SourceError(
      "NO_CREDENTIALS",
      ref
        ? `No S3 credentials for reference ${ref}: set AUTOLOADER_S3_${ref}_ACCESS_KEY_ID and AUTOLOADER_S3_${ref}_SECRET_ACCESS_KEY on the server`
        : "No S3 credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY on the server, or give the ingestion a credentials reference",
    );
  }
  const sessionToken = env[`${prefix}SESSION_TOKEN`];
  return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
}

const UNREACHABLE_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "ECONNRESET", "EHOSTUNREACH", "ENETUNREACH"]);

export class S3Source implements Source {
  readonly type = "S3" as const;
  readonly uri: string;
  private readonly prefix: string;
  private client: S3Client | undefined;

  constructor(private readonly options: S3SourceOptions) {
    this.prefix = options.prefix === "" || options.prefix.endsWith("/") ? options.prefix : `${options.prefix}/`;
    this.uri = `s3://${options.bucket}/${this.prefix}`;
  }

  private s3(): S3Client {
    if (this.client) return this.client;
    const { endpoint, network, credentials } = this.options;
    const keys = credentials ?? s3Credentials(this.options.credentialsRef, this.options.env ?? process.env);
    this.client = new S3Client({
      region: this.options.region ?? this.options.env?.AWS_REGION ?? process.env.AWS_REGION ?? "us-east-1",
      ...(endpoint ? { endpoint } : {}),
      forcePathStyle: this.options.forcePathStyle ?? false,
      ...(keys === "anonymous"
        ? // Unsigned: the signer hands the request back as it is; the placeholder keys are never sent.
          { credentials: { accessKeyId: "", secretAccessKey: "" }, signer: { sign: (request) => Promise.resolve(request) } }
        : { credentials: keys }),
      maxAttempts: this.options.maxAttempts ?? 3,
      requestHandler: {
        connectionTimeout: 5_000,
        requestTimeout: 60_000,
        ...(endpoint && network ? guardedAgents(endpoint, network) : {}),
      },
      // Checksums only where S3 requires them: S3-compatible stores differ in what they support.
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
      // Never follow a redirect to another region's endpoint: the endpoint is what was checked.
      followRegionRedirects: false,
    });
    return this.client;
  }

  private where(): string {
    return this.options.endpoint ? ` at ${this.options.endpoint}` : "";
  }

  /**
   * Turns an SDK failure into a SourceError that says what to fix. What a remote service answered
   * is summarised (HTTP status, S3 error code), never quoted: the endpoint may not be S3 at all.
   */
  toSourceError(error: unknown, key?: string): SourceError {
    if (error instanceof SourceError) return error;
    const e = error as { name?: string; code?: string; $metadata?: { httpStatusCode?: number }; cause?: unknown };
    if (e.cause instanceof SourceError) return e.cause;
    const status = e.$metadata?.httpStatusCode;
    // An error code is a word (NoSuchBucket, SlowDown); anything else is not S3's and is left out.
    const name = e.name && /^[A-Za-z][A-Za-z0-9.]{0,63}$/.test(e.name) && e.name !== "Error" ? e.name : "";
    const target = key ? `s3://${this.options.bucket}/${key}` : this.uri;
    const code = e.code ?? (e.cause as { code?: string } | undefined)?.code;
    if (code && UNREACHABLE_CODES.has(code)) {
      return new SourceError("UNREACHABLE", `Cannot reach the S3 endpoint${this.where() || " (AWS)"}: ${code}`, { cause: error });
    }
    if (name === "TimeoutError" || name === "RequestTimeout") {
      return new SourceError("UNREACHABLE", `The S3 endpoint${this.where()} did not answer in time`, { cause: error });
    }
    if (name === "NoSuchBucket") {
      return new SourceError("NO_SUCH_BUCKET", `S3 bucket '${this.options.bucket}' does not exist${this.where()}`, { cause: error });
    }
    if (name === "InvalidAccessKeyId" || name === "SignatureDoesNotMatch" || name === "InvalidToken" || name === "ExpiredToken") {
      return new SourceError("INVALID_CREDENTIALS", `S3 rejected the credentials (${name}); check the access key and secret`, { cause: error });
    }
    if (name === "AccessDenied" || status === 403) {
      return new SourceError(
        "ACCESS_DENIED",
        `Access denied to ${target}: the credentials need s3:ListBucket and s3:GetObject on it`,
        { cause: error },
      );
    }
    if (name === "NoSuchKey" || name === "NotFound" || status === 404) {
      return new SourceError("NOT_FOUND", `${target} does not exist`, { cause: error });
    }
    const answered = [status ? `HTTP ${status}` : null, name && name !== "Unknown" && name !== "UnknownError" ? name : null].filter(Boolean);
    return new SourceError(
      "STORAGE",
      answered.length > 0
        ? `S3 error on ${target}${this.where()}: the endpoint answered ${answered.join(", ")}`
        : `S3 error on ${target}${this.where()}: the endpoint's answer is not an S3 response`,
      { cause: error },
    );
  }

  async list(cursor: string | null, pageSize = 1000, startAfter: string | null = null): Promise<ListPage> {
    try {
      const res = await this.s3().send(
        new ListObjectsV2Command({
          Bucket: this.options.bucket,
          Prefix: this.prefix,
          MaxKeys: pageSize,
          // StartAfter only opens a listing; its continuation token carries on from there.
          ...(cursor ? { ContinuationToken: cursor } : startAfter ? { StartAfter: this.prefix + startAfter } : {}),
        }),
      );
      const objects: SourceObject[] = [];
      for (const o of res.Contents ?? []) {
        if (!o.Key || o.Key.endsWith("/")) continue; // "directory" markers
        objects.push({
          path: o.Key.slice(this.prefix.length),
          size: o.Size ?? 0,
          lastModified: o.LastModified ?? new Date(0),
          etag: o.ETag ? o.ETag.replaceAll('"', "") : null,
        });
      }
      return { objects, nextCursor: res.IsTruncated && res.NextContinuationToken ? res.NextContinuationToken : null };
    } catch (error) {
      throw this.toSourceError(error);
    }
  }

  async stat(relPath: string): Promise<SourceObject | null> {
    const key = this.prefix + relPath;
    try {
      const res = await this.s3().send(new HeadObjectCommand({ Bucket: this.options.bucket, Key: key }));
      return {
        path: relPath,
        size: res.ContentLength ?? 0,
        lastModified: res.LastModified ?? new Date(0),
        etag: res.ETag ? res.ETag.replaceAll('"', "") : null,
      };
    } catch (error) {
      const mapped = this.toSourceError(error, key);
      if (mapped.code === "NOT_FOUND") return null;
      throw mapped;
    }
  }

  async localize(relPath: string, stagingDir: string): Promise<string> {
    const key = this.prefix + relPath;
    const dest = path.join(stagingDir, stagedName(relPath));
    try {
      await mkdir(stagingDir, { recursive: true });
      const res = await this.s3().send(new GetObjectCommand({ Bucket: this.options.bucket, Key: key }));
      if (!res.Body) throw new SourceError("STORAGE", `S3 returned no body for s3://${this.options.bucket}/${key}`);
      await pipeline(res.Body as Readable, createWriteStream(dest));
      return dest;
    } catch (error) {
      throw this.toSourceError(error, key);
    }
  }

  async release(localPaths: string[]): Promise<void> {
    await Promise.all(localPaths.map((p) => rm(p, { force: true })));
  }

  uriOf(relPath: string): string {
    return `${this.uri}${relPath}`;
  }
}
