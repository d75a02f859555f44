// How a run ends, from what happened to its files. Pure.
import type { RunStatusValue } from "./status-transitions";

export interface RunCounts {
  loaded: number;
  failed: number;
}

type FinalRunStatus = Exclude<RunStatusValue, "QUEUED" | "RUNNING">;

/**
 * A finished run's status from its own files: files recorded from the ledger count on the run
 * that loaded them, and files gone from the source (MISSING) are skipped, neither loaded nor failed.
 */
export function runStatusFrom(c: RunCounts): FinalRunStatus {
  if (c.loaded + c.failed === 0) return "NO_NEW_FILES";
  if (c.failed === 0) return "SUCCEEDED";
  if (c.loaded === 0) return "FAILED";
  return "PARTIAL";
}

/**
 * The status of a run that ended early — its process died, or an error stopped it — once what it
 * committed is recorded (then, or later from the ledger): SUCCEEDED when every file it held loaded,
 * PARTIAL when some did, FAILED when none did (it never finished). `unfinished`: files it held
 * that neither loaded nor failed (they returned to the queue).
 */
export function stoppedRunStatusFrom(c: RunCounts & { unfinished: number }): FinalRunStatus {
  if (c.loaded === 0) return "FAILED";
  return c.failed + c.unfinished === 0 ? "SUCCEEDED" : "PARTIAL";
}

/** Splits files (already in load order) into batches bounded by count and bytes. */
export function partitionBatches<T extends { size: number }>(files: T[], maxFiles: number, maxBytes: number): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const f of files) {
    if (current.length > 0 && (current.length >= maxFiles || bytes + f.size > maxBytes)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(f);
    bytes += f.size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
