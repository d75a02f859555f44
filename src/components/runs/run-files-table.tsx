// The files a run claimed, failures first (the API orders them), with why each failed.
import { FileCells, FileErrorCell, FileHeaderCells } from "@/components/files/file-cells";
import { formatCount } from "@/shared/format";
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
                <FileHeaderCells retries={{ label: "Attempts", title: "Failed load attempts of this file so far" }} />
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
  return (
    <tr>
      <FileCells file={file} />
      <FileErrorCell error={file.error} />
    </tr>
  );
}
