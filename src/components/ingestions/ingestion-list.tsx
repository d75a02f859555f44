"use client";
// The ingestions table with its status and name filters, loaded a page at a time.
import { keepPreviousData, useInfiniteQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useEffect, useState } from "react";
import { LoadMore } from "@/components/load-more";
import { QueryError } from "@/components/query-error";
import { IngestionStatusBadge } from "@/components/status-badge";
import { useDebouncedValue } from "@/components/use-debounced-value";
import { useTRPC } from "@/trpc/react";
import { ingestionListQuery, type IngestionFilters } from "./ingestion-list-query";
import { LastRun } from "./last-run";

type StatusFilter = "" | NonNullable<IngestionFilters["status"]>;

export function IngestionList({ initialFilters }: { initialFilters: IngestionFilters }) {
  const trpc = useTRPC();
  const [status, setStatus] = useState<StatusFilter>(initialFilters.status ?? "");
  const [searchText, setSearchText] = useState(initialFilters.search ?? "");
  const search = useDebouncedValue(searchText.trim(), 250);
  const filters: IngestionFilters = { status: status || undefined, search: search || undefined };
  const filtered = filters.status !== undefined || filters.search !== undefined;

  // Keep the filters in the address, so a reload or a shared link shows the same list.
  useEffect(() => {
    const params = new URLSearchParams();
    if (status) params.set("status", status);
    if (search) params.set("search", search);
    const query = params.toString();
    window.history.replaceState(null, "", query ? `?${query}` : window.location.pathname);
  }, [status, search]);

  const list = useInfiniteQuery({ ...ingestionListQuery(trpc, filters), placeholderData: keepPreviousData });
  const items = list.data?.pages.flatMap((page) => page.items) ?? [];

  return (
    <>
      <form className="filters" role="search" onSubmit={(e) => e.preventDefault()}>
        <div className="field">
          <label htmlFor="status-filter">Status</label>
          <select id="status-filter" value={status} onChange={(e) => setStatus(e.target.value as StatusFilter)}>
            <option value="">All</option>
            <option value="ACTIVE">Active</option>
            <option value="PAUSED">Paused</option>
          </select>
        </div>
        <div className="field field-grow">
          <label htmlFor="search-filter">Search</label>
          <input
            id="search-filter"
            type="search"
            placeholder="Name contains…"
            value={searchText}
            maxLength={100}
            onChange={(e) => setSearchText(e.target.value)}
          />
        </div>
      </form>

      {list.isPending ? (
        <p className="muted">Loading ingestions…</p>
      ) : list.isError && items.length === 0 ? (
        <QueryError error={list.error} what="the ingestions" />
      ) : items.length === 0 ? (
        <EmptyIngestions filtered={filtered} />
      ) : (
        <>
          {list.isError ? <QueryError error={list.error} what="more ingestions" /> : null}
          <div className="table-wrap" aria-busy={list.isFetching ? true : undefined}>
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Source</th>
                  <th scope="col">Format</th>
                  <th scope="col">Destination</th>
                  <th scope="col">Status</th>
                  <th scope="col">Schedule</th>
                  <th scope="col">Last run</th>
                </tr>
              </thead>
              <tbody>
                {items.map((ingestion) => (
                  <tr key={ingestion.id}>
                    <td>
                      <Link href={`/ingestions/${ingestion.id}`}>{ingestion.name}</Link>
                    </td>
                    <td>
                      <code className="wrap">{ingestion.source.uri}</code>
                      {ingestion.source.glob ? <span className="muted"> {ingestion.source.glob}</span> : null}
                    </td>
                    <td>{ingestion.format.type}</td>
                    <td>
                      <code>
                        {ingestion.destination.schema}.{ingestion.destination.table}
                      </code>
                    </td>
                    <td>
                      <IngestionStatusBadge status={ingestion.status} />
                    </td>
                    <td>{ingestion.schedule.description}</td>
                    <td>
                      <LastRun at={ingestion.lastRunAt} status={ingestion.lastRunStatus} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <LoadMore pages={list} />
        </>
      )}
    </>
  );
}

function EmptyIngestions({ filtered }: { filtered: boolean }) {
  if (filtered) {
    return (
      <div className="empty">
        <p>No ingestions match the status and search above.</p>
      </div>
    );
  }
  return (
    <div className="empty">
      <p>No ingestions yet.</p>
      <p>
        An ingestion loads the files that land under a source into a table.{" "}
        <Link href="/ingestions/new">Create your first ingestion</Link>.
      </p>
    </div>
  );
}
