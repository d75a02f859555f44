"use client";
// One row per run: outcome, timing and volume, with a link to the run's page.
import Link from "next/link";
import { DateTime } from "@/components/date-time";
import { formatBytes, formatCount, formatDuration } from "@/shared/format";
import { RunDuration } from "./run-duration";
import { Estimate, estimateSummary } from "./run-estimate";
import { RunStatus } from "./run-status";
import { TRIGGER_LABELS, shortRunId, type Run } from "./run-types";

export function RunsTable({ runs, busy }: { runs: Run[]; busy: boolean }) {
  return (
    <div className="table-wrap" aria-busy={busy ? true : undefined}>
      <table className="runs-table">
        <thead>
          <tr>
            <th scope="col">Status</th>
            <th scope="col">Trigger</th>
            <th scope="col">Started</th>
            <th scope="col">
              Duration <span className="th-hint">actual (estimate)</span>
            </th>
            <th scope="col">
              Files <span className="th-hint">loaded / failed / skipped</span>
            </th>
            <th scope="col" className="numeric">
              Rows
            </th>
            <th scope="col" className="numeric">
              Bytes
            </th>
            <th scope="col">
              <span className="visually-hidden">Details</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {runs.map((run) => (
            <RunRow key={run.id} run={run} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function RunRow({ run }: { run: Run }) {
  const { metrics } = run;
  return (
    <tr data-run-id={run.id}>
      <td>
        <RunStatus run={run} />
      </td>
      <td>{TRIGGER_LABELS[run.trigger]}</td>
      <td>{run.startedAt ? <DateTime seconds value={run.startedAt} /> : <span className="muted">Not started</span>}</td>
      <td className="cell-duration" title={estimateSummary(run)}>
        <RunDuration run={run} />{" "}
        <Estimate value={run.estimate?.durationMs} format={formatDuration} parenthesized />
      </td>
      <td>
        <FileCounts loaded={metrics.filesLoaded} failed={metrics.filesFailed} skipped={metrics.filesSkipped} />
      </td>
      <td className="numeric">{formatCount(metrics.rowsLoaded)}</td>
      <td className="numeric" title={`${formatCount(metrics.bytesLoaded)} bytes`}>
        {formatBytes(metrics.bytesLoaded)}
      </td>
      <td className="cell-actions">
        <Link href={`/runs/${run.id}`} title={`Run ${shortRunId(run.id)}`}>
          Details
        </Link>
      </td>
    </tr>
  );
}

function FileCounts({ loaded, failed, skipped }: { loaded: number; failed: number; skipped: number }) {
  return (
    <span
      className="file-counts"
      title={`${formatCount(loaded)} loaded, ${formatCount(failed)} failed, ${formatCount(skipped)} skipped`}
    >
      <span>{formatCount(loaded)}</span>
      <span className="muted"> / </span>
      <span className={failed > 0 ? "count-failed" : undefined}>{formatCount(failed)}</span>
      <span className="muted"> / </span>
      <span>{formatCount(skipped)}</span>
    </span>
  );
}
