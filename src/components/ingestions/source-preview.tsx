"use client";
// The create form's preview step: reads the first matched files the way a run would and shows
// what a load would make of them (the schema with hints applied, sample rows, warnings). The
// form owns the request (useSourcePreview), so a refused preview's errors show beside the form's
// fields like a refused Create's; this file also draws the result.
import type { SkipToken } from "@tanstack/react-query";
import { formatBytes, formatCount } from "@/shared/format";
import { previewInput, type PreviewDraft, type PreviewOutput } from "@/shared/contracts/ingestions-preview";
import { useTRPC } from "@/trpc/react";
import { previewPathToForm } from "./check-errors";
import { CheckPanel } from "./check-panel";
import { CHECK_QUERY_OPTIONS, useCheck, type CheckState } from "./use-check";
import "@/app/preview.css";

export type SourcePreviewState<S> = CheckState<PreviewDraft, PreviewOutput, S>;

/** One preview at a time, sent when asked (never on its own: it reads files), keyed by its input. */
export function useSourcePreview<S>(): SourcePreviewState<S> {
  const trpc = useTRPC();
  return useCheck({
    schema: previewInput,
    toFormPath: previewPathToForm,
    queryOptions: (input: PreviewDraft | SkipToken) => trpc.ingestions.preview.queryOptions(input, CHECK_QUERY_OPTIONS),
  });
}

export function SourcePreview<S>({
  preview,
  onPreview,
  stale,
  waiting,
}: {
  preview: SourcePreviewState<S>;
  onPreview: () => void;
  /** Not ready to send yet (the connections are loading). */
  waiting?: boolean;
  /** The source, format or hints changed since the preview shown. */
  stale: boolean;
}) {
  return (
    <CheckPanel
      check={preview}
      onRun={onPreview}
      waiting={waiting}
      action="Preview source"
      hint="Optional. Lists the source and reads the first matched files (at most 20 rows are shown); nothing is loaded."
      loading="Reading the first files…"
      failure="Could not preview the source"
    >
      {(data) => <PreviewResult preview={data} stale={stale} />}
    </CheckPanel>
  );
}

const ORIGIN_BADGES: Record<PreviewOutput["columns"][number]["origin"], { label: string; className: string; title: string }> = {
  inferred: { label: "inferred", className: "badge badge-grey", title: "Type inferred from the sampled files" },
  hint: { label: "hint", className: "badge badge-blue", title: "In the files; its type comes from a schema hint" },
  "hint-only": {
    label: "hint only",
    className: "badge badge-amber",
    title: "Hinted, but in none of the sampled files: a load creates it, empty until files bring it",
  },
};

function files(n: number): string {
  return `${formatCount(n)} ${n === 1 ? "file" : "files"}`;
}

function PreviewResult({ preview, stale }: { preview: PreviewOutput; stale: boolean }) {
  const atLeast = preview.listingTruncated ? "at least " : "";
  const readable = preview.sampledFiles.filter((f) => f.error === null).length;
  const unreadable = preview.filesSampled - readable;
  return (
    <section className="preview-result" aria-label="Preview">
      {stale ? (
        <p className="notice notice-info">
          The source, format or hints have changed since this preview: preview again to see what they give.
        </p>
      ) : null}
      <p className="preview-summary" data-testid="preview-summary">
        <strong>
          {atLeast}
          {files(preview.matchedFiles)}, {formatBytes(preview.matchedBytes)} matched
        </strong>{" "}
        (sampled {files(preview.filesSampled)}, {formatBytes(preview.bytesSampled)}
        {unreadable > 0 ? `; ${formatCount(unreadable)} unreadable` : ""})
      </p>

      {preview.warnings.length > 0 ? (
        <section className="notice notice-warning preview-warnings" aria-labelledby="preview-warnings-title">
          <h3 id="preview-warnings-title">Warnings ({formatCount(preview.warnings.length)})</h3>
          <ul>
            {preview.warnings.map((w, i) => (
              <li key={i} data-code={w.code}>
                {w.message}
              </li>
            ))}
          </ul>
        </section>
      ) : null}

      {preview.csvDialects && preview.csvDialects.length > 0 ? <CsvDialects dialects={preview.csvDialects} /> : null}

      {preview.columns.length > 0 ? (
        <>
          <h3>Schema</h3>
          <div className="table-wrap">
            <table className="preview-table" aria-label="Schema">
              <thead>
                <tr>
                  <th scope="col">Column</th>
                  <th scope="col">Type</th>
                  <th scope="col">Origin</th>
                  <th scope="col">Present in</th>
                </tr>
              </thead>
              <tbody>
                {preview.columns.map((c) => {
                  const badge = ORIGIN_BADGES[c.origin];
                  return (
                    <tr key={c.name}>
                      <td>
                        <code>{c.name}</code>
                      </td>
                      <td>
                        <code>{c.type}</code>
                        {c.inferredType !== null && c.inferredType !== c.type ? (
                          <span className="muted preview-inferred"> inferred {c.inferredType}</span>
                        ) : null}
                      </td>
                      <td>
                        <span className={badge.className} title={badge.title}>
                          {badge.label}
                        </span>
                      </td>
                      <td className={c.presentIn < readable ? "preview-partial" : undefined}>
                        {formatCount(c.presentIn)}/{formatCount(readable)} {readable === 1 ? "file" : "files"}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        </>
      ) : null}

      {preview.columns.length > 0 ? <SampleRows preview={preview} /> : null}

      {preview.sampledFiles.length > 0 ? (
        <details className="preview-files">
          <summary>Sampled files ({formatCount(preview.sampledFiles.length)})</summary>
          <ul>
            {preview.sampledFiles.map((f) => (
              <li key={f.path}>
                <code className="wrap">{f.path}</code> <span className="muted">{formatBytes(f.bytes)}</span>
                {f.error ? <span className="error-text"> — {f.error}</span> : null}
              </li>
            ))}
          </ul>
        </details>
      ) : null}
    </section>
  );
}

function SampleRows({ preview }: { preview: PreviewOutput }) {
  if (preview.rows.length === 0) {
    return (
      <>
        <h3>Sample rows</h3>
        <p className="muted">No rows in the readable sampled files.</p>
      </>
    );
  }
  return (
    <>
      <h3>Sample rows</h3>
      <p className="hint">
        The first {formatCount(preview.rows.length)} {preview.rows.length === 1 ? "row" : "rows"}, with hints applied
        (a value a hint cannot convert shows as NULL).
      </p>
      <div className="table-wrap preview-rows-wrap" tabIndex={0} role="region" aria-label="Sample rows (scrolls sideways)">
        <table className="preview-table preview-rows" aria-label="Sample rows">
          <thead>
            <tr>
              <th scope="col" className="preview-file-col">
                File
              </th>
              {preview.columns.map((c) => (
                <th key={c.name} scope="col">
                  {c.name}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {preview.rows.map((row, i) => (
              <tr key={i}>
                <td className="preview-file-col muted">{row.file}</td>
                {row.values.map((value, j) => (
                  <Cell key={j} value={value} />
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

type JsonValue = PreviewOutput["rows"][number]["values"][number];

function Cell({ value }: { value: JsonValue }) {
  if (value === null) {
    return (
      <td>
        <span className="cell-null">NULL</span>
      </td>
    );
  }
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return <td title={text.length > 40 ? text : undefined}>{text}</td>;
}

const shownChar = (c: string | null) => (c === null ? "none" : c === "\t" ? "tab" : c === " " ? "space" : c);

/** The CSV dialect the sampled files are read with: one line when they agree, one per file otherwise. */
function CsvDialects({ dialects }: { dialects: NonNullable<PreviewOutput["csvDialects"]> }) {
  const describe = (d: (typeof dialects)[number]) =>
    `delimiter ${shownChar(d.delimiter)}${d.detected.delimiter ? " (detected)" : ""}, ` +
    `quote ${shownChar(d.quote)}${d.detected.quote ? " (detected)" : ""}, ` +
    `escape ${shownChar(d.escape)}${d.detected.escape ? " (detected)" : ""}, ${d.header ? "with" : "without"} a header`;
  const lines = [...new Set(dialects.map(describe))];
  return (
    <p className="preview-dialect" data-testid="preview-dialect">
      <strong>CSV dialect:</strong>{" "}
      {lines.length === 1 ? lines[0] : dialects.map((d) => `${d.path}: ${describe(d)}`).join("; ")}
    </p>
  );
}
