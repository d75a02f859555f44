// The one writer of Run rows (besides file-state's counter marks, which count files on their run
// in the statement that records them). Every change of a run's status, step, heartbeat, counters,
// estimate, warnings and end goes through a named function here; callers decide, this writes.
// The one-active-run guard is the unique `activeIngestionId` index: queueRun takes it, the end of
// a run (recordRunEnd, cancelQueuedRun) gives it back. Maintenance takes the ingestion's lock
// (its maintenance columns) instead; both take the ingestion's row lock first, so each excludes the other.
import { randomUUID } from "node:crypto";
import { uuid7 } from "@/server/db/uuid7";
import { Prisma } from "@/generated/prisma/client";
import type { Db } from "@/server/db/database";
import type { ServiceDeps } from "@/server/deps";
import { runWarnings } from "@/shared/run-warnings";
import { ACTIVE_RUN_STATUSES, type RunStatusValue } from "@/server/domain/status-transitions";
import type { LoadWarning } from "@/server/engine/destinations/destination";

type RecordDeps = Pick<ServiceDeps, "db" | "clock">;

/** `currentStep` of a QUEUED run that found no free slot: it starts when one frees. */
export const WAITING_STEP = "waiting for a slot";

/** The step a run claimed by its promoter starts with: nobody else may launch it then. */
export const CLAIMED_STEP = "start";

/** Most warnings a run keeps (the first ones; later batches repeat the same kinds). */
const MAX_RUN_WARNINGS = 100;

/**
 * What holds an ingestion: its active run (the row owning `activeIngestionId`), or a maintenance
 * operation's lock (the Ingestion's maintenance columns). Each excludes the other.
 */
export type Holder = { kind: "run"; id: string; status: string } | { kind: "maintenance"; token: string; operation: string };

/** What holds an ingestion, in words: "run X is running" or "another operation (a refresh) is in progress". */
export function activeWork(holder: Holder): string {
  return holder.kind === "maintenance"
    ? `another operation (${holder.operation}) is in progress`
    : `run ${holder.id} is ${holder.status.toLowerCase()}`;
}

type Reader = Pick<Prisma.TransactionClient, "ingestion" | "run">;

async function holderIn(db: Reader, ingestionId: string): Promise<Holder | null> {
  const ing = await db.ingestion.findUnique({ where: { id: ingestionId }, select: { maintenanceOperation: true, maintenanceToken: true } });
  if (ing?.maintenanceToken) return { kind: "maintenance", token: ing.maintenanceToken, operation: ing.maintenanceOperation ?? "maintenance" };
  const run = await db.run.findFirst({ where: { activeIngestionId: ingestionId }, select: { id: true, status: true } });
  return run ? { kind: "run", id: run.id, status: run.status } : null;
}

/** What holds the ingestion now, if anything. */
export async function holderOf(deps: Pick<ServiceDeps, "db">, ingestionId: string): Promise<Holder | null> {
  return holderIn(deps.db, ingestionId);
}

/**
 * Whoever takes an ingestion (a run, a maintenance lock) first locks its row: the check of the
 * other kind of holder and the take are then one decision, across processes. Deciders queue for
 * the row lock inside their transactions (Prisma's 2 s / 5 s defaults abort them on a busy machine).
 */
const HOLD_TRANSACTION = { maxWait: 60_000, timeout: 60_000 };

async function lockIngestion(tx: Prisma.TransactionClient, ingestionId: string): Promise<void> {
  // NO KEY UPDATE: the holders exclude each other, while inserts that only reference the
  // ingestion (its files, schema versions: FOR KEY SHARE) do not wait for the lock, nor it for them.
  await tx.$queryRaw`SELECT id FROM "Ingestion" WHERE id = ${ingestionId} FOR NO KEY UPDATE`;
}

export type QueueOutcome = { queued: true; runId: string } | { queued: false; holder: Holder | null };

/**
 * Creates a QUEUED run holding the ingestion's one-active-run guard. Of several concurrent callers
 * exactly one gets it; the others, and every caller while maintenance holds the ingestion, get the
 * holder (null when it ended meanwhile) to name in their CONFLICT.
 */
export async function queueRun(
  deps: RecordDeps,
  request: { ingestionId: string; trigger: "MANUAL" | "SCHEDULE" | "RETRY" | "REFRESH"; retryOfRunId?: string | null },
): Promise<QueueOutcome> {
  // One statement, no interactive transaction (on the embedded database that would hold its one
  // connection across round trips while every other request waits): the CTE takes the ingestion's
  // row lock as takeMaintenance does, and skips the row when maintenance holds it (re-checked on
  // the row's newest version after waiting for the lock); the unique activeIngestionId decides
  // between runs. No row back: something holds the ingestion, named by holderOf.
  const now = new Date();
  const data = runData(deps, request);
  try {
    const created = await deps.db.$queryRaw<{ id: string }[]>`
      WITH ing AS (
        SELECT id FROM "Ingestion" WHERE id = ${request.ingestionId} AND "maintenanceToken" IS NULL FOR NO KEY UPDATE
      )
      INSERT INTO "Run" (id, "ingestionId", "activeIngestionId", status, trigger, method, "retryOfRunId", "queuedAt", "createdAt", "updatedAt")
      SELECT ${uuid7(now.getTime())}, ing.id, ing.id, 'QUEUED', ${data.trigger}::"RunTrigger", 'DIRECT', ${data.retryOfRunId}, ${data.queuedAt}, ${now}, ${now}
      FROM ing
      ON CONFLICT ("activeIngestionId") DO NOTHING
      RETURNING id`;
    const row = created[0];
    if (row) return { queued: true, runId: row.id };
  } catch (error) {
    // The unique index is the last word (a row written without the lock, say).
    if ((error as { code?: string }).code !== "P2002" && !String((error as Error).message).includes("23505")) throw error;
  }
  return { queued: false, holder: await holderOf(deps, request.ingestionId) };
}

function runData(deps: RecordDeps, request: { ingestionId: string; trigger: "MANUAL" | "SCHEDULE" | "RETRY" | "REFRESH"; retryOfRunId?: string | null }) {
  return {
    ingestionId: request.ingestionId,
    activeIngestionId: request.ingestionId,
    status: "QUEUED" as const,
    trigger: request.trigger,
    method: "DIRECT" as const,
    retryOfRunId: request.retryOfRunId ?? null,
    queuedAt: deps.clock(),
  };
}

// ---- maintenance locks ----
// Raw statements: the lock is not a change of the ingestion (its updatedAt stays).

/** Takes the ingestion for `operation` ("a refresh"), unless a run or other maintenance holds it. */
export async function takeMaintenance(
  deps: RecordDeps,
  ingestionId: string,
  operation: string,
): Promise<{ taken: true; token: string } | { taken: false; holder: Holder | null }> {
  const token = randomUUID();
  const now = deps.clock();
  return deps.db.$transaction(async (tx) => {
    await lockIngestion(tx, ingestionId);
    const holder = await holderIn(tx, ingestionId);
    if (holder) return { taken: false as const, holder };
    await tx.$executeRaw`
      UPDATE "Ingestion" SET "maintenanceOperation" = ${operation}, "maintenanceToken" = ${token}, "maintenanceBeatAt" = ${now}
      WHERE id = ${ingestionId}`;
    return { taken: true as const, token };
  }, HOLD_TRANSACTION);
}

/** Whether the lock is still this holder's (stale expiry may have released it). */
export async function maintenanceHeld(deps: RecordDeps, ingestionId: string, token: string): Promise<boolean> {
  return (await deps.db.ingestion.count({ where: { id: ingestionId, maintenanceToken: token } })) > 0;
}

/** A maintenance lock's heartbeat. */
export async function beatMaintenance(deps: RecordDeps, ingestionId: string, token: string): Promise<void> {
  const now = deps.clock();
  await deps.db.$executeRaw`UPDATE "Ingestion" SET "maintenanceBeatAt" = ${now} WHERE id = ${ingestionId} AND "maintenanceToken" = ${token}`;
}

/** Releases the lock if it is still this holder's. */
export async function releaseMaintenance(deps: RecordDeps, ingestionId: string, token: string): Promise<void> {
  await deps.db.$executeRaw`
    UPDATE "Ingestion" SET "maintenanceOperation" = NULL, "maintenanceToken" = NULL, "maintenanceBeatAt" = NULL
    WHERE id = ${ingestionId} AND "maintenanceToken" = ${token}`;
}

/**
 * The lock becomes a QUEUED run (a refresh with autoRun), in one transaction: nothing can start in
 * between. Null when the lock was lost (stale expiry released it).
 */
export async function maintenanceBecomesRun(
  deps: RecordDeps,
  ingestionId: string,
  token: string,
  trigger: "REFRESH",
): Promise<string | null> {
  return deps.db.$transaction(async (tx) => {
    await lockIngestion(tx, ingestionId);
    const released = await tx.$executeRaw`
      UPDATE "Ingestion" SET "maintenanceOperation" = NULL, "maintenanceToken" = NULL, "maintenanceBeatAt" = NULL
      WHERE id = ${ingestionId} AND "maintenanceToken" = ${token}`;
    if (released === 0) return null;
    const row = await tx.run.create({ data: runData(deps, { ingestionId, trigger }), select: { id: true } });
    return row.id;
  }, HOLD_TRANSACTION);
}

/**
 * Maintenance locks whose heartbeat stopped before `cutoff` (every one when null). One raw read:
 * it runs before every trigger and tick, and is no read of the ingestions themselves.
 */
export async function staleMaintenance(
  deps: RecordDeps,
  where: { ingestionId?: string },
  cutoff: Date | null,
): Promise<{ ingestionId: string; token: string; operation: string }[]> {
  const rows = await deps.db.$queryRaw<{ ingestionId: string; token: string; operation: string | null }[]>`
    SELECT id AS "ingestionId", "maintenanceToken" AS token, "maintenanceOperation" AS operation
    FROM "Ingestion"
    WHERE "maintenanceToken" IS NOT NULL
      ${where.ingestionId ? Prisma.sql`AND id = ${where.ingestionId}` : Prisma.empty}
      ${cutoff ? Prisma.sql`AND "maintenanceBeatAt" < ${cutoff}` : Prisma.empty}
    ORDER BY id`;
  return rows.map((r) => ({ ingestionId: r.ingestionId, token: r.token, operation: r.operation ?? "maintenance" }));
}

// ---- slots and executors ----

/** A QUEUED run whose slot decision failed waits its turn (the next end or tick starts it). */
export async function markWaiting(deps: RecordDeps, runId: string): Promise<void> {
  await deps.db.run.updateMany({ where: { id: runId, status: "QUEUED", currentStep: null }, data: { currentStep: WAITING_STEP } });
}

/** Inside the slot transaction: the chosen runs become RUNNING; the candidate among them is claimed. */
export async function promoteInSlotDecision(tx: Prisma.TransactionClient, ids: string[], candidate: string | null, now: Date): Promise<void> {
  if (ids.length === 0) return;
  await tx.$executeRaw`
    UPDATE "Run"
    SET status = 'RUNNING', "startedAt" = ${now}, "updatedAt" = ${now},
        "currentStep" = CASE WHEN id = ${candidate} THEN ${CLAIMED_STEP} ELSE NULL END
    WHERE id IN (${Prisma.join(ids)}) AND status = 'QUEUED'`;
}

/** Inside the slot transaction: the candidate found no slot and waits. */
export async function waitInSlotDecision(tx: Prisma.TransactionClient, runId: string, now: Date): Promise<void> {
  await tx.run.updateMany({ where: { id: runId, status: "QUEUED" }, data: { currentStep: WAITING_STEP, updatedAt: now } });
}

/**
 * The Inngest function takes a run a slot decision promoted and launched there (RUNNING, INNGEST,
 * no step yet): one conditional update, so exactly one of Inngest and the direct executor runs it.
 */
export async function claimForInngest(deps: RecordDeps, run: { runId: string; ingestionId: string }): Promise<boolean> {
  const { count } = await deps.db.run.updateMany({
    where: { id: run.runId, ingestionId: run.ingestionId, status: "RUNNING", method: "INNGEST", currentStep: null },
    data: { currentStep: CLAIMED_STEP, updatedAt: deps.clock() },
  });
  return count === 1;
}

/** Before the event is sent: the run is Inngest's, so a fast worker finds it so. */
export async function markLaunchedOnInngest(db: Db, runId: string, eventId: string): Promise<void> {
  await db.run.update({ where: { id: runId }, data: { method: "INNGEST", eventId } });
}

/**
 * The launcher's fallback takes the run back only if Inngest has not started it (a QUEUED one, or
 * one a slot decision promoted, RUNNING with no step yet). Returns whether it did.
 */
export async function takeBackFromInngest(db: Db, runId: string): Promise<boolean> {
  const { count } = await db.run.updateMany({
    where: { id: runId, method: "INNGEST", OR: [{ status: "QUEUED" }, { status: "RUNNING", currentStep: null }] },
    data: { method: "DIRECT", eventId: null },
  });
  return count === 1;
}

// ---- the steps ----

/** The start step: QUEUED → RUNNING (the caller checked the transition). */
export async function markRunning(deps: RecordDeps, runId: string): Promise<void> {
  const now = deps.clock();
  await deps.db.run.update({ where: { id: runId }, data: { status: "RUNNING", startedAt: now, updatedAt: now } });
}

/** Each step records its name on the active run, which is also its heartbeat. */
export async function markStep(deps: RecordDeps, runId: string, step: string): Promise<void> {
  await deps.db.run.updateMany({
    where: { id: runId, status: { in: ["QUEUED", "RUNNING"] } },
    data: { currentStep: step, updatedAt: deps.clock() },
  });
}

/** The heartbeat of an active run: stale-run expiry leaves it alone. */
export async function touchActiveRun(deps: RecordDeps, runId: string): Promise<void> {
  await deps.db.run.updateMany({ where: { id: runId, status: { in: ["QUEUED", "RUNNING"] } }, data: { updatedAt: deps.clock() } });
}

/** After a batch: the run is alive at `now`. */
export async function touchRun(deps: RecordDeps, runId: string, now: Date): Promise<void> {
  await deps.db.run.update({ where: { id: runId }, data: { updatedAt: now } });
}

/** The discover step's counts. */
export async function recordDiscovered(
  deps: RecordDeps,
  runId: string,
  counts: { registered: number; skipped: number; listRequests: number; listedAfter: string | null },
): Promise<void> {
  await deps.db.run.update({
    where: { id: runId },
    data: {
      filesDiscovered: counts.registered,
      filesSkipped: counts.skipped,
      listRequests: counts.listRequests,
      listedAfter: counts.listedAfter,
      updatedAt: deps.clock(),
    },
  });
}

/** The claim step's estimate: what it claimed, and how long that should take. */
export async function recordEstimate(deps: RecordDeps, runId: string, estimate: { bytes: number; durationMs: number }): Promise<void> {
  await deps.db.run.update({
    where: { id: runId },
    data: { estimatedBytes: BigInt(estimate.bytes), estimatedDurationMs: estimate.durationMs, updatedAt: deps.clock() },
  });
}

/** Adds a batch's warnings to its run's, once each. */
export async function addRunWarnings(deps: RecordDeps, runId: string, warnings: LoadWarning[]): Promise<void> {
  if (warnings.length === 0) return;
  const run = await deps.db.run.findUniqueOrThrow({ where: { id: runId }, select: { warnings: true } });
  const kept = runWarnings.parse(run.warnings);
  const seen = new Set(kept.map((w) => w.message));
  const all = [...kept, ...warnings.filter((w) => !seen.has(w.message))].slice(0, MAX_RUN_WARNINGS);
  if (all.length > kept.length) await deps.db.run.update({ where: { id: runId }, data: { warnings: all as unknown as object[] } });
}

// ---- the end ----

/**
 * Ends the run if it is still active, freeing its ingestion's guard (run-end.ts decides the
 * status and message). Returns whether it was still active.
 */
export async function recordRunEnd(
  deps: RecordDeps,
  runId: string,
  end: { status: RunStatusValue; error: string | null; finishedAt: Date; durationMs: number; updatedAt: Date },
): Promise<boolean> {
  const { count } = await deps.db.run.updateMany({
    where: { id: runId, status: { in: [...ACTIVE_RUN_STATUSES] } },
    data: { status: end.status, activeIngestionId: null, currentStep: null, error: end.error, finishedAt: end.finishedAt, durationMs: end.durationMs, updatedAt: end.updatedAt },
  });
  return count === 1;
}

/** runs.cancel of a QUEUED run: it ends CANCELLED at once and frees its ingestion. Returns whether it was still QUEUED. */
export async function cancelQueuedRun(deps: RecordDeps, runId: string, now: Date): Promise<boolean> {
  const { count } = await deps.db.run.updateMany({
    where: { id: runId, status: "QUEUED" },
    data: {
      status: "CANCELLED",
      activeIngestionId: null,
      currentStep: null,
      cancelRequestedAt: now,
      finishedAt: now,
      durationMs: 0,
      error: "Cancelled on request before it started",
      updatedAt: now,
    },
  });
  return count === 1;
}

/** runs.cancel of a RUNNING run: it stops at its next batch boundary. */
export async function requestCancel(deps: RecordDeps, runId: string, now: Date): Promise<void> {
  await deps.db.run.updateMany({ where: { id: runId, status: "RUNNING", cancelRequestedAt: null }, data: { cancelRequestedAt: now } });
}

/** An ended run whose files the ledger recorded later: its status and message, if it is still `from`. */
export async function amendEndedRun(deps: RecordDeps, runId: string, from: RunStatusValue, data: { status: RunStatusValue; error: string }): Promise<void> {
  await deps.db.run.updateMany({ where: { id: runId, status: from }, data });
}
