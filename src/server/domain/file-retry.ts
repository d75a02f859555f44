// When later runs take a file that did not load again: the rule behind the claim, discovery and
// the cost estimate (domain/file-selection.ts applies it). A failure of the storage (TRANSIENT) is
// retried by itself after a growing backoff, up to the retry limit; a failure of the data (DATA)
// only once the file changes, or when a user asks (retry, reprocess); a file gone from the source
// (MISSING) once it is listed again. Pure.
import type { FailureKind, FileStatus } from "@/generated/prisma/enums";

export type FailureKindValue = FailureKind;

/** DuckDB's error classes that are about what a file holds: the same bytes fail the same way again. */
const DATA_ERROR = /^(Invalid Input|Conversion|Binder|Parser|Not implemented|Out of Range) Error:/;
/** I/O errors that are about a file's content (compression, framing), not the machine. */
const DATA_IO_ERROR = /^IO Error: .*(not a (gzip|zstd) stream|corrupt|truncated|magic|decompress|unexpected end)/i;

/**
 * Whether a load error (the engine's message, before any file name is added) is the file's own —
 * parse, conversion, schema or a broken compression stream — or the machine's. Anything not known
 * to be the data's is TRANSIENT: retried after a backoff up to the retry limit, so an unexpected
 * fault of the environment never parks good files for good.
 */
export function failureKindOf(engineMessage: string): FailureKindValue {
  // Quoted parts are names (files, columns): what they say must not decide.
  const unquoted = engineMessage.replace(/"[^"]*"|'[^']*'/g, "");
  return DATA_ERROR.test(unquoted) || DATA_IO_ERROR.test(unquoted) ? "DATA" : "TRANSIENT";
}
export type FileStatusValue = FileStatus;

/** What a listing says about a file. */
export interface ListedVersion {
  size: number | bigint;
  etag: string | null;
  lastModified: Date;
}

/** Whether the listing shows another version of the file than the one recorded: its size, ETag or modification time differ. */
export function listingChanged(recorded: ListedVersion, listed: ListedVersion): boolean {
  return (
    BigInt(recorded.size) !== BigInt(listed.size) ||
    recorded.etag !== listed.etag ||
    recorded.lastModified.getTime() !== listed.lastModified.getTime()
  );
}

/**
 * Whether discovery puts a known file back in the queue (PENDING, its retries counted afresh):
 * one gone from the source that is listed again, or a failed one whose listing shows it changed.
 * A loaded file stays loaded, even when it is overwritten.
 */
export function requeuedByListing(recorded: ListedVersion & { status: FileStatusValue }, listed: ListedVersion): boolean {
  if (recorded.status === "MISSING") return true;
  return recorded.status === "FAILED" && listingChanged(recorded, listed);
}

/** How long later runs wait after a file's `failures`-th transient failure: base · 2^(failures − 1), at most the cap. */
export function retryBackoffMs(failures: number, s: { retryBackoffMs: number; retryBackoffMaxMs: number }): number {
  return Math.min(s.retryBackoffMaxMs, s.retryBackoffMs * 2 ** Math.max(0, Math.min(failures - 1, 40)));
}
