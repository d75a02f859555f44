"use client";
// How long a run took, or has been running so far.
import { Elapsed } from "./elapsed";
import { formatDuration } from "@/shared/format";
import { isActiveRun, type Run } from "./run-types";

export function RunDuration({ run }: { run: Pick<Run, "status" | "startedAt" | "metrics"> }) {
  if (run.metrics.durationMs !== null) return <>{formatDuration(run.metrics.durationMs)}</>;
  if (isActiveRun(run) && run.startedAt) return <Elapsed since={run.startedAt} />;
  return <span className="muted">—</span>;
}
