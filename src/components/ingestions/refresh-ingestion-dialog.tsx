"use client";
// Refresh starts an ingestion's table over (FULL: reload every file; NEW_ONLY: only files that
// arrive later). The dialog first asks the server for the plan of the chosen mode (a dry run:
// nothing changes), shows it, and executes only once the user has typed the table's name.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import Link from "next/link";
import { useRef, useState } from "react";
import { ConfirmDialog } from "@/components/dialog";
import { Property } from "@/components/properties";
import { Money } from "@/components/ingestions/cost-estimate";
import { formatBytes, formatCount, formatDuration, plural } from "@/shared/format";
import { shortRunId } from "@/components/runs/run-types";
import type { AppRouter } from "@/server/api/root";
import { useTRPC } from "@/trpc/react";

type RefreshResult = inferRouterOutputs<AppRouter>["ingestions"]["refresh"];
type Plan = RefreshResult["plan"];
type Mode = Plan["mode"];

const MODES: { value: Mode; label: string; explanation: string }[] = [
  {
    value: "FULL",
    label: "Full refresh",
    explanation: "Drops the table and forgets the file history: the next run loads every file again.",
  },
  {
    value: "NEW_ONLY",
    label: "New files only",
    explanation: "Drops the table but keeps the file history: only files that arrive from now on load.",
  },
];


export function RefreshIngestionDialog({
  ingestion,
}: {
  ingestion: { id: string; name: string; destination: { schema: string; table: string } };
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const dialogRef = useRef<HTMLDialogElement>(null);
  const [mode, setMode] = useState<Mode>("FULL");
  const [autoRun, setAutoRun] = useState(false);
  const [typed, setTyped] = useState("");
  const table = `${ingestion.destination.schema}.${ingestion.destination.table}`;

  const dryRun = useMutation(trpc.ingestions.refresh.mutationOptions());
  const execute = useMutation(
    trpc.ingestions.refresh.mutationOptions({
      onSuccess: async () => {
        await Promise.all([
          queryClient.invalidateQueries(trpc.ingestions.get.queryFilter({ id: ingestion.id })),
          queryClient.invalidateQueries(trpc.ingestions.list.pathFilter()),
          queryClient.invalidateQueries(trpc.runs.pathFilter()),
          queryClient.invalidateQueries(trpc.files.pathFilter()),
        ]);
      },
    }),
  );

  function loadPlan(next: Mode) {
    dryRun.mutate({ id: ingestion.id, mode: next, dryRun: true });
  }

  function open() {
    setMode("FULL");
    setAutoRun(false);
    setTyped("");
    execute.reset();
    loadPlan("FULL");
    dialogRef.current?.showModal();
  }

  function choose(next: Mode) {
    setMode(next);
    execute.reset();
    loadPlan(next);
  }

  // A plan answered for the other mode (the user switched meanwhile) is not this mode's plan.
  const plan = dryRun.data && dryRun.variables?.mode === mode ? dryRun.data.plan : null;
  const confirmed = typed.trim() === table;
  const busy = execute.isPending;

  return (
    <>
      <button type="button" className="button" onClick={open}>
        Refresh…
      </button>
      {execute.data ? (
        <p className="actions-note" role="status" data-testid="refresh-result">
          {execute.data.message}
          {execute.data.run ? (
            <>
              {" "}
              <Link href={`/runs/${execute.data.run.runId}`}>Open run {shortRunId(execute.data.run.runId)}</Link>
            </>
          ) : null}
        </p>
      ) : null}
      <ConfirmDialog
        dialogRef={dialogRef}
        id="refresh-ingestion"
        wide
        title={<>Refresh &lsquo;{ingestion.name}&rsquo;</>}
        text={
          <>
            A refresh drops the table <code>{table}</code> and starts it over. Choose what loads afterwards; the plan below
            shows what would happen, and nothing changes until you confirm.
          </>
        }
        error={execute.error}
        confirmLabel={busy ? "Refreshing…" : mode === "FULL" ? "Refresh: reload everything" : "Refresh: new files only"}
        confirmDisabled={!confirmed || !plan || busy}
        onConfirm={(close) => execute.mutate({ id: ingestion.id, mode, confirm: true, autoRun }, { onSuccess: close })}
      >
        <fieldset className="choice-group" disabled={busy}>
          <legend>Mode</legend>
          {MODES.map((m) => (
            <div key={m.value} className="choice">
              <input
                id={`refresh-mode-${m.value}`}
                type="radio"
                name="refresh-mode"
                value={m.value}
                checked={mode === m.value}
                aria-describedby={`refresh-mode-${m.value}-hint`}
                onChange={() => choose(m.value)}
              />
              <div>
                <label htmlFor={`refresh-mode-${m.value}`}>{m.label}</label>
                <p className="hint" id={`refresh-mode-${m.value}-hint`}>
                  {m.explanation}
                </p>
              </div>
            </div>
          ))}
        </fieldset>

        <section className="refresh-plan" aria-labelledby="refresh-plan-title" aria-busy={dryRun.isPending ? true : undefined}>
          <h3 id="refresh-plan-title">Plan</h3>
          {dryRun.isPending ? (
            <p className="muted">Working out the plan…</p>
          ) : dryRun.error ? (
            <p className="notice notice-error dialog-notice" role="alert">
              Could not work out the plan: {dryRun.error.message}
            </p>
          ) : plan ? (
            <RefreshPlan plan={plan} />
          ) : null}
        </section>

        <div className="checkbox-row">
          <input
            id="refresh-auto-run"
            type="checkbox"
            checked={autoRun}
            disabled={busy}
            onChange={(e) => setAutoRun(e.target.checked)}
          />
          <label htmlFor="refresh-auto-run">Also start a run afterwards</label>
        </div>
        <div className="field confirm-field">
          <label htmlFor="refresh-confirm-table">
            Type <code>{table}</code> to confirm
          </label>
          <input
            id="refresh-confirm-table"
            type="text"
            autoComplete="off"
            spellCheck={false}
            value={typed}
            disabled={busy}
            onChange={(e) => setTyped(e.target.value)}
          />
        </div>
      </ConfirmDialog>
    </>
  );
}

function RefreshPlan({ plan }: { plan: Plan }) {
  const { table, history, load, warnings, steps } = plan;
  return (
    <>
      <ol className="refresh-steps" data-testid="refresh-steps">
        {steps.map((step) => (
          <li key={step}>{step}</li>
        ))}
      </ol>
      <dl className="properties">
        <Property name="Table">
          <span data-testid="refresh-plan-rows">
            {table.exists ? (
              <>
                <code>{table.name}</code> holds {plural(table.rows, "row")}, all dropped
              </>
            ) : (
              <>
                <code>{table.name}</code> does not exist yet
              </>
            )}
          </span>
        </Property>
        <Property name="File history">
          {history.files === 0
            ? "No files yet"
            : history.forget > 0
              ? `${plural(history.forget, "file")} forgotten`
              : history.skip > 0
                ? `${plural(history.files, "file")} kept; ${plural(history.skip, "unfinished file")} marked skipped`
                : `${plural(history.files, "file")} kept`}
        </Property>
        <Property name="Next run loads">
          {load === null ? (
            <span className="muted">Unknown: the source could not be listed</span>
          ) : (
            <span data-testid="refresh-plan-load">
              {plural(load.nextRun.files, "file")} ({formatBytes(load.nextRun.bytes)})
              {load.pending.files > load.nextRun.files
                ? `, of ${plural(load.pending.files, "file")} (${formatBytes(load.pending.bytes)}) waiting over later runs`
                : null}
              {load.truncated ? " or more" : null}
            </span>
          )}
        </Property>
        {load === null ? null : (
          <Property name="Next run takes">
            <span data-testid="refresh-plan-estimate">
              about {load.estimate.durationMs < 1 && load.nextRun.bytes > 0 ? "under 1 ms" : formatDuration(load.estimate.durationMs)} at{" "}
              {formatCount(load.estimate.mbPerSecond)} MB/s; compute <Money usd={load.estimate.computeCost} />
            </span>
          </Property>
        )}
      </dl>
      {warnings.length > 0 ? (
        <div className="notice notice-warning dialog-notice" data-testid="refresh-warnings">
          <ul>
            {warnings.map((w) => (
              <li key={w}>{w}</li>
            ))}
          </ul>
        </div>
      ) : null}
    </>
  );
}
