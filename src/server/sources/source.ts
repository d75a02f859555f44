// One interface over where files land: local directories and S3 (or S3-compatible) prefixes.
import { createHash } from "node:crypto";

export interface SourceObject {
  /** Path relative to the source root (the local directory, or the S3 prefix), with "/" separators. */
  path: string;
  size: number;
  lastModified: Date;
  etag: string | null;
}

export interface ListPage {
  objects: SourceObject[];
  /** Pass back to `list` for the next page; null when the listing is complete. */
  nextCursor: string | null;
}

export interface Source {
  readonly type: "LOCAL" | "S3";
  /** The source as users wrote it, e.g. s3://bucket/prefix or /data/landing. */
  readonly uri: string;
  /**
   * One page of objects after `cursor`, in the lexical order of their paths (S3's key order; a
   * local source walks its directories sorted the same way). Without a cursor the listing starts
   * after the path `startAfter` when one is given, so an ordered listing (see runs/steps/discover.ts)
   * asks only for what sorts after the last path it saw, not for the whole prefix.
   */
  list(cursor: string | null, pageSize?: number, startAfter?: string | null): Promise<ListPage>;
  /** The object at `path`, or null when there is none. */
  stat(path: string): Promise<SourceObject | null>;
  /**
   * Makes the object readable as a local file and returns the path DuckDB is to open, unique in
   * `stagingDir`: S3 downloads there under a flat name; a local source opens the file, checks what
   * it opened, and links to that open file there (no copy, and no window for a swap). What it
   * holds stays until `release`.
   */
  localize(path: string, stagingDir: string): Promise<string>;
  /** Frees what `localize` held for these paths (open files, staged copies); unknown paths are ignored. */
  release(localPaths: string[]): Promise<void>;
  /** Full URI of one object, for lineage and messages. */
  uriOf(path: string): string;
}

export type SourceErrorCode =
  | "NO_CREDENTIALS"
  | "INVALID_CREDENTIALS"
  | "ACCESS_DENIED"
  | "NO_SUCH_BUCKET"
  | "NOT_FOUND"
  | "UNREACHABLE"
  | "OUTSIDE_ROOTS"
  /** A connection the operator's grants do not allow this tenant (roots, endpoints, credentials). */
  | "NOT_GRANTED"
  /** A custom S3 endpoint the network policy refuses (not allowed, or a non-public address). */
  | "ENDPOINT_REFUSED"
  | "STORAGE";

/** A storage failure with a message that says what to fix. */
export class SourceError extends Error {
  override name = "SourceError";
  /**
   * By name and code, not by prototype: the runtime (and its source factory) is one per process,
   * shared by Next's bundles, each with its own copy of this class, so a route's `instanceof`
   * must also accept the copy that threw.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return value instanceof Error && value.name === "SourceError" && typeof (value as { code?: unknown }).code === "string";
  }
  constructor(
    readonly code: SourceErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * A flat, collision-free file name for `relPath` in a staging directory: keys "x" and "x/y.jsonl"
 * are both legal in S3, and a key can hold "..". The extensions stay, for DuckDB's compression
 * and format detection (.gz, .zst).
 */
export function stagedName(relPath: string): string {
  const base = relPath.slice(relPath.lastIndexOf("/") + 1);
  const dot = base.indexOf(".", 1);
  const ext = dot === -1 ? "" : base.slice(dot).replace(/[^A-Za-z0-9.]/g, "_");
  return `${createHash("sha256").update(relPath).digest("hex").slice(0, 24)}${ext}`;
}
