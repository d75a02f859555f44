// Estimated vs actual: what a run predicted when it claimed its files (bytes, and the duration
// the load model gives its files and bytes), shown beside what it did. Runs that recorded no
// estimate show "—".
import { formatBytes, formatCount, formatDuration } from "@/shared/format";
import type { Run } from "./run-types";

type WithEstimate = Pick<Run, "estimate" | "metrics">;

/** e.g. "est. 10.1 s", or "est. —" without an estimate. */
export function estimateText(value: number | null | undefined, format: (n: number) => string): string {
  return `est. ${value === null || value === undefined ? "—" : format(value)}`;
}

/** One sentence comparing the estimate with the actuals, for a tooltip. */
export function estimateSummary(run: WithEstimate): string {
  if (!run.estimate) return "No estimate was recorded for this run";
  const { durationMs, bytes } = run.estimate;
  const took = run.metrics.durationMs === null ? "not finished yet" : `took ${formatDuration(run.metrics.durationMs)}`;
  return (
    `Estimated ${formatDuration(durationMs)} for ${formatBytes(bytes)} (${formatCount(bytes)} bytes); ` +
    `${took}, ${formatBytes(run.metrics.bytesLoaded)} loaded`
  );
}

/** The estimate beneath or beside an actual value, quieter than it. */
export function Estimate({
  value,
  format,
  parenthesized = false,
  testId,
}: {
  value: number | null | undefined;
  format: (n: number) => string;
  /** "(est. 10.1 s)", for a table cell where it follows the actual value on one line. */
  parenthesized?: boolean;
  testId?: string;
}) {
  const text = estimateText(value, format);
  return (
    <span className="estimate" data-testid={testId}>
      {parenthesized ? `(${text})` : text}
    </span>
  );
}
