"use client";
// Everything about one run: its outcome, numbers, error, files and schema changes. Re-read every
// moment while the run is queued or running.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { QueryError } from "@/components/query-error";
import { useTRPC } from "@/trpc/react";
import { RunFilesTable } from "./run-files-table";
import { RunMetrics, RunTimeline } from "./run-metrics";
import { RunSchemaChanges } from "./run-schema-changes";
import { RunStatus } from "./run-status";
import { isActiveRun, shortRunId } from "./run-types";
import { runPollInterval, useOnRunsSettled } from "./use-run-polling";

export function RunDetails({ id }: { id: string }) {
  const trpc = useTRPC();
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
      </div>
      {run.error ? <RunError message={run.error} /> : null}
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
