// The columns every table of files starts with (the file history, a run's files): the path, the
// status, the rows loaded, the size and the failed attempts, their headers and a file's cells; and
// the cells of a row count and an error, which a load attempt shows the same way.
import type { ReactNode } from "react";
import { formatBytes, formatCount } from "@/shared/format";
import { Badge } from "@/components/status-badge";
import { FILE_STATUS, type FileStatusValue } from "./file-status";

/** The headers of FileCells' columns; the failed attempts' one says since when it counts. */
export function FileHeaderCells({ retries }: { retries: { label: string; title: string } }) {
  return (
    <>
      <th scope="col">Path</th>
      <th scope="col">Status</th>
      <th scope="col" className="numeric">
        Rows
      </th>
      <th scope="col" className="numeric">
        Size
      </th>
      <th scope="col" className="numeric" title={retries.title}>
        {retries.label}
      </th>
    </>
  );
}

export function FileCells({
  file,
  children,
}: {
  file: { path: string; status: FileStatusValue; rowCount: number | null; size: number; retryCount: number };
  /** Shown under the path. */
  children?: ReactNode;
}) {
  const status = FILE_STATUS[file.status];
  return (
    <>
      <td>
        <code className="wrap">{file.path}</code>
        {children}
      </td>
      <td>
        <Badge tone={status.tone} testId="file-status">
          {status.label}
        </Badge>
      </td>
      <RowCountCell rowCount={file.rowCount} />
      <td className="numeric" title={`${formatCount(file.size)} bytes`}>
        {formatBytes(file.size)}
      </td>
      <td className="numeric">{formatCount(file.retryCount)}</td>
    </>
  );
}

/** Rows loaded; a dash when none were counted. */
export function RowCountCell({ rowCount }: { rowCount: number | null }) {
  return <td className="numeric">{rowCount === null ? <span className="muted">—</span> : formatCount(rowCount)}</td>;
}

/** Why a load failed; a dash when it did not. */
export function FileErrorCell({ error }: { error: string | null }) {
  return <td className="file-error">{error ? <span className="error-text">{error}</span> : <span className="muted">—</span>}</td>;
}
