// The ingestions router through createCaller against a real database (PGlite and PostgreSQL) and
// real local source directories: output shapes, tenant scoping, pagination and every refusal.
import { mkdir, rm, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { ServiceDeps } from "@/server/services/deps";
import { callerAs, rejectionOf, seedTenant, zodIssuesOf, type AppCaller, type TestTenant } from "@/test/api-callers";
import { createLocalConnection, FILES, grantS3Endpoint } from "@/test/connection-fixtures";
import { createTestDatabase, describeEachDatabase, type TestDatabase } from "@/test/databases";
import { ingestionDraft } from "@/test/ingestion-fixtures";
import { testClock, testDeps, type TestClock } from "@/test/service-deps";
import { makeTempDir, type TempDir } from "@/test/temp-dirs";

const HOUR = 3_600_000;

describeEachDatabase("ingestions router", (kind) => {
  let t: TestDatabase;
  let root: TempDir;
  let outside: TempDir;
  let clock: TestClock;
  let deps: ServiceDeps;
  let acme: TestTenant;
  let api: AppCaller;

  beforeAll(async () => {
    [t, root, outside] = await Promise.all([createTestDatabase(kind), makeTempDir("roots"), makeTempDir("outside")]);
    clock = testClock();
    deps = testDeps(t.database.prisma, { clock, localRoots: [root.path] });
    acme = await seed("acme");
    api = callerAs(deps, acme.admin.auth).caller;
  });
  afterAll(async () => {
    await t.destroy();
    await Promise.all([root.remove(), outside.remove()]);
  });

  /** A tenant with a "files" connection on the root, as ingestionDraft expects. */
  async function seed(slug: string): Promise<TestTenant> {
    const tenant = await seedTenant(deps, slug);
    await createLocalConnection(deps, tenant.id, FILES, root.path);
    return tenant;
  }

  it("creates an ingestion and returns its full view, with the next run computed in the schedule's zone", async () => {
    clock.now = new Date("2026-11-22T12:00:00.000Z");
    await mkdir(path.join(root.path, "orders"), { recursive: true });
    const created = await api.ingestions.create({
      name: "Orders",
      description: "  Orders from the shop  ",
      // A trailing slash and '.' segment are normalised away.
      source: { connection: FILES, path: "./orders/", glob: "**/*.csv" },
      format: { type: "CSV", options: { delimiter: ";" } },
      destination: { schema: "raw", table: "orders", partitionColumns: ["day"] },
      schemaPolicy: { evolutionMode: "RESCUE", hints: { amount: "decimal(18, 2)" } },
      schedule: { frequency: "DAILY", time: "14:30", timezone: "Europe/Berlin", weekday: 3, cron: "* * * * *" },
      limits: { maxFilesPerRun: 100, maxBytesPerRun: 5_000_000_000 },
      alertRecipients: ["ops@example.com"],
    });
    expect(created).toMatchObject({
      name: "Orders",
      description: "Orders from the shop",
      status: "ACTIVE",
      source: {
        type: "LOCAL",
        connection: { name: FILES, type: "LOCAL" },
        path: "orders",
        uri: `${root.path}/orders`,
        glob: "**/*.csv",
        modifiedAfter: null,
      },
      format: {
        type: "CSV",
        // Quote and escape were not set: each file's are detected.
        options: { delimiter: ";", header: true, nullString: "", compression: "AUTO" },
      },
      destination: { schema: "raw", table: "orders", partitionColumns: ["day"] },
      schemaPolicy: { evolutionMode: "RESCUE", hints: { amount: "DECIMAL(18,2)" } },
      schedule: {
        frequency: "DAILY",
        time: "14:30",
        // Fields the frequency does not use are dropped.
        weekday: null,
        cron: null,
        timezone: "Europe/Berlin",
        description: "Daily at 14:30 (Europe/Berlin)",
        // 14:30 in Berlin (CET, UTC+1) on 22 November is 13:30 UTC, after the clock's 12:00 UTC.
        nextRunAt: new Date("2026-11-22T13:30:00.000Z"),
        upcoming: ["22", "23", "24", "25", "26"].map((day) => new Date(`2026-11-${day}T13:30:00.000Z`)),
      },
      limits: { maxFilesPerRun: 100, maxBytesPerRun: 5_000_000_000 },
      alertRecipients: ["ops@example.com"],
      lastRunAt: null,
      lastRunStatus: null,
    });
    expect(created.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(created.createdAt).toBeInstanceOf(Date);
    expect(created.updatedAt).toBeInstanceOf(Date);

    expect(await api.ingestions.get({ id: created.id })).toEqual(created);
  });

  it("creates an S3 ingestion through a connection with its options, and defaults for everything optional", async () => {
    // The S3 options live on the connection (granted the endpoint and the credentials reference).
    grantS3Endpoint(deps, "http://127.0.0.1:9000");
    deps.config.grants.fallback.s3?.credentialRefs?.push("ANALYTICS");
    await api.connections.create({
      name: "my-bucket",
      location: {
        type: "S3",
        bucket: "my-bucket",
        region: "eu-central-1",
        endpoint: "http://127.0.0.1:9000",
        forcePathStyle: true,
        credentials: { kind: "ENV_REF", ref: "ANALYTICS" },
      },
    });
    const created = await api.ingestions.create({
      name: "events",
      source: { connection: " my-bucket ", path: " events/2026 " },
      format: { type: "PARQUET" },
      destination: { schema: "raw", table: "events" },
    });
    expect(created).toMatchObject({
      description: null,
      source: {
        type: "S3",
        connection: { name: "my-bucket", type: "S3" },
        path: "events/2026",
        uri: "s3://my-bucket/events/2026",
        glob: null,
      },
      format: { type: "PARQUET", options: {} },
      destination: { partitionColumns: [] },
      schemaPolicy: { evolutionMode: "ADD_NEW_COLUMNS", hints: {} },
      schedule: { frequency: "NONE", timezone: "UTC", description: "Manual only", nextRunAt: null, upcoming: [] },
      limits: { maxFilesPerRun: null, maxBytesPerRun: null },
      alertRecipients: [],
    });
    expect((await api.connections.get({ name: "my-bucket" })).s3).toEqual({
      bucket: "my-bucket",
      prefix: "",
      region: "eu-central-1",
      endpoint: "http://127.0.0.1:9000",
      forcePathStyle: true,
      credentials: { kind: "ENV_REF", ref: "ANALYTICS", accessKeyIdHint: null },
    });
  });

  it("answers NOT_FOUND naming the id for an ingestion that does not exist", async () => {
    const id = "01900000-0000-7000-8000-000000000000";
    await expect(api.ingestions.get({ id })).rejects.toMatchObject({ code: "NOT_FOUND", message: `No ingestion '${id}'` });
  });

  it("refuses a second ingestion with the same name, but allows it in another tenant", async () => {
    await api.ingestions.create(ingestionDraft(root.path, "dupe"));
    const error = await rejectionOf(
      api.ingestions.create(ingestionDraft(root.path, "dupe", { destination: { schema: "raw", table: "dupe_two" } })),
    );
    expect(error).toMatchObject({ code: "CONFLICT", message: "An ingestion named 'dupe' already exists" });
    expect(error.cause).toMatchObject({ field: "name" });

    const other = await seed("dupe-other");
    const theirs = await callerAs(deps, other.member.auth).caller.ingestions.create(ingestionDraft(root.path, "dupe"));
    expect(theirs.name).toBe("dupe");
  });

  it("refuses a destination table another ingestion loads, naming that ingestion", async () => {
    await api.ingestions.create(ingestionDraft(root.path, "first loader", { destination: { schema: "raw", table: "shared" } }));
    const error = await rejectionOf(
      api.ingestions.create(ingestionDraft(root.path, "second loader", { destination: { schema: "raw", table: "shared" } })),
    );
    expect(error).toMatchObject({
      code: "CONFLICT",
      message: "Destination raw.shared is already loaded by ingestion 'first loader'; choose another table",
    });
    expect(error.cause).toMatchObject({ field: "destination.table" });
    // The same table name in another schema is another table.
    await expect(
      api.ingestions.create(ingestionDraft(root.path, "second loader", { destination: { schema: "staging", table: "shared" } })),
    ).resolves.toMatchObject({ destination: { schema: "staging", table: "shared" } });
  });

  it("lists only the caller's tenant's ingestions, paginated by cursor without duplicates or gaps", async () => {
    const lister = await seed("lister");
    const mine = callerAs(deps, lister.member.auth).caller;
    const createdIds: string[] = [];
    for (let i = 0; i < 25; i++) {
      const name = `Feed ${String(i).padStart(2, "0")}`;
      createdIds.push((await mine.ingestions.create(ingestionDraft(root.path, name))).id);
    }
    const pages: string[][] = [];
    let cursor: string | null = null;
    do {
      const page: { items: { id: string }[]; nextCursor: string | null } = await mine.ingestions.list({ limit: 10, cursor });
      pages.push(page.items.map((i) => i.id));
      cursor = page.nextCursor;
    } while (cursor !== null && pages.length < 10);
    expect(pages.map((p) => p.length)).toEqual([10, 10, 5]);
    // Newest first, each exactly once.
    expect(pages.flat()).toEqual([...createdIds].reverse());

    // acme's ingestions are not there, and lister's are not in acme's list.
    const all = await mine.ingestions.list({ limit: 100 });
    expect(all.items).toHaveLength(25);
    expect(all.nextCursor).toBeNull();
    const acmeList = await api.ingestions.list({ limit: 100 });
    expect(acmeList.items.length).toBeGreaterThan(0);
    expect(acmeList.items.filter((i) => createdIds.includes(i.id))).toEqual([]);
    // The default page size is 20.
    expect((await mine.ingestions.list()).items).toHaveLength(20);
  });

  it("filters the list by status and searches names case-insensitively", async () => {
    const searcher = await seed("searcher");
    const mine = callerAs(deps, searcher.admin.auth).caller;
    const names = ["Sales EU", "sales us", "Marketing", "SALES apac"];
    const ids = new Map<string, string>();
    for (const name of names) ids.set(name, (await mine.ingestions.create(ingestionDraft(root.path, name))).id);
    await mine.ingestions.pause({ id: ids.get("sales us")! });
    await mine.ingestions.pause({ id: ids.get("Marketing")! });

    const namesOf = (r: { items: { name: string }[] }) => r.items.map((i) => i.name).sort();
    expect(namesOf(await mine.ingestions.list({ status: "PAUSED" }))).toEqual(["Marketing", "sales us"]);
    expect(namesOf(await mine.ingestions.list({ status: "ACTIVE" }))).toEqual(["SALES apac", "Sales EU"]);
    expect(namesOf(await mine.ingestions.list({ search: "sAlEs" }))).toEqual(["SALES apac", "Sales EU", "sales us"]);
    expect(namesOf(await mine.ingestions.list({ search: "  keting " }))).toEqual(["Marketing"]);
    expect(namesOf(await mine.ingestions.list({ search: "sales", status: "PAUSED" }))).toEqual(["sales us"]);
    expect(namesOf(await mine.ingestions.list({ search: "nothing like it" }))).toEqual([]);
  });

  it("treats LIKE wildcards in a search as literal characters", async () => {
    const tenant = await seed("wildcards");
    const mine = callerAs(deps, tenant.admin.auth).caller;
    for (const [name, table] of [["a_b", "t1"], ["axb", "t2"], ["a.b", "t3"]] as const) {
      await mine.ingestions.create(ingestionDraft(root.path, name, { destination: { schema: "raw", table } }));
    }
    const names = async (search: string) => (await mine.ingestions.list({ search })).items.map((i) => i.name).sort();
    // "_" and "%" mean any character(s) to LIKE; a user searching for them means the characters.
    expect({ underscore: await names("a_b"), percent: await names("%") }).toEqual({ underscore: ["a_b"], percent: [] });
  });

  it("takes the tenant from the credential, never from the input", async () => {
    const other = await seedTenant(deps, "input-tenant");
    const input = { ...ingestionDraft(root.path, "tenant from input"), tenantId: other.id };
    const created = await api.ingestions.create(input);
    const row = await t.database.prisma.ingestion.findUniqueOrThrow({ where: { id: created.id } });
    expect(row.tenantId).toBe(acme.id);
  });

  it("lets exactly one of two simultaneous creates with the same name through", async () => {
    const results = await Promise.allSettled([
      api.ingestions.create(ingestionDraft(root.path, "racer", { destination: { schema: "raw", table: "racer_one" } })),
      api.ingestions.create(ingestionDraft(root.path, "racer", { destination: { schema: "raw", table: "racer_two" } })),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
    const rejected = results.find((r) => r.status === "rejected");
    expect(rejected?.reason).toMatchObject({ code: "CONFLICT", message: "An ingestion named 'racer' already exists" });
    expect(await t.database.prisma.ingestion.count({ where: { tenantId: acme.id, name: "racer" } })).toBe(1);
  });

  it("updates fields and recomputes the next run from the clock", async () => {
    clock.now = new Date("2026-11-22T12:00:00.000Z");
    const created = await api.ingestions.create(ingestionDraft(root.path, "to update"));
    clock.advance(HOUR);
    const updated = await api.ingestions.update({
      id: created.id,
      patch: {
        name: "updated",
        description: "now described",
        destination: { schema: "curated", table: "updated_table", partitionColumns: ["region"] },
        schemaPolicy: { evolutionMode: "FAIL_ON_NEW_COLUMNS", hints: { id: "bigint" } },
        // Monday 09:00 in New York (EST, UTC-5): 14:00 UTC on Monday 23 November.
        schedule: { frequency: "WEEKLY", weekday: 1, time: "09:00", timezone: "America/New_York" },
        limits: { maxFilesPerRun: 5, maxBytesPerRun: null },
        alertRecipients: ["a@example.com", "b@example.com"],
      },
    });
    expect(updated).toMatchObject({
      id: created.id,
      name: "updated",
      description: "now described",
      source: created.source,
      format: created.format,
      destination: { schema: "curated", table: "updated_table", partitionColumns: ["region"] },
      schemaPolicy: { evolutionMode: "FAIL_ON_NEW_COLUMNS", hints: { id: "BIGINT" } },
      schedule: {
        frequency: "WEEKLY",
        weekday: 1,
        time: "09:00",
        timezone: "America/New_York",
        description: "Weekly on Monday at 09:00 (America/New_York)",
        nextRunAt: new Date("2026-11-23T14:00:00.000Z"),
      },
      limits: { maxFilesPerRun: 5, maxBytesPerRun: null },
      alertRecipients: ["a@example.com", "b@example.com"],
      createdAt: created.createdAt,
      updatedAt: clock.now,
    });
    // A move says what became of the tables: here the old one was never loaded.
    const { destinationChange, ...view } = updated;
    expect(destinationChange).toEqual({
      message:
        "Moved from raw.to_update to curated.updated_table: raw.to_update does not exist; the file history carries on, so files already loaded are not loaded into curated.updated_table (a FULL refresh reloads everything there)",
      adoption: null,
      previousTable: { name: "raw.to_update", exists: false, rows: 0 },
    });
    expect(await api.ingestions.get({ id: created.id })).toEqual(view);
  });

  it("records updatedAt even when an update changes nothing", async () => {
    const created = await api.ingestions.create(ingestionDraft(root.path, "unchanged"));
    clock.advance(2 * HOUR);
    const first = await api.ingestions.update({ id: created.id, patch: { name: "unchanged" } });
    expect(first.updatedAt).toEqual(clock.now);
    clock.advance(HOUR);
    const second = await api.ingestions.update({ id: created.id, patch: { name: "unchanged" } });
    expect(second.updatedAt).toEqual(clock.now);
    expect(second.updatedAt.getTime() - first.updatedAt.getTime()).toBe(HOUR);
    const { updatedAt: _a, ...restFirst } = first;
    const { updatedAt: _b, ...restSecond } = second;
    expect(restSecond).toEqual(restFirst);
  });

  it("refuses to change the source, naming both and the field", async () => {
    const created = await api.ingestions.create(ingestionDraft(root.path, "fixed source"));
    const was = `${FILES}:${created.source.path}`;
    const error = await rejectionOf(api.ingestions.update({ id: created.id, patch: { source: { connection: FILES, path: "elsewhere" } } }));
    expect(error).toMatchObject({
      code: "BAD_REQUEST",
      message: `The source of ingestion 'fixed source' cannot be changed (${was} → ${FILES}:elsewhere): its file history would no longer match the files. Create a new ingestion for the new source.`,
    });
    expect(error.cause).toMatchObject({ field: "source.path" });
    // Another connection, even on the same directory, is another source.
    await createLocalConnection(deps, acme.id, "files-again", root.path);
    const moved = await rejectionOf(
      api.ingestions.update({ id: created.id, patch: { source: { connection: "files-again", path: created.source.path } } }),
    );
    expect(moved).toMatchObject({
      code: "BAD_REQUEST",
      message: `The source of ingestion 'fixed source' cannot be changed (${was} → files-again:${created.source.path}): its file history would no longer match the files. Create a new ingestion for the new source.`,
    });
    expect(moved.cause).toMatchObject({ field: "source.connection" });
    expect((await api.ingestions.get({ id: created.id })).source).toEqual(created.source);
  });

  it("refuses to change the format or its options", async () => {
    const created = await api.ingestions.create(
      ingestionDraft(root.path, "fixed format", { format: { type: "CSV", options: { delimiter: "," } } }),
    );
    const message =
      "The format of ingestion 'fixed format' cannot be changed: files already loaded were read as CSV with its options, so the history would no longer match. Create a new ingestion instead.";
    await expect(
      api.ingestions.update({ id: created.id, patch: { format: { type: "JSON", options: { layout: "AUTO", compression: "AUTO" } } } }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST", message, cause: { field: "format" } });
    await expect(
      api.ingestions.update({ id: created.id, patch: { format: { type: "CSV", options: { delimiter: "|" } } } }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST", message });
  });

  it("accepts the same source (however spelled) and the same format, and applies the source's other fields", async () => {
    const created = await api.ingestions.create(
      ingestionDraft(root.path, "same source", { format: { type: "CSV", options: { delimiter: ";", header: false } } }),
    );
    const updated = await api.ingestions.update({
      id: created.id,
      patch: {
        source: { connection: ` ${FILES} `, path: `./${created.source.path}//./`, glob: "*.csv" },
        // Key order and defaults do not matter; the values do.
        format: { type: "CSV", options: { header: false, delimiter: ";" } },
      },
    });
    expect(updated.source).toMatchObject({ connection: created.source.connection, path: created.source.path, uri: created.source.uri, glob: "*.csv" });
    expect(updated.format).toEqual(created.format);
  });

  it("refuses renaming onto another ingestion's name or moving onto its table", async () => {
    await api.ingestions.create(ingestionDraft(root.path, "taken", { destination: { schema: "raw", table: "taken_table" } }));
    const mover = await api.ingestions.create(ingestionDraft(root.path, "mover"));
    await expect(api.ingestions.update({ id: mover.id, patch: { name: "taken" } })).rejects.toMatchObject({
      code: "CONFLICT",
      message: "An ingestion named 'taken' already exists",
    });
    await expect(
      api.ingestions.update({ id: mover.id, patch: { destination: { schema: "raw", table: "taken_table" } } }),
    ).rejects.toMatchObject({
      code: "CONFLICT",
      message: "Destination raw.taken_table is already loaded by ingestion 'taken'; choose another table",
    });
    // Keeping its own name and table is not a clash with itself.
    await expect(
      api.ingestions.update({ id: mover.id, patch: { name: "mover", destination: mover.destination } }),
    ).resolves.toMatchObject({ name: "mover" });
  });

  it("pauses (no next run) and resumes from the clock's now rather than replaying missed runs", async () => {
    clock.now = new Date("2026-11-22T12:00:00.000Z");
    const created = await api.ingestions.create(
      ingestionDraft(root.path, "pausable", { schedule: { frequency: "DAILY", time: "14:30", timezone: "Europe/Berlin" } }),
    );
    expect(created.schedule.nextRunAt).toEqual(new Date("2026-11-22T13:30:00.000Z"));

    clock.advance(HOUR);
    const paused = await api.ingestions.pause({ id: created.id });
    expect(paused).toMatchObject({ status: "PAUSED", schedule: { nextRunAt: null, upcoming: [] }, updatedAt: clock.now });
    await expect(api.ingestions.pause({ id: created.id })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: "Ingestion 'pausable' is already paused",
    });

    // Three days later: the runs of 22–25 November are not replayed; the next is 26 November.
    clock.now = new Date("2026-11-25T17:00:00.000Z");
    const resumed = await api.ingestions.resume({ id: created.id });
    expect(resumed).toMatchObject({
      status: "ACTIVE",
      schedule: {
        nextRunAt: new Date("2026-11-26T13:30:00.000Z"),
        upcoming: ["26", "27", "28", "29", "30"].map((day) => new Date(`2026-11-${day}T13:30:00.000Z`)),
      },
      updatedAt: clock.now,
    });
    await expect(api.ingestions.resume({ id: created.id })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: "Ingestion 'pausable' is already active",
    });
    expect(await api.ingestions.get({ id: created.id })).toEqual(resumed);
  });

  it("keeps a paused ingestion without a next run when its schedule is updated", async () => {
    clock.now = new Date("2026-11-22T12:00:00.000Z");
    const created = await api.ingestions.create(ingestionDraft(root.path, "paused schedule"));
    await api.ingestions.pause({ id: created.id });
    const updated = await api.ingestions.update({
      id: created.id,
      patch: { schedule: { frequency: "HOURLY", timezone: "UTC" } },
    });
    expect(updated).toMatchObject({ status: "PAUSED", schedule: { frequency: "HOURLY", nextRunAt: null } });
    const resumed = await api.ingestions.resume({ id: created.id });
    expect(resumed.schedule.nextRunAt).toEqual(new Date("2026-11-22T13:00:00.000Z"));
  });

  it("deletes an ingestion with its runs, file history and schema versions", async () => {
    const created = await api.ingestions.create(ingestionDraft(root.path, "doomed", { destination: { schema: "raw", table: "doomed_t" } }));
    const db = t.database.prisma;
    const run = await db.run.create({
      data: { ingestionId: created.id, trigger: "MANUAL", status: "SUCCEEDED", finishedAt: clock.now },
    });
    await db.processedFile.create({
      data: { ingestionId: created.id, runId: run.id, path: "a.json", size: 10n, lastModified: clock.now, status: "SUCCESS" },
    });
    await db.schemaVersion.create({ data: { ingestionId: created.id, runId: run.id, version: 1, columns: [], diff: {} } });
    const survivor = await api.ingestions.create(ingestionDraft(root.path, "survivor"));
    await db.run.create({ data: { ingestionId: survivor.id, trigger: "MANUAL", status: "SUCCEEDED" } });

    await expect(api.ingestions.delete({ id: created.id })).resolves.toEqual({
      id: created.id,
      name: "doomed",
      table: "raw.doomed_t",
      tableDropped: false,
      rowsDropped: 0,
      message: "Deleted ingestion 'doomed'; table raw.doomed_t was kept with its data",
    });
    await expect(api.ingestions.get({ id: created.id })).rejects.toMatchObject({
      code: "NOT_FOUND",
      message: `No ingestion '${created.id}'`,
    });
    expect(await db.run.count({ where: { ingestionId: created.id } })).toBe(0);
    expect(await db.processedFile.count({ where: { ingestionId: created.id } })).toBe(0);
    expect(await db.schemaVersion.count({ where: { ingestionId: created.id } })).toBe(0);
    expect(await db.run.count({ where: { ingestionId: survivor.id } })).toBe(1);
    await expect(api.ingestions.delete({ id: created.id })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("refuses to delete an ingestion while a run is active", async () => {
    const created = await api.ingestions.create(ingestionDraft(root.path, "busy"));
    const run = await t.database.prisma.run.create({
      // Alive by the test clock: a run whose heartbeat is older than the stale limit would be expired.
      data: { ingestionId: created.id, activeIngestionId: created.id, trigger: "MANUAL", status: "RUNNING", updatedAt: clock.now },
    });
    await expect(api.ingestions.delete({ id: created.id })).rejects.toMatchObject({
      code: "CONFLICT",
      message: `Cannot delete ingestion 'busy' while run ${run.id} is running; wait for it to finish`,
    });
    await expect(api.ingestions.get({ id: created.id })).resolves.toMatchObject({ name: "busy" });
  });

  it("refuses a connection whose directory is not granted, and another tenant's connection", async () => {
    // Shares the root's name as a prefix, but is a sibling directory.
    const sibling = `${root.path}-sibling/data`;
    await mkdir(sibling, { recursive: true });
    const granted = deps.config.grants.fallback;
    try {
      await expect(api.connections.create({ name: "sibling", location: { type: "LOCAL", path: sibling } })).rejects.toMatchObject({
        code: "BAD_REQUEST",
        message: `Local directory ${sibling} is not under a root granted to this tenant (${root.path})`,
        cause: { field: "location.path" },
      });
      // Granted once, the connection exists; the grant withdrawn, nothing is created through it.
      granted.localRoots = [root.path, sibling];
      await api.connections.create({ name: "sibling", location: { type: "LOCAL", path: sibling } });
      granted.localRoots = [root.path];
      await expect(
        api.ingestions.create(ingestionDraft(root.path, "outside", { source: { connection: "sibling" } })),
      ).rejects.toMatchObject({
        code: "BAD_REQUEST",
        message: `Local directory ${sibling} is not under a root granted to this tenant (${root.path})`,
        cause: { field: "source.connection" },
      });
    } finally {
      granted.localRoots = [root.path];
      await rm(`${root.path}-sibling`, { recursive: true, force: true });
    }
    const dotDot = await rejectionOf(
      api.ingestions.create(ingestionDraft(root.path, "outside", { source: { connection: FILES, path: "../etc" } })),
    );
    expect(zodIssuesOf(dotDot)).toEqual({ "source.path": ["Path must not contain '..'"] });
    // A tenant without a "files" connection of its own does not reach acme's.
    const stranger = await seedTenant(deps, "stranger");
    await expect(
      callerAs(deps, stranger.admin.auth).caller.ingestions.create(ingestionDraft(root.path, "outside")),
    ).rejects.toMatchObject({ code: "NOT_FOUND", message: `No connection '${FILES}'`, cause: { field: "source.connection" } });
    expect(await t.database.prisma.ingestion.count({ where: { name: "outside" } })).toBe(0);
  });

  it("refuses a local source that escapes the roots through a symlink", async () => {
    const link = path.join(root.path, "escape");
    await symlink(outside.path, link);
    const uri = `${link}/data`;
    await expect(
      api.ingestions.create(ingestionDraft(root.path, "escaper", { source: { connection: FILES, path: "escape/data" } })),
    ).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: `Local source ${uri} resolves through a symlink to ${outside.path}/data, outside the allowed roots (${root.path})`,
      cause: { field: "source.path" },
    });
    // A symlink that stays inside the root is fine.
    await mkdir(path.join(root.path, "real-inside"), { recursive: true });
    await symlink(path.join(root.path, "real-inside"), path.join(root.path, "inside-link"));
    await expect(
      api.ingestions.create(ingestionDraft(root.path, "inside", { source: { connection: FILES, path: "inside-link" } })),
    ).resolves.toMatchObject({ source: { path: "inside-link", uri: `${root.path}/inside-link` } });
  });

  it("answers BAD_REQUEST, not a server error, for a local source below a regular file", async () => {
    await writeFile(path.join(root.path, "plain-file"), "not a directory");
    const error = await rejectionOf(
      api.ingestions.create(ingestionDraft(root.path, "below a file", { source: { connection: FILES, path: "plain-file/sub" } })),
    );
    expect(error.code).toBe("BAD_REQUEST");
  });

  it("answers BAD_REQUEST, not a server error, for a local source through a symlink loop", async () => {
    await symlink(path.join(root.path, "loop"), path.join(root.path, "loop"));
    const error = await rejectionOf(
      api.ingestions.create(ingestionDraft(root.path, "in a loop", { source: { connection: FILES, path: "loop/sub" } })),
    );
    expect(error.code).toBe("BAD_REQUEST");
  });

  it("reports validation errors by dotted path", async () => {
    const error = await rejectionOf(
      api.ingestions.create({
        ...ingestionDraft(root.path, "invalid"),
        destination: { schema: "raw", table: "Bad-Table" },
        schedule: { frequency: "DAILY", time: "25:00", timezone: "Mars/Olympus" },
        alertRecipients: ["not an email"],
      }),
    );
    expect(zodIssuesOf(error)).toEqual({
      "destination.table": [
        "Destination table must start with a lowercase letter or underscore and use only lowercase letters, digits and underscores (at most 63)",
      ],
      "schedule.time": ["Time must be HH:MM in 24-hour form, e.g. 14:30"],
      "schedule.timezone": ["Time zone must be an IANA name such as Europe/Berlin, America/New_York or UTC"],
      "alertRecipients.0": ["Alert recipients must be email addresses"],
    });
    const empty = await rejectionOf(api.ingestions.update({ id: "whatever", patch: {} }));
    expect(zodIssuesOf(empty)).toEqual({ patch: ["Nothing to update: the patch is empty"] });
    expect(await t.database.prisma.ingestion.count({ where: { name: "invalid" } })).toBe(0);
  });
});
