// Refresh: start an ingestion's destination over. FULL drops the table and forgets every file,
// so the next run reloads the whole source; NEW_ONLY drops the table but keeps the history, so
// only files that arrive later load. A dry run answers with the plan and changes nothing.
import { DomainError } from "@/server/domain/errors";
import type { RefreshIngestionInput, RefreshOutput, RefreshPlan } from "@/shared/contracts/ingestions";
import { plural } from "@/shared/format";
import { tenantDestination } from "./destination-table";
import { UNFINISHED } from "@/server/runs/file-state";
import type { ServiceDeps } from "@/server/deps";
import type { RunStarted } from "@/shared/contracts/run-started";
import { activeWork, holderOf } from "@/server/runs/run-record";
import { withIngestionGuard } from "./ingestion-guard";
import { findOwnedIngestion } from "./ingestion-rules";
import type { IngestionRow } from "./ingestion-view";
import { NEXT_RUN_LIST_LIMIT, nextRunFiles } from "./next-run-files";
import { runLoadMs } from "@/server/domain/cost";
import { resolvePrices } from "../cost/estimate-cost";
import { loadModel } from "@/server/engine/calibration";
import { RESET_LISTING_STATE } from "@/server/runs/listing-state";

/** What NEW_ONLY marks SKIPPED: files not loaded yet, and missing ones (their paths were seen). */
const SKIPPED_BY_NEW_ONLY = [...UNFINISHED, "MISSING"] as const;

export async function planRefresh(
  deps: ServiceDeps,
  tenantId: string,
  ingestion: IngestionRow,
  mode: "FULL" | "NEW_ONLY",
  /** The refresh's own maintenance lock, when planning inside it. */
  guardToken?: string,
): Promise<RefreshPlan> {
  const destination = { ingestionId: ingestion.id, schema: ingestion.destinationSchema, table: ingestion.destinationTable };
  const name = `${destination.schema}.${destination.table}`;
  const state = await (await tenantDestination(deps, tenantId)).describe(destination);
  const rows = state.table?.rows ?? null;
  const ledger = state.ledger.find((l) => l.ingestionId === ingestion.id)?.files ?? 0;
  const [files, unfinished] = await Promise.all([
    deps.db.processedFile.count({ where: { ingestionId: ingestion.id } }),
    deps.db.processedFile.count({ where: { ingestionId: ingestion.id, status: { in: [...SKIPPED_BY_NEW_ONLY] } } }),
  ]);
  const history = mode === "FULL" ? { files, forget: files, skip: 0 } : { files, forget: 0, skip: unfinished };
  const listing = await nextRunFiles(deps, ingestion, { forgetHistory: mode === "FULL" });
  const warnings: string[] = [];
  let load: RefreshPlan["load"] = null;
  if (!("error" in listing)) {
    const model = await loadModel(deps, ingestion.format);
    const { mbPerSecond } = model;
    const durationMs = runLoadMs(listing.nextRun, model);
    const perHour = resolvePrices(deps, undefined).prices.computePerHour;
    load = { ...listing, estimate: { durationMs, mbPerSecond, computeCost: (durationMs / 3_600_000) * perHour } };
  }
  if ("error" in listing) warnings.push(`Could not list the source, so what would load is unknown: ${listing.error}`);
  if (load?.truncated) warnings.push(`The listing stopped after ${plural(NEXT_RUN_LIST_LIMIT, "object")}; the counts of files to load are lower bounds`);
  const active = await holderOf(deps, ingestion.id);
  if (active && !(active.kind === "maintenance" && active.token === guardToken)) {
    const work = activeWork(active);
    warnings.push(`${work[0]?.toUpperCase()}${work.slice(1)}: executing the refresh now would be refused until it finishes`);
  }

  const steps = [
    rows === null ? `Table ${name} does not exist yet: nothing to drop` : `Drop table ${name} and its ${plural(rows, "row")}`,
    mode === "FULL"
      ? `Forget the history of ${plural(files, "file")}`
      : `Keep the history of ${plural(files, "file")}` + (unfinished > 0 ? `; mark the ${plural(unfinished, "unfinished file")} SKIPPED` : ""),
    load === null
      ? "Then load what the next run finds (the source could not be listed now)"
      : mode === "FULL"
        ? `Then reload every file: ${plural(load.pending.files, "file")} (${load.pending.bytes.toLocaleString("en-US")} bytes)`
        : `Then load only files that arrive later (${plural(load.pending.files, "new file")} now)`,
  ];
  return { mode, table: { name, exists: rows !== null, rows: rows ?? 0 }, history, ledgerEntries: ledger, load, warnings, steps };
}

export async function refreshIngestion(deps: ServiceDeps, tenantId: string, input: RefreshIngestionInput): Promise<RefreshOutput> {
  const ingestion = await findOwnedIngestion(deps, tenantId, input.id);
  const table = `${ingestion.destinationSchema}.${ingestion.destinationTable}`;
  if (!input.dryRun && !input.confirm) {
    throw new DomainError(
      "PRECONDITION_FAILED",
      `Refresh ${input.mode} drops table ${table}${input.mode === "FULL" ? " and forgets its file history" : ""}: pass confirm: true to execute it (or dryRun: true to see the plan)`,
      "confirm",
    );
  }
  if (input.dryRun) {
    const plan = await planRefresh(deps, tenantId, ingestion, input.mode);
    return { dryRun: true, executed: false, plan, run: null, message: `Dry run: nothing changed. ${plan.steps.join(". ")}.` };
  }
  return withIngestionGuard<RefreshOutput>(deps, ingestion, { doing: "refresh", operation: "a refresh" }, async (guard) => {
    const plan = await planRefresh(deps, tenantId, ingestion, input.mode, guard.token);
    const now = deps.clock();
    await guard.assertHeld();
    // Metadata first: a crash before the warehouse change leaves the table and its ledger, and
    // the next run rebuilds the history from the ledger (nothing lost, nothing loaded twice).
    if (input.mode === "FULL") {
      // With its history the high-water path goes: an ORDERED listing would skip every file before it.
      await deps.db.$transaction([
        deps.db.processedFile.deleteMany({ where: { ingestionId: ingestion.id } }),
        deps.db.ingestion.update({ where: { id: ingestion.id }, data: RESET_LISTING_STATE, select: { id: true } }),
      ]);
    } else {
      await deps.db.processedFile.updateMany({
        where: { ingestionId: ingestion.id, status: { in: [...SKIPPED_BY_NEW_ONLY] } },
        data: {
          status: "SKIPPED",
          error: `Skipped by a NEW_ONLY refresh at ${now.toISOString()}: only files that arrive later load`,
          leaseExpiresAt: null,
          updatedAt: now,
        },
      });
    }
    await guard.assertHeld();
    const dropped = await (await tenantDestination(deps, tenantId)).drop({
      ingestionId: ingestion.id,
      schema: ingestion.destinationSchema,
      table: ingestion.destinationTable,
    });
    deps.log.info(
      `[ingestions] refreshed '${ingestion.name}' (${ingestion.id}) ${input.mode}: dropped ${table} (${dropped.rowsDropped} rows), ` +
        `${plan.history.forget} file(s) forgotten, ${plan.history.skip} skipped`,
    );
    const done = `Refreshed ${input.mode}: ${plan.steps.slice(0, 2).join("; ")}`;
    if (!input.autoRun) {
      return { result: { dryRun: false, executed: true, plan, run: null, message: `${done}. The next run loads ${input.mode === "FULL" ? "everything again" : "only new files"}.` } };
    }
    // The guard becomes the refresh's run: nothing could start in between.
    const runId = await guard.becomeRun();
    const launched = await deps.runs.launch({ runId, ingestionId: ingestion.id, tenantId, eventId: `run:${runId}` });
    const run: RunStarted =
      launched.method === "inngest" ? { method: "inngest", runId, eventId: launched.eventId } : { method: "direct", runId };
    return { result: { dryRun: false, executed: true, plan, run, message: `${done}. Run ${runId} started.` }, keep: true };
  });
}
