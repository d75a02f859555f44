// Which files a run takes, written once. Of a listing: the objects an ingestion selects
// (`candidate`: its glob, minus markers, after modifiedAfter). Of the recorded files: the ones a
// claim takes (`claimable`, the TypeScript form of the claim SQL in runs/file-state.ts, and
// `takenByLaterRuns`, the same once backoffs and leases have passed), oldest first (`claimOrder`),
// within a run's limits (`withinRunLimits`). Pure.
import picomatch from "picomatch";
import { requeuedByListing, type FailureKindValue, type FileStatusValue, type ListedVersion } from "./file-retry";

/** What an ingestion (or a draft, a preview) reads of its source. */
export interface FileSelection {
  glob: string | null;
  modifiedAfter: Date | null;
}

/** What a listing tells of an object that selection looks at. */
export interface ListedObject {
  path: string;
  size: number;
  lastModified: Date;
}

/** True for paths with a segment starting with "_" or ".": markers (_SUCCESS, .crc), never data. */
export function isMarker(p: string): boolean {
  return p.split("/").some((s) => s.startsWith("_") || s.startsWith("."));
}

/** Whether a path is the selection's: its glob (every path when none), never a marker. */
export function matcher(glob: string | null): (p: string) => boolean {
  // Like Spark and Auto Loader, names starting with "_" or "." are markers, not data (_SUCCESS).
  if (!glob) return (p) => !isMarker(p);
  const isMatch = picomatch(glob, { dot: false });
  return (p) => !isMarker(p) && isMatch(p);
}

export interface CandidateOptions {
  /**
   * Empty (0-byte) objects: "include" where the caller handles them itself (discovery records
   * them SKIPPED, the estimate counts them apart, the preview reads past them); "exclude" where
   * only what loads counts (the refresh plan).
   */
  emptyFiles: "include" | "exclude";
}

/**
 * The listed objects a selection takes: the glob's paths that are not markers, last modified
 * strictly after modifiedAfter when it is set, and empty files as `opts` says.
 */
export function candidate<T extends ListedObject>(selection: FileSelection, opts: CandidateOptions): (o: T) => boolean {
  const matches = matcher(selection.glob);
  const after = selection.modifiedAfter;
  const keepEmpty = opts.emptyFiles === "include";
  return (o) => (keepEmpty || o.size > 0) && matches(o.path) && (!after || o.lastModified > after);
}

/** What the claim rule reads of a recorded file (a ProcessedFile row). */
export interface ClaimState {
  status: FileStatusValue;
  failureKind: FailureKindValue | null;
  retryCount: number;
  nextAttemptAt: Date | null;
  leaseExpiresAt: Date | null;
}

/**
 * Whether a claim at `now` takes the file: the `claimable` SQL of runs/file-state.ts claimFiles,
 * clause for clause (the test in runs/claimable.int.test.ts runs both on the same rows). New
 * (PENDING) files; FAILED ones whose failure was transient (or of no recorded kind) under the
 * retry limit once their backoff has passed — any FAILED one for a retry of a run (`retry`: the
 * user asked; which files the run held is the claim's scope, not this rule); PROCESSING ones whose
 * lease expired (a crashed run's).
 */
export function claimable(f: ClaimState, at: { now: Date; maxRetries: number; retry?: boolean }): boolean {
  if (f.status === "PENDING") return true;
  if (f.status === "FAILED") {
    if (at.retry) return true;
    return (
      (f.failureKind === null || f.failureKind === "TRANSIENT") &&
      f.retryCount < at.maxRetries &&
      (f.nextAttemptAt === null || f.nextAttemptAt <= at.now)
    );
  }
  // SQL: NULL < now is not true.
  return f.status === "PROCESSING" && f.leaseExpiresAt !== null && f.leaseExpiresAt < at.now;
}

/**
 * Whether later runs take the file by themselves, now or once its backoff (or the lease of the run
 * holding it) has passed: `claimable` at a time past every backoff and lease. New and abandoned
 * files, and transient failures (or failures recorded before kinds were) under the limit.
 */
export function takenByLaterRuns(f: Pick<ClaimState, "status" | "failureKind" | "retryCount">, maxRetries: number): boolean {
  if (f.status === "PENDING" || f.status === "PROCESSING") return true;
  return f.status === "FAILED" && f.failureKind !== "DATA" && f.retryCount < maxRetries;
}

/**
 * Whether runs load a listed file, by discovery and the claims after it: one never recorded, one
 * the listing puts back in the queue (requeuedByListing), or one later runs take by themselves.
 */
export function takenAfterListing(
  recorded: (ListedVersion & Pick<ClaimState, "status" | "failureKind" | "retryCount">) | undefined,
  listed: ListedVersion,
  maxRetries: number,
): boolean {
  return !recorded || requeuedByListing(recorded, listed) || takenByLaterRuns(recorded, maxRetries);
}

/** The order a claim takes files in: oldest first, then by path (the claim SQL's window order). */
export function claimOrder(a: { path: string; lastModified: Date }, b: { path: string; lastModified: Date }): number {
  return a.lastModified.getTime() - b.lastModified.getTime() || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
}

/** A run's limits; null for none. */
export interface RunLimits {
  maxFiles: number | null;
  maxBytes: number | null;
}

/**
 * The files one run takes of `files` (in claim order): the longest prefix within maxFiles whose
 * bytes stay within maxBytes, except that the first file is always taken (alone it may exceed
 * maxBytes: the load then fails it, naming both sizes). The claim SQL's `rn <= maxFiles AND
 * (cum <= maxBytes OR rn = 1)`.
 */
export function withinRunLimits<T extends { size: number }>(files: readonly T[], limits: RunLimits): T[] {
  const maxFiles = limits.maxFiles ?? Number.POSITIVE_INFINITY;
  const maxBytes = limits.maxBytes ?? Number.POSITIVE_INFINITY;
  const taken: T[] = [];
  let bytes = 0;
  for (const f of files) {
    if (taken.length >= maxFiles || (taken.length > 0 && bytes + f.size > maxBytes)) break;
    taken.push(f);
    bytes += f.size;
  }
  return taken;
}
