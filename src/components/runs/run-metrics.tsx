// A run's numbers at a glance, then when and how it ran.
import Link from "next/link";
import type { ReactNode } from "react";
import { DateTime } from "@/components/date-time";
import { Property, PropertiesCard } from "@/components/properties";
import { formatBytes, formatCount, formatDuration } from "@/shared/format";
import { RunDuration } from "./run-duration";
import { Estimate, estimateSummary } from "./run-estimate";
import { METHOD_LABELS, TRIGGER_LABELS, isActiveRun, type Run } from "./run-types";

export function RunMetrics({ run }: { run: Run }) {
  const { metrics } = run;
  return (
    <dl className="metrics" aria-label="Run metrics">
      <Metric name="Files discovered">{formatCount(metrics.filesDiscovered)}</Metric>
      <Metric name="Files loaded">{formatCount(metrics.filesLoaded)}</Metric>
      <Metric name="Files failed" tone={metrics.filesFailed > 0 ? "bad" : undefined}>
        {formatCount(metrics.filesFailed)}
      </Metric>
      <Metric name="Files skipped">{formatCount(metrics.filesSkipped)}</Metric>
      <Metric name="Rows loaded">{formatCount(metrics.rowsLoaded)}</Metric>
      <Metric name="Bytes loaded" title={`${formatCount(metrics.bytesLoaded)} bytes; ${estimateSummary(run)}`}>
        {formatBytes(metrics.bytesLoaded)}
        <Estimate value={run.estimate?.bytes} format={formatBytes} testId="estimate-bytes" />
      </Metric>
      <Metric name="Duration" title={estimateSummary(run)}>
        <RunDuration run={run} />
        <Estimate value={run.estimate?.durationMs} format={formatDuration} testId="estimate-duration" />
      </Metric>
    </dl>
  );
}

function Metric({ name, tone, title, children }: { name: string; tone?: "bad"; title?: string; children: ReactNode }) {
  return (
    <div className={tone === "bad" ? "metric metric-bad" : "metric"}>
      <dt>{name}</dt>
      <dd title={title}>{children}</dd>
    </div>
  );
}

export function RunTimeline({ run }: { run: Run }) {
  return (
    <PropertiesCard title="How it ran" headingId="run-timeline-title">
      <Property name="Trigger">{TRIGGER_LABELS[run.trigger]}</Property>
      <Property name="Method">{METHOD_LABELS[run.method]}</Property>
      <Property name="Listing">
        {run.listing.requests === null ? (
          <span className="muted">Not listed</span>
        ) : (
          <>
            {formatCount(run.listing.requests)} LIST request{run.listing.requests === 1 ? "" : "s"}
            {run.listing.startedAfter === null ? ", everything" : <>, after <code>{run.listing.startedAfter}</code></>}
          </>
        )}
      </Property>
      {isActiveRun(run) ? (
        <Property name="Current step">{run.currentStep ? <code>{run.currentStep}</code> : <span className="muted">—</span>}</Property>
      ) : null}
      <Property name="Queued">
        <DateTime seconds value={run.queuedAt} />
      </Property>
      <Property name="Started">
        <DateTime seconds value={run.startedAt} empty="Not started" />
      </Property>
      <Property name="Finished">
        <DateTime seconds value={run.finishedAt} empty={isActiveRun(run) ? "Not yet" : "—"} />
      </Property>
      {run.retryOfRunId ? (
        <Property name="Retry of">
          <Link href={`/runs/${run.retryOfRunId}`}>
            <code>{run.retryOfRunId}</code>
          </Link>
        </Property>
      ) : null}
      {run.eventId ? (
        <Property name="Event id">
          <code>{run.eventId}</code>
        </Property>
      ) : null}
      <Property name="Run id">
        <code>{run.id}</code>
      </Property>
    </PropertiesCard>
  );
}
