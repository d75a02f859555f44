// One interface over where files land: local directories and S3 (or S3-compatible) prefixes.

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
  /** One page of objects, in a stable order, after `cursor`. */
  list(cursor: string | null, pageSize?: number): Promise<ListPage>;
  /** The object at `path`, or null when there is none. */
  stat(path: string): Promise<SourceObject | null>;
  /**
   * Makes the object readable as a local file and returns its path: local sources answer in
   * place, S3 downloads into `stagingDir` under a unique flat name.
   */
  localize(path: string, stagingDir: string): Promise<string>;
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
  | "STORAGE";

/** A storage failure with a message that says what to fix. */
export class SourceError extends Error {
  override name = "SourceError";
  constructor(
    readonly code: SourceErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Lists every object, page by page. */
export async function* listAll(source: Source, pageSize?: number): AsyncGenerator<SourceObject[]> {
  let cursor: string | null = null;
  do {
    const page: ListPage = await source.list(cursor, pageSize);
    if (page.objects.length > 0) yield page.objects;
    cursor = page.nextCursor;
  } while (cursor !== null);
}
