"use client";
// What an ingestion would cost: the backfill now and a month of its schedule, with the load model
// (per run, per file, MB/s) and every assumption behind the figures. For a draft (the create form owns the request, so
// refused inputs show beside its fields) or, through IngestionCostEstimate, an existing ingestion.
import type { SkipToken } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { formatBytes, formatCount, formatDuration, formatUsd, plural } from "@/shared/format";
import { estimateCostInput, type CostEstimateView } from "@/shared/contracts/ingestions-cost";
import { useTRPC } from "@/trpc/react";
import { estimatePathToForm } from "./check-errors";
import { CheckPanel } from "./check-panel";
import type { EstimateCostDraft } from "./ingestion-form-values";
import { CHECK_QUERY_OPTIONS, useCheck, type CheckState } from "./use-check";
import "@/app/preview.css";

/** What to estimate: a draft from the create form, or an ingestion that exists. */
export type CostSubject = { draft: EstimateCostDraft } | { ingestionId: string };

export type CostEstimateState<S> = CheckState<CostSubject, CostEstimateView, S>;

/** One estimate at a time, sent when asked (never on its own: it lists the source), keyed by its input. */
export function useCostEstimate<S>(): CostEstimateState<S> {
  const trpc = useTRPC();
  return useCheck({
    schema: estimateCostInput,
    toFormPath: estimatePathToForm,
    queryOptions: (input: CostSubject | SkipToken) => trpc.ingestions.estimateCost.queryOptions(input, CHECK_QUERY_OPTIONS),
  });
}

export function CostEstimate<S>({
  estimate,
  onEstimate,
  stale = false,
  hint = "Optional. Lists the source and prices the first load and a month of the schedule; nothing is loaded.",
  waiting,
}: {
  estimate: CostEstimateState<S>;
  onEstimate: () => void;
  /** What the estimate depends on changed since the one shown. */
  stale?: boolean;
  hint?: ReactNode;
  /** Not ready to send yet (the connections are loading). */
  waiting?: boolean;
}) {
  return (
    <CheckPanel
      check={estimate}
      onRun={onEstimate}
      waiting={waiting}
      action="Estimate cost"
      hint={hint}
      loading="Listing the source…"
      failure="Could not estimate the cost"
    >
      {(data) => <CostEstimateResult estimate={data} stale={stale} />}
    </CheckPanel>
  );
}

/** The estimate of an existing ingestion, with its own button. */
export function IngestionCostEstimate({ ingestionId }: { ingestionId: string }) {
  const estimate = useCostEstimate<null>();
  return (
    <CostEstimate
      estimate={estimate}
      onEstimate={() => estimate.run({ ingestionId }, null)}
      hint="Lists the source and prices loading what is not loaded yet and a month of the schedule."
    />
  );
}

function Row({ label, children, total = false }: { label: string; children: ReactNode; total?: boolean }) {
  return (
    <div className={total ? "cost-total" : undefined}>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

/** Dollars as a bill shows them; under a cent says so (the exact figure is in the tooltip). */
export function Money({ usd }: { usd: number }) {
  const exact = formatUsd(usd);
  if (usd > 0 && usd < 0.01) return <span title={exact}>under $0.01</span>;
  return <span title={exact}>{exact}</span>;
}

/** Bytes and times are estimates over averages: whole units. */
const bytes = (n: number) => formatBytes(Math.round(n));
const duration = (ms: number, dataBytes: number) => (ms < 1 && dataBytes > 0 ? "under 1 ms" : formatDuration(ms));


function CostEstimateResult({ estimate, stale }: { estimate: CostEstimateView; stale: boolean }) {
  const { backfill, monthly, listing, rate, schedule } = estimate;
  const atLeast = listing.sampled ? "at least " : "";
  const newFiles = Math.round(monthly.newFiles);
  return (
    <section className="cost-result" aria-label="Cost estimate">
      {stale ? (
        <p className="notice notice-info">
          The source, format, schedule or limits have changed since this estimate: estimate again to see what they cost.
        </p>
      ) : null}
      <div className="cards">
        <section className="card" aria-labelledby="cost-backfill-title" data-testid="cost-backfill">
          <h3 id="cost-backfill-title">
            {backfill.scope === "ALL_MATCHING" ? "Backfill (first run)" : "Backfill (not loaded yet)"}
          </h3>
          <dl className="properties">
            <Row label="Files">
              {atLeast}
              {plural(backfill.files, "file")}
            </Row>
            <Row label="Data">
              {atLeast}
              {bytes(backfill.bytes)}
            </Row>
            <Row label="Load time">
              {duration(backfill.durationMs, backfill.bytes)}
              {backfill.runsNeeded > 1 ? ` over ${plural(backfill.runsNeeded, "run")}` : ""}
            </Row>
            <Row label="Compute"><Money usd={backfill.computeCost} /></Row>
            <Row label="Requests"><Money usd={backfill.requestCost} /></Row>
            <Row label="Total" total>
              <Money usd={backfill.total} />
            </Row>
          </dl>
        </section>
        <section className="card" aria-labelledby="cost-monthly-title" data-testid="cost-monthly">
          <h3 id="cost-monthly-title">Per month ({schedule.month.name})</h3>
          <dl className="properties">
            <Row label="Runs">
              {plural(monthly.runs, "run")} <span className="muted">— {schedule.description}</span>
            </Row>
            <Row label="New files">
              {plural(newFiles, "file")}, {bytes(monthly.newBytes)}
            </Row>
            <Row label="Compute"><Money usd={monthly.computeCost} /></Row>
            <Row label="Storage"><Money usd={monthly.storageCost} /></Row>
            <Row label="Requests"><Money usd={monthly.requestCost} /></Row>
            <Row label="Total" total>
              <Money usd={monthly.total} />
            </Row>
          </dl>
        </section>
      </div>
      <p className="cost-rate" data-testid="cost-rate">
        Load rate: {rate.mbPerSecond} MB/s for {rate.format}, plus {rate.perFileMs} ms per file and{" "}
        {rate.runOverheadMs} ms per run{" "}
        {rate.source === "CALIBRATION" ? (
          <span className="badge badge-green">
            calibrated{rate.measuredAt ? ` ${rate.measuredAt.toISOString().slice(0, 10)}` : ""}
          </span>
        ) : rate.source === "PARTIAL" ? (
          <span className="badge badge-amber" title="Some figures are defaults: the calibration predates them (the assumptions say which); npm run bench on the server measures them">
            partly calibrated{rate.measuredAt ? ` ${rate.measuredAt.toISOString().slice(0, 10)}` : ""}
          </span>
        ) : (
          <span className="badge badge-grey" title="No usable calibration: npm run bench on the server measures the load rate (the assumptions say why)">
            default, not calibrated
          </span>
        )}
      </p>
      <details className="cost-assumptions" open>
        <summary>Assumptions ({formatCount(estimate.assumptions.length)})</summary>
        <ul aria-label="Assumptions">
          {estimate.assumptions.map((a, i) => (
            <li key={i}>{a}</li>
          ))}
        </ul>
      </details>
    </section>
  );
}
