import { afterAll, beforeAll, expect, it } from "vitest";
import { createTestDatabase, describeEachDatabase, type TestDatabase } from "@/test/world";

describeEachDatabase("metadata database", (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(kind);
  });
  afterAll(() => t.destroy());

  it("enforces one file row per ingestion and path", async () => {
    const db = t.database.prisma;
    const tenant = await db.tenant.create({ data: { slug: "t1", name: "t1" } });
    const connection = await db.connection.create({ data: { tenantId: tenant.id, name: "files", type: "LOCAL", localPath: "/x" } });
    const ingestion = await db.ingestion.create({
      data: {
        tenantId: tenant.id,
        name: "i",
        sourceType: "LOCAL",
        connectionId: connection.id,
        sourceUri: "/x",
        format: "JSON",
        destinationSchema: "raw",
        destinationTable: "t",
      },
    });
    const file = { ingestionId: ingestion.id, path: "a.json", size: 1n, lastModified: new Date() };
    await db.processedFile.create({ data: file });
    await expect(db.processedFile.create({ data: file })).rejects.toMatchObject({ code: "P2002" });
    expect(await db.processedFile.count()).toBe(1);
  });
});
