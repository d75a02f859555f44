// The claim rule is written twice, as SQL (file-state.ts claimableSql, what claims run) and in
// TypeScript (domain/file-selection.ts claimable, withinRunLimits): both on the same rows, on
// PGlite and on PostgreSQL, must pick the same files.
import { expect, it } from "vitest";
import { Prisma } from "@/generated/prisma/client";
import { claimable, claimOrder, withinRunLimits, type ClaimState } from "@/server/domain/file-selection";
import { describeEachDatabase, useRunWorld } from "@/test/world";
import { makeIngestion } from "@/test/run-fixtures";
import { claimableSql, claimFiles } from "./file-state";

const NOW = new Date("2026-06-01T12:00:00.000Z");
const MINUTE = 60_000;
const MAX_RETRIES = 3;

/** Every combination the rule looks at: each status, kind, retry count around the limit, and times before, at and after now. */
function combinations(): (ClaimState & { path: string; size: number; lastModified: Date })[] {
  const times = [null, new Date(NOW.getTime() - MINUTE), NOW, new Date(NOW.getTime() + MINUTE)];
  const rows: (ClaimState & { path: string; size: number; lastModified: Date })[] = [];
  let i = 0;
  for (const status of ["PENDING", "PROCESSING", "SUCCESS", "FAILED", "SKIPPED", "MISSING"] as const)
    for (const failureKind of [null, "TRANSIENT", "DATA"] as const)
      for (const retryCount of [0, MAX_RETRIES - 1, MAX_RETRIES])
        for (const nextAttemptAt of times)
          for (const leaseExpiresAt of times) {
            rows.push({
              path: `c/${String(i).padStart(5, "0")}.jsonl`,
              // Sizes and times that vary, so the limits' order and sums matter.
              size: 1 + ((i * 37) % 101),
              lastModified: new Date(Date.UTC(2026, 0, 1) + ((i * 7919) % 1000) * 1000),
              status,
              failureKind,
              retryCount,
              nextAttemptAt,
              leaseExpiresAt,
            });
            i += 1;
          }
  return rows;
}

describeEachDatabase("the claim rule, in SQL and in TypeScript", (kind) => {
  const suite = useRunWorld({ kind });

  async function seed() {
    const ing = await makeIngestion(suite.world);
    const rows = combinations();
    await suite.world.deps.db.processedFile.createMany({ data: rows.map((r) => ({ ...r, ingestionId: ing.id })) });
    return { ingestionId: ing.id, rows };
  }

  it("selects the same rows, for a run and for a retry of a run", async () => {
    const { ingestionId, rows } = await seed();
    for (const retry of [false, true]) {
      const picked = await suite.world.deps.db.$queryRaw<{ path: string }[]>(Prisma.sql`
        SELECT path FROM "ProcessedFile"
        WHERE "ingestionId" = ${ingestionId} AND ${claimableSql({ now: NOW, maxRetries: MAX_RETRIES, retry })}`);
      const expected = rows.filter((r) => claimable(r, { now: NOW, maxRetries: MAX_RETRIES, retry })).map((r) => r.path);
      expect(expected.length).toBeGreaterThan(0);
      expect(picked.map((p) => p.path).sort()).toEqual(expected.sort());
    }
  });

  it("a claim takes what claimable, claimOrder and withinRunLimits give, under each kind of limit", async () => {
    const limits = [
      { maxFiles: null, maxBytes: null },
      { maxFiles: 7, maxBytes: null },
      { maxFiles: null, maxBytes: 500 },
      // The first file alone is over the byte limit: it is still taken, alone.
      { maxFiles: 10, maxBytes: 1 },
    ];
    for (const l of limits) {
      const { ingestionId, rows } = await seed();
      const run = await suite.world.deps.db.run.create({ data: { ingestionId, status: "RUNNING", trigger: "MANUAL" }, select: { id: true } });
      const claimed = await claimFiles(suite.world.deps.db, {
        ingestionId,
        runId: run.id,
        now: NOW,
        leaseMs: MINUTE,
        maxRetries: MAX_RETRIES,
        maxFiles: l.maxFiles,
        maxBytes: l.maxBytes,
      });
      const expected = withinRunLimits(rows.filter((r) => claimable(r, { now: NOW, maxRetries: MAX_RETRIES })).sort(claimOrder), l);
      expect(claimed.map((c) => c.path)).toEqual(expected.map((e) => e.path));
    }
  });
});
