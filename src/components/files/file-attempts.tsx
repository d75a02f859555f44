"use client";
// One file's detail, opened from its row in the file history: what the source said of it and
// every load attempt, newest first, with the run that made it.
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { DateTime } from "@/components/date-time";
import { Property } from "@/components/properties";
import { QueryError } from "@/components/query-error";
import { TRIGGER_LABELS, shortRunId } from "@/components/runs/run-types";
import { Badge } from "@/components/status-badge";
import { useTRPC } from "@/trpc/react";
import { FileErrorCell, RowCountCell } from "./file-cells";
import { FILE_STATUS } from "./file-status";

export function FileAttempts({ fileId }: { fileId: string }) {
  const trpc = useTRPC();
  const query = useQuery(trpc.files.get.queryOptions({ id: fileId }));
  if (query.isPending) return <p className="muted">Loading the file&apos;s attempts…</p>;
  if (query.isError) return <QueryError error={query.error} what="the file's attempts" />;
  const { file, attempts } = query.data;
  return (
    <div className="file-detail">
      <dl className="properties file-facts">
        <Property name="First seen">
          <DateTime seconds value={file.firstSeenAt} />
        </Property>
        <Property name="Modified at source">
          <DateTime seconds value={file.lastModified} />
        </Property>
        <Property name="Loaded">
          <DateTime seconds value={file.loadedAt} empty="Not loaded" />
        </Property>
        {file.etag ? (
          <Property name="ETag">
            <code className="wrap">{file.etag}</code>
          </Property>
        ) : null}
      </dl>
      <h3 className="file-detail-title">Load attempts</h3>
      {attempts.length === 0 ? (
        <p className="muted">No load attempts yet: the next run that claims the file makes one.</p>
      ) : (
        <table className="attempts-table" aria-label={`Load attempts of ${file.path}`}>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Run</th>
              <th scope="col">Trigger</th>
              <th scope="col">Outcome</th>
              <th scope="col" className="numeric">
                Rows
              </th>
              <th scope="col">Error</th>
            </tr>
          </thead>
          <tbody>
            {attempts.map((a) => (
              <tr key={`${a.runId}-${a.at.toISOString()}`}>
                <td>
                  <DateTime seconds value={a.at} />
                </td>
                <td>
                  <Link href={`/runs/${a.runId}`} title={a.runId}>
                    {shortRunId(a.runId)}
                  </Link>
                </td>
                <td>{TRIGGER_LABELS[a.trigger]}</td>
                <td>
                  <Badge tone={FILE_STATUS[a.outcome].tone} testId="attempt-outcome">
                    {FILE_STATUS[a.outcome].label}
                  </Badge>
                </td>
                <RowCountCell rowCount={a.rowCount} />
                <FileErrorCell error={a.error} />
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
