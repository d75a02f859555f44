// The upgrade to connections (migration connections_for_ingestions) on real databases: ingestions
// that named a source URI (and S3 options) before get a connection of their tenant, identical
// sources share one, and every ingestion reads the same location afterwards.
import { createHash } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { connectionName } from "@/shared/contracts/ingestions";
import { createTestDatabase, describeEachDatabase, type TestDatabase } from "@/test/world";
import { makeTempDir, type TempDir } from "@/test/temp-dirs";
import { migrateUpTo } from "@/test/migration-fixtures";
import { defaultMigrationsDir } from "./database";
import { applyMigrations } from "./migrate";

const MIGRATION = "connections_for_ingestions";

describeEachDatabase("migration to connections", (kind) => {
  let t: TestDatabase;
  let tmp: TempDir;

  beforeAll(async () => {
    [t, tmp] = await Promise.all([createTestDatabase(kind, { migrate: false }), makeTempDir("conn-migration")]);
  });
  afterAll(async () => {
    await t.destroy();
    await tmp.remove();
  });

  it("gives every existing ingestion a connection of its tenant, grouping identical sources", async () => {
    // The migrations before this one.
    await migrateUpTo(t, tmp.path, MIGRATION);

    const sql = t.database.sql;
    await sql.query(`INSERT INTO "Tenant" ("id", "slug", "name", "updatedAt") VALUES ('t1', 'acme', 'acme', now()), ('t2', 'beta', 'beta', now())`);
    const ingestion = (id: string, tenant: string, type: string, uri: string, options: object) =>
      sql.query(
        `INSERT INTO "Ingestion" ("id", "tenantId", "name", "sourceType", "sourceUri", "sourceOptions", "format", "destinationSchema", "destinationTable", "updatedAt")
         VALUES ($1, $2, $1, $3::"SourceType", $4, $5::jsonb, 'JSON', 'raw', $1, now())`,
        [id, tenant, type, uri, JSON.stringify(options)],
      );
    await ingestion("i1", "t1", "LOCAL", "/data/acme/orders", {});
    await ingestion("i2", "t1", "LOCAL", "/data/acme/orders", {});
    await ingestion("i3", "t1", "LOCAL", "/data/acme/events", {});
    await ingestion("i4", "t1", "S3", "s3://lake/exports/orders/", { region: "eu-west-1", credentialsRef: "ACME" });
    await ingestion("i5", "t1", "S3", "s3://lake/exports/events", { region: "eu-west-1", credentialsRef: "ACME" });
    await ingestion("i6", "t1", "S3", "s3://lake", { endpoint: "https://minio.acme:9000", forcePathStyle: true });
    await ingestion("i7", "t2", "LOCAL", "/data/acme/orders", {});
    // A 63-character bucket: "s3-" + it would pass the 63 characters a connection name may have.
    const long = "b".repeat(50) + "-long-bucket1";
    await ingestion("i8", "t2", "S3", `s3://${long}/x`, {});

    await applyMigrations(t.database.sql, defaultMigrationsDir());

    const connections = await sql.query<Record<string, unknown>>(
      `SELECT "tenantId", "name", "type", "localPath", "bucket", "prefix", "region", "endpoint", "forcePathStyle", "credentialsKind", "credentialsRef", "secretCiphertext"
         FROM "Connection" ORDER BY "tenantId", "name"`,
    );
    const common = { localPath: null, bucket: null, prefix: "", region: null, endpoint: null, forcePathStyle: false, credentialsKind: null, credentialsRef: null, secretCiphertext: null };
    expect(connections).toEqual([
      { ...common, tenantId: "t1", name: "local-1", type: "LOCAL", localPath: "/data/acme/events" },
      { ...common, tenantId: "t1", name: "local-2", type: "LOCAL", localPath: "/data/acme/orders" },
      // The same bucket with other settings gets a second connection.
      { ...common, tenantId: "t1", name: "s3-lake", type: "S3", bucket: "lake", region: "eu-west-1", credentialsKind: "ENV_REF", credentialsRef: "ACME" },
      { ...common, tenantId: "t1", name: "s3-lake_2", type: "S3", bucket: "lake", endpoint: "https://minio.acme:9000", forcePathStyle: true, credentialsKind: "AMBIENT" },
      { ...common, tenantId: "t2", name: "local-1", type: "LOCAL", localPath: "/data/acme/orders" },
      { ...common, tenantId: "t2", name: `s3-${long.slice(0, 47)}-${createHash("md5").update(long).digest("hex").slice(0, 8)}`, type: "S3", bucket: long, credentialsKind: "AMBIENT" },
    ]);
    // Every name is one the API takes (connections.get / update / delete address them by name).
    for (const c of connections) expect(connectionName.safeParse(c.name)).toMatchObject({ success: true });
    const ingestions = await sql.query<{ id: string; connection: string; tenantId: string; sourcePath: string; sourceUri: string }>(
      `SELECT i."id", c."name" AS "connection", c."tenantId", i."sourcePath", i."sourceUri"
         FROM "Ingestion" i JOIN "Connection" c ON c."id" = i."connectionId" ORDER BY i."id"`,
    );
    expect(ingestions).toEqual([
      { id: "i1", connection: "local-2", tenantId: "t1", sourcePath: "", sourceUri: "/data/acme/orders" },
      { id: "i2", connection: "local-2", tenantId: "t1", sourcePath: "", sourceUri: "/data/acme/orders" },
      { id: "i3", connection: "local-1", tenantId: "t1", sourcePath: "", sourceUri: "/data/acme/events" },
      { id: "i4", connection: "s3-lake", tenantId: "t1", sourcePath: "exports/orders", sourceUri: "s3://lake/exports/orders/" },
      { id: "i5", connection: "s3-lake", tenantId: "t1", sourcePath: "exports/events", sourceUri: "s3://lake/exports/events" },
      { id: "i6", connection: "s3-lake_2", tenantId: "t1", sourcePath: "", sourceUri: "s3://lake" },
      // Another tenant's ingestion of the same directory gets a connection of its own tenant.
      { id: "i7", connection: "local-1", tenantId: "t2", sourcePath: "", sourceUri: "/data/acme/orders" },
      { id: "i8", connection: expect.stringMatching(/^s3-b{47}-[0-9a-f]{8}$/), tenantId: "t2", sourcePath: "x", sourceUri: `s3://${long}/x` },
    ]);
    const nullable = await sql.query<{ is_nullable: string }>(
      `SELECT is_nullable FROM information_schema.columns WHERE table_name = 'Ingestion' AND column_name = 'connectionId'`,
    );
    expect(nullable).toEqual([{ is_nullable: "NO" }]);
  });
});
