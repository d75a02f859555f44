// The files a run claimed, failures first (the API orders them), with why each failed.
import { FILE_STATUS } from "@/components/files/file-status";
import { Badge } from "@/components/status-badge";
import { formatBytes, formatCount } from "./format";
import type { RunFile } from "./run-types";

/** Failed files first, the API's order otherwise (a stable sort keeps it). */
function failuresFirst(files: RunFile[]): RunFile[] {
  return [...files].sort((a, b) => Number(b.status === "FAILED") - Number(a.status === "FAILED"));
}

export function RunFilesTable({
  files,
  filesTotal,
  filesFailed,
  active,
}: {
  files: RunFile[];
  filesTotal: number;
  /** The run's count of failed files, to say when some are not among those shown. */
  filesFailed: number;
  /** A run still going may not have claimed its files yet. */
  active: boolean;
}) {
  const ordered = failuresFirst(files);
  const failedShown = files.filter((f) => f.status === "FAILED").length;
  const failedHidden = Math.max(0, filesFailed - failedShown);
  return (
    <section className="run-files" aria-labelledby="run-files-title">
      <div className="section-header">
        <h2 id="run-files-title">Files</h2>
        {filesTotal > files.length ? (
          <span className="muted" data-testid="run-files-shown">
            Showing {formatCount(files.length)} of {formatCount(filesTotal)}
          </span>
        ) : null}
      </div>
      {failedHidden > 0 ? (
        <p className="notice notice-warning" data-testid="run-files-failed-hidden">
          {formatCount(failedHidden)} failed {failedHidden === 1 ? "file is" : "files are"} not among the files shown.
        </p>
      ) : null}
      {files.length === 0 ? (
        <div className="empty">
          <p>{active ? "No files claimed yet." : "No files in this run."}</p>
        </div>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Path</th>
                <th scope="col">Status</th>
                <th scope="col" className="numeric">
                  Rows
                </th>
                <th scope="col" className="numeric">
                  Size
                </th>
                <th scope="col" className="numeric" title="Failed load attempts of this file so far">
                  Attempts
                </th>
                <th scope="col">Error</th>
              </tr>
            </thead>
            <tbody>
              {ordered.map((file) => (
                <FileRow key={file.id} file={file} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function FileRow({ file }: { file: RunFile }) {
  const status = FILE_STATUS[file.status];
  return (
    <tr>
      <td>
        <code className="wrap">{file.path}</code>
      </td>
      <td>
        <Badge tone={status.tone} testId="file-status">
          {status.label}
        </Badge>
      </td>
      <td className="numeric">{file.rowCount === null ? <span className="muted">—</span> : formatCount(file.rowCount)}</td>
      <td className="numeric" title={`${formatCount(file.size)} bytes`}>
        {formatBytes(file.size)}
      </td>
      <td className="numeric">{formatCount(file.retryCount)}</td>
      <td className="file-error">{file.error ? <span className="error-text">{file.error}</span> : <span className="muted">—</span>}</td>
    </tr>
  );
}
