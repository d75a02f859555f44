"use client";
// The "Runs" section of an ingestion's page: newest first, a page at a time, re-read every
// moment while a run is queued or running so it visibly progresses.
import { useInfiniteQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef } from "react";
import { LoadMore } from "@/components/load-more";
import { QueryError } from "@/components/query-error";
import { useTRPC } from "@/trpc/react";
import { ingestionRunsQuery } from "./run-list-query";
import { isActiveRun } from "./run-types";
import { RunsTable } from "./runs-table";
import { runPollInterval, useOnRunsSettled } from "./use-run-polling";

export function IngestionRuns({ ingestionId }: { ingestionId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const runs = useInfiniteQuery({
    ...ingestionRunsQuery(trpc, ingestionId),
    refetchInterval: (query) =>
      runPollInterval(query.state.data?.pages.some((page) => page.items.some(isActiveRun)) ?? false),
  });
  const items = runs.data?.pages.flatMap((page) => page.items) ?? [];
  const active = items.some(isActiveRun);

  // A run that ends changes the ingestion's "last run".
  useOnRunsSettled(active, () => {
    void queryClient.invalidateQueries(trpc.ingestions.get.queryFilter({ id: ingestionId }));
    void queryClient.invalidateQueries(trpc.ingestions.list.pathFilter());
  });

  // Runs change the file history. A short run may end before this list ever sees it active, so
  // this follows the newest page's finished runs rather than the end of an active one.
  const finished = (runs.data?.pages[0]?.items ?? [])
    .filter((run) => !isActiveRun(run))
    .map((run) => `${run.id}:${run.status}`)
    .join(",");
  const seenFinished = useRef(finished);
  useEffect(() => {
    if (seenFinished.current === finished) return;
    seenFinished.current = finished;
    void queryClient.invalidateQueries(trpc.files.pathFilter());
    void queryClient.invalidateQueries(trpc.ingestions.get.queryFilter({ id: ingestionId }));
  }, [finished, queryClient, trpc, ingestionId]);

  return (
    <section className="runs-section" aria-labelledby="runs-title">
      <div className="section-header">
        <h2 id="runs-title">Runs</h2>
        {active ? (
          <span className="muted live-note" role="status">
            Updating while a run is active…
          </span>
        ) : null}
      </div>
      {runs.isPending ? (
        <p className="muted">Loading runs…</p>
      ) : runs.isError && items.length === 0 ? (
        <QueryError error={runs.error} what="the runs" />
      ) : items.length === 0 ? (
        <div className="empty">
          <p>No runs yet</p>
          <p className="muted">Start one with &ldquo;Run now&rdquo;.</p>
        </div>
      ) : (
        <>
          {runs.isError ? <QueryError error={runs.error} what="more runs" /> : null}
          <RunsTable runs={items} busy={runs.isFetchingNextPage} />
          <LoadMore pages={runs} />
        </>
      )}
    </section>
  );
}
