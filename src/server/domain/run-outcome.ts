// How a run ends, from what happened to its files. Pure.
import type { RunStatusValue } from "./status-transitions";

export interface RunCounts {
  claimed: number;
  loaded: number;
  failed: number;
}

export function runStatusFrom(c: RunCounts): Exclude<RunStatusValue, "QUEUED" | "RUNNING"> {
  if (c.claimed === 0) return "NO_NEW_FILES";
  if (c.failed === 0) return "SUCCEEDED";
  if (c.loaded === 0) return "FAILED";
  return "PARTIAL";
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
