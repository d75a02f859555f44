// Fair sharing: at most `maxConcurrentRuns` runs RUNNING at once, and `maxConcurrentRunsPerTenant`
// of one tenant. The decision is made in the database (one transaction under an advisory lock:
// count, then compare-and-set QUEUED → RUNNING), so it holds across processes. A run that finds no
// slot is marked waiting (currentStep WAITING_STEP) and starts, in (queuedAt, id) order, when a
// slot frees: whoever promotes a waiting run launches it (startWaitingRuns).
import { Prisma } from "@/generated/prisma/client";
import type { ServiceDeps } from "@/server/deps";
import type { RunLimits } from "./run-deps";
import { promoteInSlotDecision, waitInSlotDecision, WAITING_STEP } from "./run-record";

export const DEFAULT_RUN_LIMITS: RunLimits = { maxConcurrentRuns: 4, maxConcurrentRunsPerTenant: 2 };

/** Any number: one lock for every process that decides slots (pg_advisory_xact_lock). */
const SLOT_LOCK = 7_302_118_410;

export function runLimitsOf(deps: Pick<ServiceDeps, "config">): RunLimits {
  return deps.config.runLimits ?? DEFAULT_RUN_LIMITS;
}

export interface PromotedRun {
  runId: string;
  ingestionId: string;
  tenantId: string;
  method: "DIRECT" | "INNGEST";
  eventId: string | null;
}

interface Candidate extends PromotedRun {
  queuedAt: Date;
  /** QUEUED and not decided yet, older than the candidate: its own launch is deciding it now. */
  deciding: boolean;
}

/**
 * How long a QUEUED run no decision has seen yet counts as being decided (its launch is on the
 * way). One older than this lost its launch (a dropped event, a crash between queueing and
 * launching): it no longer holds newer runs back, and stale-run expiry ends it.
 */
const DECIDING_MS = 30_000;

/**
 * The runs in line for a new run's slot decision, oldest first: those waiting, the candidate, and
 * the runs queued before the candidate, within DECIDING_MS, that no decision has seen yet. Those
 * last are in flight (their trigger launched them and their own decision comes next); they keep
 * their turn, so a run triggered later does not take the slot of one triggered earlier because
 * its decision happened to come first. (When a slot frees, startWaitingRuns promotes the waiting
 * runs only: those in flight decide for themselves.)
 */
async function slotQueue(
  db: Prisma.TransactionClient | ServiceDeps["db"],
  opts: { candidate?: string; allUndecided?: boolean; now: Date },
): Promise<Candidate[]> {
  const { candidate } = opts;
  const since = new Date(opts.now.getTime() - DECIDING_MS);
  const undecided = opts.allUndecided
    ? Prisma.sql`OR (r."currentStep" IS NULL AND r."queuedAt" >= ${since})`
    : candidate
      ? Prisma.sql`OR (r."currentStep" IS NULL AND (r.id = ${candidate} OR (r."queuedAt" >= ${since} AND (r."queuedAt", r.id) < (SELECT c."queuedAt", c.id FROM "Run" c WHERE c.id = ${candidate}))))`
      : Prisma.empty;
  return db.$queryRaw<Candidate[]>`
    SELECT r.id AS "runId", r."ingestionId", i."tenantId", r.method::text AS method, r."eventId", r."queuedAt",
           (r."currentStep" IS NULL AND r.id IS DISTINCT FROM ${candidate ?? null}::text) AS deciding
    FROM "Run" r JOIN "Ingestion" i ON i.id = r."ingestionId"
    WHERE r.status = 'QUEUED' AND (r."currentStep" = ${WAITING_STEP} ${undecided})
    ORDER BY r."queuedAt", r.id`;
}

/** Who is running, per tenant: the counts every decision starts from. */
async function runningByTenant(db: Prisma.TransactionClient | ServiceDeps["db"]): Promise<Map<string, number>> {
  const rows = await db.$queryRaw<{ tenantId: string; n: number }[]>`
    SELECT i."tenantId", count(*)::int AS n
    FROM "Run" r JOIN "Ingestion" i ON i.id = r."ingestionId"
    WHERE r.status = 'RUNNING'
    GROUP BY i."tenantId"`;
  return new Map(rows.map((r) => [r.tenantId, r.n]));
}

/**
 * Gives free slots to waiting runs, oldest first (a run whose tenant is at its limit is passed
 * over, not blocking other tenants), and decides `candidate`: a QUEUED run just launched, which
 * takes its turn after the runs already waiting. Promoted runs become RUNNING; the candidate, if
 * promoted, is also claimed (currentStep CLAIMED_STEP) for the caller, who runs it; if not, it is
 * marked waiting. Returns the other promoted runs: the caller must launch them.
 */
export async function promoteWaitingRuns(
  deps: ServiceDeps,
  opts: { candidate?: string } = {},
): Promise<{ promoted: PromotedRun[]; candidate: "started" | "waiting" | "not-queued" | null }> {
  const limits = runLimitsOf(deps);
  const now = deps.clock();
  return deps.db.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(${SLOT_LOCK}::bigint)`;
    const running = await runningByTenant(tx);
    const queue = await slotQueue(tx, { candidate: opts.candidate, now });
    let total = [...running.values()].reduce((n, k) => n + k, 0);
    const chosen: Candidate[] = [];
    for (const w of queue) {
      if (total >= limits.maxConcurrentRuns) break;
      const mine = running.get(w.tenantId) ?? 0;
      if (mine >= limits.maxConcurrentRunsPerTenant) continue;
      running.set(w.tenantId, mine + 1);
      total += 1;
      // An older run still being decided keeps its turn: its own decider takes the slot.
      if (!w.deciding) chosen.push(w);
    }
    const ids = chosen.map((c) => c.runId);
    await promoteInSlotDecision(tx, ids, opts.candidate ?? null, now);
    let candidate: "started" | "waiting" | "not-queued" | null = null;
    if (opts.candidate) {
      if (ids.includes(opts.candidate)) candidate = "started";
      else if (queue.some((w) => w.runId === opts.candidate)) {
        await waitInSlotDecision(tx, opts.candidate, now);
        candidate = "waiting";
      } else candidate = "not-queued";
    }
    const promoted = chosen
      .filter((c) => c.runId !== opts.candidate)
      .map(({ runId, ingestionId, tenantId, method, eventId }) => ({ runId, ingestionId, tenantId, method, eventId }));
    return { promoted, candidate };
  }, SLOT_TRANSACTION);
}

/**
 * Deciders queue for the lock inside their transactions: Prisma's defaults (2 s to get a
 * connection, 5 s in all) aborted the later ones when a busy machine made each decision slow,
 * and a run whose decision failed was left QUEUED, neither waiting nor running.
 */
const SLOT_TRANSACTION = { maxWait: 60_000, timeout: 60_000 };

/** Launches runs promoted by someone else's decision (each exactly once: the promoter's). */
export async function launchPromoted(deps: ServiceDeps, promoted: PromotedRun[]): Promise<void> {
  for (const p of promoted) {
    deps.log.info(`[runs] run ${p.runId} got a slot; starting it`);
    try {
      await deps.runs.launch({
        runId: p.runId,
        ingestionId: p.ingestionId,
        tenantId: p.tenantId,
        // The run's first event found no slot and ended; this one starts it (a new id, not deduplicated away).
        eventId: `${p.eventId ?? `run:${p.runId}`}:slot`,
      });
    } catch (error) {
      // It stays RUNNING without a heartbeat: stale-run expiry ends it and frees its files.
      deps.log.error(`[runs] could not start run ${p.runId}: ${(error as Error).message}`);
    }
  }
}

/**
 * Starts waiting runs while slots are free: called when a run ends, by the scheduler tick and at
 * start-up (so waiting runs start after a restart). Returns the ids it started.
 */
export async function startWaitingRuns(deps: ServiceDeps): Promise<string[]> {
  const { promoted } = await promoteWaitingRuns(deps);
  await launchPromoted(deps, promoted);
  return promoted.map((p) => p.runId);
}

export interface QueueState {
  /** 1-based, among all waiting runs, in the order they start. */
  position: number;
  /** Why it waits, e.g. "waiting for a slot: tenant limit 2 reached". */
  reason: string;
}

/** Queue positions and reasons of waiting runs (those among `runIds`), in one pass over the queue. */
export async function queueStates(deps: ServiceDeps, runIds: string[]): Promise<Map<string, QueueState>> {
  const out = new Map<string, QueueState>();
  if (runIds.length === 0) return out;
  const limits = runLimitsOf(deps);
  const wanted = new Set(runIds);
  const queue = await slotQueue(deps.db, { allUndecided: true, now: deps.clock() });
  if (!queue.some((w) => !w.deciding && wanted.has(w.runId))) return out;
  const running = await runningByTenant(deps.db);
  let total = [...running.values()].reduce((n, k) => n + k, 0);
  let position = 0;
  for (const w of queue) {
    const mine = running.get(w.tenantId) ?? 0;
    if (w.deciding) {
      // As in a decision: a run queued earlier and still being decided takes its slot first.
      if (total < limits.maxConcurrentRuns && mine < limits.maxConcurrentRunsPerTenant) {
        running.set(w.tenantId, mine + 1);
        total += 1;
      }
      continue;
    }
    position += 1;
    if (!wanted.has(w.runId)) continue;
    const reason =
      mine >= limits.maxConcurrentRunsPerTenant
        ? `waiting for a slot: tenant limit ${limits.maxConcurrentRunsPerTenant} reached`
        : total >= limits.maxConcurrentRuns
          ? `waiting for a slot: global limit ${limits.maxConcurrentRuns} reached`
          : "waiting for a slot: starting";
    out.set(w.runId, { position, reason });
  }
  return out;
}
