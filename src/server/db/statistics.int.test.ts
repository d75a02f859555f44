// The embedded database's planner statistics, sampled on a timer (PGlite has no autovacuum).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recordingLogger, createTestDatabase, type TestDatabase } from "@/test/world";
import { analyzeAll, refreshStatisticsPeriodically } from "./statistics";

describe("planner statistics [pglite]", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase("pglite");
  });
  afterAll(async () => t?.destroy());

  const estimate = async (table: string) =>
    Number((await t.database.sql.query<{ reltuples: number }>(`SELECT reltuples FROM pg_class WHERE relname = $1`, [table]))[0]?.reltuples);

  it("are refreshed by the periodic sample of the growing tables, which stops when told", async () => {
    await t.database.sql.query(`INSERT INTO "Tenant" (id, slug, name, "updatedAt") SELECT 't' || g, 's' || g, 'n' || g, now() FROM generate_series(1, 30) g`);
    await t.database.sql.query(
      `INSERT INTO "AuditEvent" (id, "tenantId", "actorKind", "actorName", "actorRole", action, outcome)
       SELECT 'a' || g, 't' || (g % 30 + 1), 'api-key', 'k', 'ADMIN', 'ingestions.create', 'SUCCESS' FROM generate_series(1, 300) g`,
    );
    const log = recordingLogger();
    const refresh = refreshStatisticsPeriodically(t.database.prisma, log, 20);
    try {
      await expect.poll(() => estimate("AuditEvent"), { timeout: 10_000, interval: 20 }).toBe(300);
    } finally {
      await refresh.stop();
    }
    expect(log.lines).toEqual([]);
    // A small table keeps the sample of the start (here: none yet).
    expect(await estimate("Tenant")).toBeLessThan(30);
  });

  it("a failed sample is a warning, not an error", async () => {
    const log = recordingLogger();
    const closed = await createTestDatabase("pglite");
    await closed.destroy();
    await analyzeAll(closed.database.prisma, log);
    expect(log.lines).toEqual([{ level: "warn", message: expect.stringMatching(/^\[db\] could not refresh the planner's statistics: /) }]);
  });
});
