"use client";
// The "Files" section of an ingestion's page: every file the ingestion has seen, by path, with
// status filters (and counts), a path search, a page at a time. Each file can be reprocessed
// (reset to PENDING, its rows removed, loaded again by the next run) and opened to show its
// load attempts; failed files can be reprocessed at once, and the whole history cleared.
import { useCanEdit } from "@/components/auth/role-context";
import { keepPreviousData, useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { Fragment, useState } from "react";
import { DateTime } from "@/components/date-time";
import { LoadMore } from "@/components/load-more";
import { QueryError } from "@/components/query-error";
import { formatCount } from "@/shared/format";
import { useDebouncedValue } from "@/components/use-debounced-value";
import type { AppRouter } from "@/server/api/root";
import type { inferRouterOutputs } from "@trpc/server";
import { useTRPC } from "@/trpc/react";
import { ClearHistoryDialog } from "./clear-history-dialog";
import { FileCells, FileHeaderCells } from "./file-cells";
import { FileAttempts } from "./file-attempts";
import { fileListQuery, type FileFilters } from "./file-list-query";
import { FILE_STATUS, FILE_STATUS_ORDER, type FileStatusValue } from "./file-status";

type HistoryFile = inferRouterOutputs<AppRouter>["files"]["list"]["items"][number];

export function FileHistory({
  ingestion,
}: {
  ingestion: { id: string; name: string; destination: { schema: string; table: string } };
}) {
  const trpc = useTRPC();
  const canEdit = useCanEdit();
  const queryClient = useQueryClient();
  const [status, setStatus] = useState<FileStatusValue | undefined>(undefined);
  const [searchText, setSearchText] = useState("");
  const search = useDebouncedValue(searchText.trim(), 250);
  const filters: FileFilters = { status, search: search || undefined };
  const filtered = filters.status !== undefined || filters.search !== undefined;
  const [expanded, setExpanded] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const list = useInfiniteQuery({ ...fileListQuery(trpc, ingestion.id, filters), placeholderData: keepPreviousData });
  const items = list.data?.pages.flatMap((page) => page.items) ?? [];
  const counts = list.data?.pages[0]?.counts;
  const total = counts ? FILE_STATUS_ORDER.reduce((n, s) => n + counts[s], 0) : 0;

  const reprocess = useMutation(
    trpc.files.reprocess.mutationOptions({
      onSuccess: async (result) => {
        setNotice(result.message);
        await queryClient.invalidateQueries(trpc.files.pathFilter());
      },
    }),
  );

  function reprocessOne(file: HistoryFile) {
    setNotice(null);
    reprocess.mutate({ ingestionId: ingestion.id, fileIds: [file.id] });
  }

  function reprocessFailed() {
    setNotice(null);
    reprocess.mutate({ ingestionId: ingestion.id, filter: { status: "FAILED" } });
  }

  const reprocessingId = reprocess.isPending ? (reprocess.variables.fileIds?.[0] ?? null) : null;
  const reprocessingFailed = reprocess.isPending && reprocess.variables.filter !== undefined;

  return (
    <section className="file-history" aria-labelledby="files-title">
      <div className="section-header">
        <h2 id="files-title">Files</h2>
        {counts && total > 0 && canEdit ? (
          <div className="section-actions">
            {counts.FAILED > 0 ? (
              <button
                type="button"
                className="button button-small"
                disabled={reprocess.isPending}
                onClick={reprocessFailed}
                title="Reset every failed file to PENDING so the next run loads it again"
              >
                {reprocessingFailed ? "Reprocessing…" : `Reprocess all failed (${formatCount(counts.FAILED)})`}
              </button>
            ) : null}
            <ClearHistoryDialog
              ingestion={ingestion}
              files={total}
              onCleared={(message) => {
                setExpanded(null);
                setNotice(message);
              }}
            />
          </div>
        ) : null}
      </div>

      {notice ? (
        <p className="notice notice-info" role="status" data-testid="files-notice">
          {notice}
        </p>
      ) : null}
      {reprocess.error ? (
        <p className="notice notice-error" role="alert">
          {reprocess.error.message}
        </p>
      ) : null}

      {counts && total > 0 ? (
        <form className="filters file-filters" role="search" aria-label="Filter files" onSubmit={(e) => e.preventDefault()}>
          <div className="chips" role="group" aria-label="Filter by status">
            <button type="button" className="chip" aria-pressed={status === undefined} onClick={() => setStatus(undefined)}>
              All <span className="chip-count">{formatCount(total)}</span>
            </button>
            {FILE_STATUS_ORDER.filter((s) => counts[s] > 0 || s === status).map((s) => (
              <button key={s} type="button" className="chip" aria-pressed={status === s} onClick={() => setStatus(s)}>
                {FILE_STATUS[s].label} <span className="chip-count">{formatCount(counts[s])}</span>
              </button>
            ))}
          </div>
          <div className="field field-grow">
            <label htmlFor="file-search">Search paths</label>
            <input
              id="file-search"
              type="search"
              placeholder="Path contains…"
              value={searchText}
              maxLength={200}
              onChange={(e) => setSearchText(e.target.value)}
            />
          </div>
        </form>
      ) : null}

      {list.isPending ? (
        <p className="muted">Loading files…</p>
      ) : list.isError && items.length === 0 ? (
        <QueryError error={list.error} what="the files" />
      ) : items.length === 0 ? (
        <div className="empty">
          {filtered && total > 0 ? (
            <p>No files match the status and search above.</p>
          ) : (
            <>
              <p>No files yet — they appear after the first run.</p>
              <p className="muted">Each file a run finds under the source is listed here with its outcome.</p>
            </>
          )}
        </div>
      ) : (
        <>
          {list.isError ? <QueryError error={list.error} what="more files" /> : null}
          <div className="table-wrap" aria-busy={list.isFetching ? true : undefined}>
            <table className="files-table">
              <thead>
                <tr>
                  <FileHeaderCells
                    retries={{ label: "Failures", title: "Failed load attempts since the file last loaded or was reset" }}
                  />
                  <th scope="col">Updated</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {items.map((file) => (
                  <Fragment key={file.id}>
                    <FileRow
                      file={file}
                      expanded={expanded === file.id}
                      onToggle={() => setExpanded(expanded === file.id ? null : file.id)}
                      reprocessing={reprocessingId === file.id}
                      reprocessDisabled={reprocess.isPending}
                      onReprocess={() => reprocessOne(file)}
                    />
                    {expanded === file.id ? (
                      <tr className="row-detail">
                        <td colSpan={7} id={`file-${file.id}-detail`}>
                          <FileAttempts fileId={file.id} />
                        </td>
                      </tr>
                    ) : null}
                  </Fragment>
                ))}
              </tbody>
            </table>
          </div>
          <LoadMore pages={list} />
        </>
      )}
    </section>
  );
}

function FileRow({
  file,
  expanded,
  onToggle,
  reprocessing,
  reprocessDisabled,
  onReprocess,
}: {
  file: HistoryFile;
  expanded: boolean;
  onToggle: () => void;
  reprocessing: boolean;
  reprocessDisabled: boolean;
  onReprocess: () => void;
}) {
  const canEdit = useCanEdit();
  // A pending file loads with the next run anyway; one being loaded is the run's.
  const waiting = file.status === "PENDING" || file.status === "PROCESSING";
  return (
    <tr data-file-id={file.id}>
      <FileCells file={file}>
        {file.error ? <span className="error-text file-row-error">{file.error}</span> : null}
        <RetryNote file={file} />
      </FileCells>
      <td>
        <DateTime seconds value={file.updatedAt} />
      </td>
      <td className="cell-actions">
        <span className="row-actions">
          <button
            type="button"
            className="button button-small"
            aria-expanded={expanded}
            aria-controls={expanded ? `file-${file.id}-detail` : undefined}
            aria-label={`Attempts of ${file.path}`}
            onClick={onToggle}
          >
            {expanded ? "Hide attempts" : "Attempts"}
          </button>
          {canEdit ? (
          <button
            type="button"
            className="button button-small"
            disabled={reprocessDisabled || waiting}
            aria-label={`Reprocess ${file.path}`}
            title={waiting ? "Already waiting for the next run" : "Reset to PENDING (removing the rows it loaded) so the next run loads it again"}
            onClick={onReprocess}
          >
            {reprocessing ? "Reprocessing…" : "Reprocess"}
          </button>
          ) : null}
        </span>
      </td>
    </tr>
  );
}

/** When runs take a failed file again by themselves: a failure of its data waits for a change. */
function RetryNote({ file }: { file: HistoryFile }) {
  if (file.status !== "FAILED" || file.failureKind === null) return null;
  return (
    <span className="muted file-row-note" data-testid="file-retry-note">
      {file.failureKind === "DATA" ? (
        "The file's data failed: runs try it again once the file changes, or reprocess it now."
      ) : file.nextAttemptAt ? (
        <>
          Storage or engine trouble: runs try it again after <DateTime seconds value={file.nextAttemptAt} />, up to the retry limit.
        </>
      ) : (
        "Storage or engine trouble: runs try it again, up to the retry limit."
      )}
    </span>
  );
}
