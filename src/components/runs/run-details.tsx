"use client";
// Everything about one run: its outcome, numbers, error, files and schema changes. Re-read every
// moment while the run is queued or running.
import { useCanEdit } from "@/components/auth/role-context";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { QueryError } from "@/components/query-error";
import { useTRPC } from "@/trpc/react";
import { RunFilesTable } from "./run-files-table";
import { RunMetrics, RunTimeline } from "./run-metrics";
import { RunSchemaChanges } from "./run-schema-changes";
import { RunStatus } from "./run-status";
import { RetryRunButton } from "./retry-run-button";
import { CancelRunButton } from "./cancel-run-button";
import { isActiveRun, shortRunId, type Run } from "./run-types";
import { runPollInterval, useOnRunsSettled } from "./use-run-polling";

export function RunDetails({ id }: { id: string }) {
  const trpc = useTRPC();
  const canEdit = useCanEdit();
  const queryClient = useQueryClient();
  const query = useQuery({
    ...trpc.runs.get.queryOptions({ id }),
    refetchInterval: (q) => runPollInterval(q.state.data ? isActiveRun(q.state.data.run) : false),
  });
  const active = query.data ? isActiveRun(query.data.run) : false;
  const ingestionId = query.data?.run.ingestionId;

  // The run's end changes its ingestion's runs list and "last run".
  useOnRunsSettled(active, () => {
    void queryClient.invalidateQueries(trpc.runs.list.pathFilter());
    if (ingestionId) void queryClient.invalidateQueries(trpc.ingestions.get.queryFilter({ id: ingestionId }));
    void queryClient.invalidateQueries(trpc.ingestions.list.pathFilter());
  });

  if (query.isPending) return <p className="muted">Loading the run…</p>;
  if (query.isError) return <QueryError error={query.error} what="the run" />;
  const { run, files, filesTotal, schemaVersions } = query.data;
  return (
    <>
      <p className="breadcrumb">
        <Link href={`/ingestions/${run.ingestionId}`}>← Back to {run.ingestionName}</Link>
      </p>
      <div className="page-header">
        <div className="title-row">
          <h1 title={run.id}>Run {shortRunId(run.id)}</h1>
          <RunStatus run={run} />
        </div>
        {active ? (
          <span className="muted live-note" role="status">
            Updating while the run is active…
          </span>
        ) : null}
        {isRetryable(run) && canEdit ? <RetryRunButton runId={run.id} ingestionId={run.ingestionId} /> : null}
        {active && canEdit ? <CancelRunButton runId={run.id} cancelRequested={run.cancelRequestedAt !== null} /> : null}
      </div>
      <RunLineage run={run} />
      {run.error ? <RunError message={run.error} /> : null}
      {run.warnings.length > 0 ? <RunWarnings warnings={run.warnings} /> : null}
      <RunMetrics run={run} />
      <div className="cards run-cards">
        <RunTimeline run={run} />
        <RunSchemaChanges versions={schemaVersions} />
      </div>
      <RunFilesTable files={files} filesTotal={filesTotal} filesFailed={run.metrics.filesFailed} active={active} />
    </>
  );
}

function RunError({ message }: { message: string }) {
  return (
    <section className="notice notice-error run-error" aria-labelledby="run-error-title" data-testid="run-error">
      <h2 id="run-error-title">Error</h2>
      <p className="error-text">{message}</p>
    </section>
  );
}

/** What the run noticed about the data without failing: a column's type decided by a few odd values, renamed keys. */
function RunWarnings({ warnings }: { warnings: Run["warnings"] }) {
  return (
    <section className="notice notice-warning run-warnings" aria-labelledby="run-warnings-title" data-testid="run-warnings">
      <h2 id="run-warnings-title">{warnings.length === 1 ? "Warning" : `${warnings.length} warnings`}</h2>
      <ul className="plain">
        {warnings.map((w) => (
          <li key={w.message} data-code={w.code}>
            {w.message}
          </li>
        ))}
      </ul>
    </section>
  );
}

/** Only a finished run that left files unloaded can be retried. */
function isRetryable(run: Run): boolean {
  return run.status === "FAILED" || run.status === "PARTIAL";
}

/** The run this one retries, and the runs that retried this one. */
function RunLineage({ run }: { run: Run }) {
  const trpc = useTRPC();
  // Retries come after the run: its ingestion's runs queued since it hold them (the newest 100).
  const retries = useQuery({
    ...trpc.runs.list.queryOptions({ ingestionId: run.ingestionId, since: run.queuedAt, limit: 100 }),
    enabled: isRetryable(run),
    select: (page) => page.items.filter((r) => r.retryOfRunId === run.id).reverse(),
  });
  const retriedBy = isRetryable(run) ? (retries.data ?? []) : [];
  if (!run.retryOfRunId && retriedBy.length === 0) return null;
  return (
    <div className="run-lineage">
      {run.retryOfRunId ? (
        <p data-testid="retry-of">
          Retry of{" "}
          <Link href={`/runs/${run.retryOfRunId}`} title={run.retryOfRunId}>
            run {shortRunId(run.retryOfRunId)}
          </Link>
        </p>
      ) : null}
      {retriedBy.length > 0 ? (
        <p data-testid="retried-by">
          Retried by{" "}
          {retriedBy.map((r, i) => (
            <span key={r.id}>
              {i > 0 ? ", " : null}
              <Link href={`/runs/${r.id}`} title={r.id}>
                run {shortRunId(r.id)}
              </Link>
            </span>
          ))}
        </p>
      ) : null}
    </div>
  );
}
