// The ingestions router through createCaller against a real database (PGlite and PostgreSQL) and
// real local source directories: output shapes, tenant scoping, pagination and every refusal;
// then refresh, delete, and destination tables that already exist (adoption, moves).
import { mkdir, rm, symlink, writeFile, stat } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, expect, it, describe } from "vitest";
import type { ServiceDeps } from "@/server/deps";
import { callerAs, rejectionOf, seedTenant, zodIssuesOf, type AppCaller, type TestTenant, createTestDatabase, describeEachDatabase, type TestDatabase, testClock, testDeps, type TestClock, grantsWith, withConfig, useMaintenanceWorld, createTestKey, type MaintenanceWorld } from "@/test/world";
import { createLocalConnection, FILES, filesSource } from "@/test/connection-fixtures";
import { ingestionDraft } from "@/test/ingestion-fixtures";
import { makeTempDir, type TempDir } from "@/test/temp-dirs";
import { attemptsOf, feed, hideDirectory, loadThenHoldRefresh, snapshot, tableExists, type Feed } from "@/test/maintenance-fixtures";
import { jsonl, tableRows, writeFiles } from "@/test/run-fixtures";
import { fileStates, fileStatuses, rowsPerSourceFile, setModified } from "@/test/run-inspection";
import { ensureTenant } from "@/server/services/auth/tenants";
import { writeFirstLayoutWarehouse } from "@/test/duckdb-files";

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
    // The list reads its rows on the driver, not through Prisma: its item is the detail's view, every
    // date, big number, JSON and array column included (a modified-after date and a run too).
    await deps.db.ingestion.update({
      where: { id: created.id },
      data: { sourceModifiedAfter: new Date("2026-01-02T03:04:05.678Z"), lastRunAt: new Date("2026-11-21T10:00:00.123Z"), lastRunStatus: "PARTIAL" },
    });
    const listed = (await api.ingestions.list({ limit: 100 })).items.find((i) => i.id === created.id);
    const detail = await api.ingestions.get({ id: created.id });
    // The list leaves out only the upcoming fire times (the detail has them).
    const { upcoming, ...schedule } = detail.schedule;
    expect(upcoming).toHaveLength(5);
    expect(listed).toEqual({ ...detail, schedule });
    expect(listed?.source.modifiedAfter).toEqual(new Date("2026-01-02T03:04:05.678Z"));
  });

  it("creates an S3 ingestion through a connection with its options, and defaults for everything optional", async () => {
    // The S3 options live on the connection (granted the endpoint and the credentials reference).
    const granted = withConfig(deps, { config: { grants: grantsWith(deps.config.grants, { endpoints: ["http://127.0.0.1:9000"], credentialRefs: ["ANALYTICS"] }) } });
    const api = callerAs(granted, acme.admin.auth).caller;
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
    try {
      await expect(api.connections.create({ name: "sibling", location: { type: "LOCAL", path: sibling } })).rejects.toMatchObject({
        code: "BAD_REQUEST",
        message: `Local directory ${sibling} is not under a root granted to this tenant (${root.path})`,
        cause: { field: "location.path" },
      });
      // Granted once, the connection exists; the grant withdrawn, nothing is created through it.
      const granted = withConfig(deps, { config: { grants: grantsWith(deps.config.grants, { localRoots: [sibling] }) } });
      await callerAs(granted, acme.admin.auth).caller.connections.create({ name: "sibling", location: { type: "LOCAL", path: sibling } });
      await expect(
        api.ingestions.create(ingestionDraft(root.path, "outside", { source: { connection: "sibling" } })),
      ).rejects.toMatchObject({
        code: "BAD_REQUEST",
        message: `Local directory ${sibling} is not under a root granted to this tenant (${root.path})`,
        cause: { field: "source.connection" },
      });
    } finally {
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

// ingestions.refresh through the tRPC caller on a real database, DuckDB warehouse and local files:
// the plan a dry run answers (and that it changes nothing), the end states of FULL and NEW_ONLY,
// confirm, autoRun, and the run guard it shares with runs.
const rows = (prefix: string, count: number) => jsonl(Array.from({ length: count }, (_, i) => ({ id: `${prefix}-${i}`, v: i })));
const BROKEN = "{not json\n";
const bytes = (...contents: string[]) => contents.reduce((n, c) => n + Buffer.byteLength(c), 0);
/** The load estimate's numbers are the cost service's (tested there); here only their presence. */
const ESTIMATE = { estimate: { durationMs: expect.any(Number), mbPerSecond: expect.any(Number), computeCost: expect.any(Number) } };

describe("ingestions.refresh [pglite]", () => {
  const suite = useMaintenanceWorld();

  async function triggered(f: Feed) {
    const w = suite.world;
    const { runId } = await w.api.runs.trigger({ ingestionId: f.ing.id });
    await w.executor.idle();
    return w.db.run.findUniqueOrThrow({ where: { id: runId } });
  }

  async function ids(f: Feed): Promise<string[]> {
    return suite.world.deps.engine.warehouse.withConnection(suite.world.tenant.slug, async (c) => {
      const r = await c.runAndReadAll(`SELECT id FROM ${f.table} ORDER BY id`);
      return (r.getRowObjectsJson() as { id: string }[]).map((x) => x.id);
    });
  }

  it("a dry run answers the exact plan of either mode and changes nothing", async () => {
    const w = suite.world;
    const content = { a: rows("a", 2), b: rows("b", 1), c: BROKEN, d: rows("d", 2) };
    const f = await feed(w, { "a.jsonl": content.a, "b.jsonl": content.b, "c.jsonl": content.c, "e.jsonl": "" }, { limits: { maxFilesPerRun: 2 } });
    expect(await triggered(f)).toMatchObject({ status: "SUCCEEDED", filesLoaded: 2, filesSkipped: 1 });
    expect(await triggered(f)).toMatchObject({ status: "FAILED", filesFailed: 1 });
    expect(await fileStatuses(w, f.ing.id)).toEqual({ "a.jsonl": "SUCCESS", "b.jsonl": "SUCCESS", "c.jsonl": "FAILED", "e.jsonl": "SKIPPED" });
    await f.add({ "d.jsonl": content.d });
    const before = await snapshot(w, f);

    const full = await w.api.ingestions.refresh({ id: f.ing.id, mode: "FULL", dryRun: true });
    const fullSteps = [
      `Drop table ${f.table} and its 3 rows`,
      "Forget the history of 4 files",
      `Then reload every file: 4 files (${bytes(content.a, content.b, content.c, content.d)} bytes)`,
    ];
    expect(full).toEqual({
      dryRun: true,
      executed: false,
      plan: {
        mode: "FULL",
        table: { name: f.table, exists: true, rows: 3 },
        history: { files: 4, forget: 4, skip: 0 },
        ledgerEntries: 2,
        // The empty file is not counted; the first run takes the two oldest (maxFilesPerRun).
        load: {
          pending: { files: 4, bytes: bytes(content.a, content.b, content.c, content.d) },
          nextRun: { files: 2, bytes: bytes(content.a, content.b) },
          truncated: false,
          ...ESTIMATE,
        },
        warnings: [],
        steps: fullSteps,
      },
      run: null,
      message: `Dry run: nothing changed. ${fullSteps.join(". ")}.`,
    });

    const newOnly = await w.api.ingestions.refresh({ id: f.ing.id, mode: "NEW_ONLY", dryRun: true, confirm: true, autoRun: true });
    const newOnlySteps = [
      `Drop table ${f.table} and its 3 rows`,
      "Keep the history of 4 files; mark the 1 unfinished file SKIPPED",
      "Then load only files that arrive later (1 new file now)",
    ];
    expect(newOnly).toEqual({
      dryRun: true,
      executed: false,
      plan: {
        mode: "NEW_ONLY",
        table: { name: f.table, exists: true, rows: 3 },
        history: { files: 4, forget: 0, skip: 1 },
        ledgerEntries: 2,
        load: { pending: { files: 1, bytes: bytes(content.d) }, nextRun: { files: 1, bytes: bytes(content.d) }, truncated: false, ...ESTIMATE },
        warnings: [],
        steps: newOnlySteps,
      },
      run: null,
      message: `Dry run: nothing changed. ${newOnlySteps.join(". ")}.`,
    });
    expect(await snapshot(w, f)).toEqual(before);
  });

  it("plans the next run within maxBytesPerRun as the run then claims it, for a table that does not exist yet", async () => {
    const w = suite.world;
    const content = { p: rows("p", 6), q: rows("q", 1), r: rows("r", 1) };
    const limit = bytes(content.p) + bytes(content.q) - 1;
    const f = await feed(w, { "p.jsonl": content.p, "q.jsonl": content.q, "r.jsonl": content.r }, { limits: { maxBytesPerRun: limit } });
    const before = await snapshot(w, f);
    const { plan, message } = await w.api.ingestions.refresh({ id: f.ing.id, mode: "FULL", dryRun: true });
    expect(plan).toMatchObject({
      table: { name: f.table, exists: false, rows: 0 },
      history: { files: 0, forget: 0, skip: 0 },
      ledgerEntries: 0,
      load: { pending: { files: 3, bytes: bytes(content.p, content.q, content.r) }, nextRun: { files: 1, bytes: bytes(content.p) }, truncated: false },
      warnings: [],
    });
    expect(plan.steps[0]).toBe(`Table ${f.table} does not exist yet: nothing to drop`);
    expect(message).toContain(`Dry run: nothing changed. Table ${f.table} does not exist yet: nothing to drop. Forget the history of 0 files.`);
    expect(await snapshot(w, f)).toEqual(before);

    // The run takes what the plan said.
    const run = await triggered(f);
    expect([run.filesLoaded, Number(run.bytesLoaded)]).toEqual([plan.load?.nextRun.files, plan.load?.nextRun.bytes]);

    // A first file larger than the limit is still taken, alone (as the claim does).
    await w.api.ingestions.update({ id: f.ing.id, patch: { limits: { maxFilesPerRun: null, maxBytesPerRun: 10 } } });
    const small = await w.api.ingestions.refresh({ id: f.ing.id, mode: "NEW_ONLY", dryRun: true });
    expect(small.plan.load).toEqual({ pending: { files: 0, bytes: 0 }, nextRun: { files: 0, bytes: 0 }, truncated: false, ...ESTIMATE });
    const again = await w.api.ingestions.refresh({ id: f.ing.id, mode: "FULL", dryRun: true });
    expect(again.plan.load).toEqual({
      pending: { files: 3, bytes: bytes(content.p, content.q, content.r) },
      nextRun: { files: 1, bytes: bytes(content.p) },
      truncated: false,
      ...ESTIMATE,
    });
  });

  it("refuses to execute without confirm: true, naming it, and changes nothing", async () => {
    const w = suite.world;
    const f = await feed(w, { "a.jsonl": rows("a", 2) });
    await triggered(f);
    const before = await snapshot(w, f);
    const full = await rejectionOf(w.api.ingestions.refresh({ id: f.ing.id, mode: "FULL" }));
    expect([full.code, full.message]).toEqual([
      "PRECONDITION_FAILED",
      `Refresh FULL drops table ${f.table} and forgets its file history: pass confirm: true to execute it (or dryRun: true to see the plan)`,
    ]);
    const newOnly = await rejectionOf(w.api.ingestions.refresh({ id: f.ing.id, mode: "NEW_ONLY", confirm: false, autoRun: true }));
    expect([newOnly.code, newOnly.message]).toEqual([
      "PRECONDITION_FAILED",
      `Refresh NEW_ONLY drops table ${f.table}: pass confirm: true to execute it (or dryRun: true to see the plan)`,
    ]);
    expect(await snapshot(w, f)).toEqual(before);

    expect(zodIssuesOf(await rejectionOf(w.api.ingestions.refresh({ id: f.ing.id, mode: "ALL" as "FULL", confirm: true })))).toEqual({
      mode: ["Refresh mode must be FULL or NEW_ONLY"],
    });
    const foreign = await rejectionOf(w.other.api.ingestions.refresh({ id: f.ing.id, mode: "FULL", confirm: true }));
    expect([foreign.code, foreign.message]).toEqual(["NOT_FOUND", `No ingestion '${f.ing.id}'`]);
    expect(await snapshot(w, f)).toEqual(before);
  });

  it("FULL drops the table and forgets the history; the next run loads exactly the source's rows, once", async () => {
    const w = suite.world;
    const f = await feed(w, { "a.jsonl": rows("a", 2), "b.jsonl": rows("b", 1), "c.jsonl": BROKEN });
    const first = await triggered(f);
    expect(first.status).toBe("PARTIAL");
    // The source changed since: a was rewritten, c fixed.
    await f.add({ "a.jsonl": rows("a2", 3), "c.jsonl": rows("c", 1) });
    const before = await snapshot(w, f);

    const result = await w.api.ingestions.refresh({ id: f.ing.id, mode: "FULL", confirm: true });
    expect(result).toMatchObject({
      dryRun: false,
      executed: true,
      run: null,
      plan: { mode: "FULL", table: { exists: true, rows: 3 }, history: { files: 3, forget: 3, skip: 0 }, ledgerEntries: 2, warnings: [] },
      message: `Refreshed FULL: Drop table ${f.table} and its 3 rows; Forget the history of 3 files. The next run loads everything again.`,
    });
    const after = await snapshot(w, f);
    expect(after).toEqual({ rows: null, ledger: [], files: [], runs: before.runs });
    expect(await tableExists(w, f.table)).toBe(false);

    const reload = await triggered(f);
    expect(reload).toMatchObject({ status: "SUCCEEDED", trigger: "MANUAL", filesDiscovered: 3, filesLoaded: 3, filesFailed: 0, rowsLoaded: 5n });
    expect(await f.rows()).toEqual({ "a.jsonl": 3, "b.jsonl": 1, "c.jsonl": 1 });
    expect(await ids(f)).toEqual(["a2-0", "a2-1", "a2-2", "b-0", "c-0"]);
    expect(await f.ledger()).toEqual({ "a.jsonl": 3, "b.jsonl": 1, "c.jsonl": 1 });
    const states = await fileStates(w, f.ing.id);
    expect(Object.values(states).map((s) => [s.status, s.retryCount, s.runId])).toEqual([
      ["SUCCESS", 0, reload.id],
      ["SUCCESS", 0, reload.id],
      ["SUCCESS", 0, reload.id],
    ]);
    expect((await triggered(f)).status).toBe("NO_NEW_FILES");
    expect(await ids(f)).toHaveLength(5);
  });

  it("NEW_ONLY drops the table, keeps the history, skips unfinished files; the next run loads only files added after", async () => {
    const w = suite.world;
    const f = await feed(w, { "a.jsonl": rows("a", 2), "b.jsonl": BROKEN, "c.jsonl": rows("c", 1) }, { limits: { maxFilesPerRun: 2 } });
    expect(await triggered(f)).toMatchObject({ status: "PARTIAL", filesLoaded: 1, filesFailed: 1 });
    expect(await fileStatuses(w, f.ing.id)).toEqual({ "a.jsonl": "SUCCESS", "b.jsonl": "FAILED", "c.jsonl": "PENDING" });
    const before = await snapshot(w, f);

    const from = Date.now();
    const result = await w.api.ingestions.refresh({ id: f.ing.id, mode: "NEW_ONLY", confirm: true });
    const to = Date.now();
    expect(result).toMatchObject({
      dryRun: false,
      executed: true,
      run: null,
      plan: { history: { files: 3, forget: 0, skip: 2 }, ledgerEntries: 1, load: { pending: { files: 0, bytes: 0 } } },
      message: `Refreshed NEW_ONLY: Drop table ${f.table} and its 2 rows; Keep the history of 3 files; mark the 2 unfinished files SKIPPED. The next run loads only new files.`,
    });
    expect(await tableExists(w, f.table)).toBe(false);
    expect(await f.ledger()).toEqual({});
    const states = await fileStates(w, f.ing.id);
    expect(states["a.jsonl"]).toEqual(expect.objectContaining({ status: "SUCCESS", rowCount: 2, error: null }));
    for (const rel of ["b.jsonl", "c.jsonl"]) {
      const error = states[rel]?.error ?? "";
      expect({ rel, status: states[rel]?.status, error }).toEqual({
        rel,
        status: "SKIPPED",
        error: expect.stringMatching(/^Skipped by a NEW_ONLY refresh at (\S+): only files that arrive later load$/),
      });
      const at = Date.parse(error.slice("Skipped by a NEW_ONLY refresh at ".length, error.indexOf(": ")));
      expect(at >= from && at <= to).toBe(true);
    }
    expect(states["b.jsonl"]?.retryCount).toBe(1);
    // The history and its attempts are kept, and the runs too.
    const after = await snapshot(w, f);
    expect(after.files.map((x) => [x.path, x.attempts.length])).toEqual(before.files.map((x) => [x.path, x.attempts.length]));
    expect(after.runs).toEqual(before.runs);

    await f.add({ "d.jsonl": rows("d", 4) });
    const next = await triggered(f);
    expect(next).toMatchObject({ status: "SUCCEEDED", filesDiscovered: 1, filesLoaded: 1, rowsLoaded: 4n });
    expect(await attemptsOf(w, next.id)).toEqual({ "d.jsonl": { outcome: "SUCCESS", rowCount: 4 } });
    expect(await f.rows()).toEqual({ "d.jsonl": 4 });
    expect(await f.ledger()).toEqual({ "d.jsonl": 4 });
    expect((await triggered(f)).status).toBe("NO_NEW_FILES");
  });

  it("NEW_ONLY skips a file gone from the source too: when it comes back it does not load", async () => {
    const w = suite.world;
    const f = await feed(w, { "a.jsonl": rows("a", 1), "b.jsonl": rows("b", 2) }, { limits: { maxFilesPerRun: 1 } });
    expect(await triggered(f)).toMatchObject({ status: "SUCCEEDED", filesLoaded: 1 });
    await rm(path.join(f.landing, "b.jsonl"));
    expect(await triggered(f)).toMatchObject({ status: "NO_NEW_FILES", filesSkipped: 1 });
    expect(await fileStatuses(w, f.ing.id)).toEqual({ "a.jsonl": "SUCCESS", "b.jsonl": "MISSING" });
    const result = await w.api.ingestions.refresh({ id: f.ing.id, mode: "NEW_ONLY", confirm: true });
    expect(result.plan.history).toEqual({ files: 2, forget: 0, skip: 1 });
    expect(await fileStatuses(w, f.ing.id)).toEqual({ "a.jsonl": "SUCCESS", "b.jsonl": "SKIPPED" });
    await f.add({ "b.jsonl": rows("b", 2) });
    expect(await triggered(f)).toMatchObject({ status: "NO_NEW_FILES", filesLoaded: 0 });
    expect(await tableExists(w, f.table)).toBe(false);
  });

  it("autoRun starts a REFRESH run once the cleanup is done, and it loads the source", async () => {
    const w = suite.world;
    const f = await feed(w, { "a.jsonl": rows("a", 2), "b.jsonl": rows("b", 1) });
    await triggered(f);
    const runsBefore = await w.db.run.count({ where: { ingestionId: f.ing.id } });

    const result = await w.api.ingestions.refresh({ id: f.ing.id, mode: "FULL", confirm: true, autoRun: true });
    expect(result.run).toEqual({ method: "direct", runId: expect.any(String) });
    const runId = result.run?.runId ?? "";
    expect(result.message).toBe(
      `Refreshed FULL: Drop table ${f.table} and its 3 rows; Forget the history of 2 files. Run ${runId} started.`,
    );
    await w.executor.idle();
    expect(await w.db.run.findUniqueOrThrow({ where: { id: runId } })).toMatchObject({
      trigger: "REFRESH",
      status: "SUCCEEDED",
      filesDiscovered: 2,
      filesLoaded: 2,
      rowsLoaded: 3n,
      currentStep: null,
      activeIngestionId: null,
      retryOfRunId: null,
    });
    expect((await w.api.runs.get({ id: runId })).run).toMatchObject({ trigger: "REFRESH", status: "SUCCEEDED" });
    expect(await w.db.run.count({ where: { ingestionId: f.ing.id } })).toBe(runsBefore + 1);
    expect(await f.rows()).toEqual({ "a.jsonl": 2, "b.jsonl": 1 });
    expect(await ids(f)).toEqual(["a-0", "a-1", "b-0"]);
    expect(await w.api.ingestions.get({ id: f.ing.id })).toMatchObject({ lastRunStatus: "SUCCEEDED" });
  });

  it("a dry run over a source it cannot list answers a plan without load, and says why", async () => {
    const w = suite.world;
    const f = await feed(w, { "a.jsonl": rows("a", 2) });
    await triggered(f);
    const restore = await hideDirectory(f.landing);
    try {
      const before = await snapshot(w, f);
      const { plan, message } = await w.api.ingestions.refresh({ id: f.ing.id, mode: "FULL", dryRun: true });
      expect(plan).toEqual({
        mode: "FULL",
        table: { name: f.table, exists: true, rows: 2 },
        history: { files: 1, forget: 1, skip: 0 },
        ledgerEntries: 1,
        load: null,
        warnings: [`Could not list the source, so what would load is unknown: Local source directory ${f.landing} does not exist`],
        steps: [
          `Drop table ${f.table} and its 2 rows`,
          "Forget the history of 1 file",
          "Then load what the next run finds (the source could not be listed now)",
        ],
      });
      expect(message).toBe(`Dry run: nothing changed. ${plan.steps.join(". ")}.`);
      expect(await snapshot(w, f)).toEqual(before);
    } finally {
      await restore();
    }
  });

  it("retrying a run whose files a FULL refresh forgot is refused, not turned into a full run", async () => {
    const w = suite.world;
    const f = await feed(w, { "ok.jsonl": rows("ok", 1), "bad.jsonl": "{not json\n" });
    const { runId } = await w.api.runs.trigger({ ingestionId: f.ing.id });
    await w.executor.idle();
    expect((await w.db.run.findUniqueOrThrow({ where: { id: runId } })).status).toBe("PARTIAL");
    await w.api.ingestions.refresh({ id: f.ing.id, mode: "FULL", confirm: true });
    const refused = await rejectionOf(w.api.runs.retry({ id: runId }));
    expect([refused.code, refused.message]).toEqual([
      "BAD_REQUEST",
      `Nothing to retry: every file of run ${runId} has loaded since, or was skipped or forgotten by a refresh or clear`,
    ]);
    expect(await w.db.run.count({ where: { ingestionId: f.ing.id, trigger: "RETRY" } })).toBe(0);
  });
});

describeEachDatabase("ingestions.refresh and runs exclude each other", (kind) => {
  const suite = useMaintenanceWorld({ kind });

  it("is a CONFLICT while a run is active (a dry run warns instead), and executes once it finished", async () => {
    const w = suite.world;
    const f = await feed(w, { "a.jsonl": rows("a", 2) });
    const gate = w.gates.hold(f.ing.source.uri);
    const { runId } = await w.api.runs.trigger({ ingestionId: f.ing.id });
    await gate.entered;

    const refused = await rejectionOf(w.api.ingestions.refresh({ id: f.ing.id, mode: "FULL", confirm: true }));
    expect([refused.code, refused.message]).toEqual([
      "CONFLICT",
      `Cannot refresh ingestion '${f.ing.name}' while run ${runId} is running; wait for it to finish`,
    ]);
    const dry = await w.api.ingestions.refresh({ id: f.ing.id, mode: "NEW_ONLY", dryRun: true });
    expect(dry.plan.warnings).toEqual([`Run ${runId} is running: executing the refresh now would be refused until it finishes`]);
    expect(await w.db.run.findMany({ where: { ingestionId: f.ing.id }, select: { id: true } })).toEqual([{ id: runId }]);

    gate.release();
    await w.executor.idle();
    expect(await f.rows()).toEqual({ "a.jsonl": 2 });
    const done = await w.api.ingestions.refresh({ id: f.ing.id, mode: "FULL", confirm: true });
    expect(done).toMatchObject({ executed: true, plan: { table: { rows: 2 }, warnings: [] } });
    expect(await tableExists(w, f.table)).toBe(false);
  });

  it("holds the run guard while it works: runs and other maintenance are refused until it is done", async () => {
    const w = suite.world;
    const f = await feed(w, { "a.jsonl": rows("a", 2) });
    // The refresh lists the source for its plan: hold it there, inside the guard.
    const { loaded, refreshing, release } = await loadThenHoldRefresh(w, f, "FULL");
    expect(await w.db.ingestion.findUniqueOrThrow({ where: { id: f.ing.id } })).toMatchObject({ maintenanceOperation: "a refresh" });
    expect(await w.db.run.count({ where: { activeIngestionId: f.ing.id } })).toBe(0);

    const trigger = await rejectionOf(w.api.runs.trigger({ ingestionId: f.ing.id }));
    expect([trigger.code, trigger.message]).toEqual([
      "CONFLICT",
      `Ingestion '${f.ing.name}' is busy: another operation (a refresh) is in progress; try again when it finishes`,
    ]);
    // The lock is no run: run lists do not show it.
    expect((await w.api.runs.list({ ingestionId: f.ing.id })).items.map((r) => r.id)).toEqual([loaded]);
    const clear = await rejectionOf(w.api.files.clear({ ingestionId: f.ing.id, confirm: true }));
    expect([clear.code, clear.message]).toEqual([
      "CONFLICT",
      `Cannot clear the file history of ingestion '${f.ing.name}' while another operation (a refresh) is in progress; wait for it to finish`,
    ]);
    const again = await rejectionOf(w.api.ingestions.refresh({ id: f.ing.id, mode: "NEW_ONLY", confirm: true }));
    expect(again.code).toBe("CONFLICT");
    expect(await tableExists(w, f.table)).toBe(true);

    release();
    expect(await refreshing).toMatchObject({ executed: true, run: null });
    // The guard is gone with the refresh, and a run can start again.
    expect(await w.db.run.findMany({ where: { ingestionId: f.ing.id }, select: { id: true } })).toEqual([{ id: loaded }]);
    const { runId } = await w.api.runs.trigger({ ingestionId: f.ing.id });
    await w.executor.idle();
    expect(await w.db.run.findUniqueOrThrow({ where: { id: runId } })).toMatchObject({ status: "SUCCEEDED", filesLoaded: 1 });
    expect(await f.rows()).toEqual({ "a.jsonl": 2 });
  });
});

describe("a refresh that outlasts the stale-run limit [pglite]", () => {
  // 300 ms: the guard's heartbeat (every 100 ms) must keep it from being expired as a dead run.
  const suite = useMaintenanceWorld({ settings: { staleRunMs: 300 } });

  it("keeps its hold: a trigger long after the limit is still refused, and nothing loads under the refresh", async () => {
    const w = suite.world;
    const f = await feed(w, { "a.jsonl": rows("a", 2) });
    const { refreshing, release } = await loadThenHoldRefresh(w, f, "NEW_ONLY");
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const trigger = await rejectionOf(w.api.runs.trigger({ ingestionId: f.ing.id }));
    expect([trigger.code, trigger.message]).toEqual([
      "CONFLICT",
      `Ingestion '${f.ing.name}' is busy: another operation (a refresh) is in progress; try again when it finishes`,
    ]);
    release();
    expect(await refreshing).toMatchObject({ executed: true, plan: { table: { rows: 2 } } });
    expect(await w.db.run.count({ where: { ingestionId: f.ing.id, status: { in: ["QUEUED", "RUNNING"] } } })).toBe(0);
    expect(await tableExists(w, f.table)).toBe(false);
  });
});

// ingestions.delete through the tRPC caller on a real database and DuckDB warehouse: with
// dropTable the destination and its ledger entries go (nothing of another ingestion or tenant
// does); without it the table stays with its rows; never while a run is active.
describe("ingestions.delete [pglite]", () => {
  const suite = useMaintenanceWorld();

  async function loaded(f: Feed, tenantId = suite.world.tenant.id) {
    const w = suite.world;
    const api = tenantId === w.tenant.id ? w.api : w.other.api;
    const { runId } = await api.runs.trigger({ ingestionId: f.ing.id });
    await w.executor.idle();
    expect(await w.db.run.findUniqueOrThrow({ where: { id: runId } })).toMatchObject({ status: "SUCCEEDED" });
  }

  async function metadataOf(ingestionId: string) {
    const db = suite.world.db;
    return {
      ingestions: await db.ingestion.count({ where: { id: ingestionId } }),
      runs: await db.run.count({ where: { ingestionId } }),
      files: await db.processedFile.count({ where: { ingestionId } }),
      attempts: await db.fileAttempt.count({ where: { file: { ingestionId } } }),
      schemaVersions: await db.schemaVersion.count({ where: { ingestionId } }),
    };
  }

  it("with dropTable: the table and the ingestion's ledger entries go; another ingestion's and another tenant's stay", async () => {
    const w = suite.world;
    const doomed = await feed(w, { "a.jsonl": rows("a", 2), "b.jsonl": rows("b", 1) });
    const neighbour = await feed(w, { "x.jsonl": rows("x", 3) });
    // Another tenant's ingestion writing a table of the same name, in its own warehouse.
    const foreign = await feed(w, { "a.jsonl": rows("f", 4) }, { destination: { schema: "raw", table: doomed.table.slice(4), partitionColumns: [] } }, w.other);
    await loaded(doomed);
    await loaded(neighbour);
    await loaded(foreign, w.other.id);
    expect(await metadataOf(doomed.ing.id)).toEqual({ ingestions: 1, runs: 1, files: 2, attempts: 2, schemaVersions: 1 });
    const neighbourBefore = await snapshot(w, neighbour);
    const foreignRows = await tableRows(w.deps.engine.warehouse, w.other.slug, foreign.table, "id");
    expect(foreignRows).toHaveLength(4);

    const answer = await w.api.ingestions.delete({ id: doomed.ing.id, dropTable: true });
    expect(answer).toEqual({
      id: doomed.ing.id,
      name: doomed.ing.name,
      table: doomed.table,
      tableDropped: true,
      rowsDropped: 3,
      message: `Deleted ingestion '${doomed.ing.name}' and dropped table ${doomed.table} (3 rows)`,
    });
    expect(await tableExists(w, doomed.table)).toBe(false);
    expect(await doomed.ledger()).toEqual({});
    expect(await metadataOf(doomed.ing.id)).toEqual({ ingestions: 0, runs: 0, files: 0, attempts: 0, schemaVersions: 0 });
    const gone = await rejectionOf(w.api.ingestions.get({ id: doomed.ing.id }));
    expect([gone.code, gone.message]).toEqual(["NOT_FOUND", `No ingestion '${doomed.ing.id}'`]);

    expect(await snapshot(w, neighbour)).toEqual(neighbourBefore);
    expect(await tableRows(w.deps.engine.warehouse, w.other.slug, foreign.table, "id")).toEqual(foreignRows);
    expect(await foreign.ledger()).toEqual({ "a.jsonl": 4 });

    const again = await rejectionOf(w.api.ingestions.delete({ id: doomed.ing.id, dropTable: true }));
    expect([again.code, again.message]).toEqual(["NOT_FOUND", `No ingestion '${doomed.ing.id}'`]);
  });

  it("without dropTable: the table stays with its rows, and the answer says so", async () => {
    const w = suite.world;
    const f = await feed(w, { "a.jsonl": rows("a", 2), "b.jsonl": rows("b", 3) });
    await loaded(f);
    const before = await tableRows(w.deps.engine.warehouse, w.tenant.slug, f.table, "id");
    expect(before).toHaveLength(5);

    const answer = await w.api.ingestions.delete({ id: f.ing.id });
    expect(answer).toEqual({
      id: f.ing.id,
      name: f.ing.name,
      table: f.table,
      tableDropped: false,
      rowsDropped: 0,
      message: `Deleted ingestion '${f.ing.name}'; table ${f.table} was kept with its data`,
    });
    expect(await tableRows(w.deps.engine.warehouse, w.tenant.slug, f.table, "id")).toEqual(before);
    expect(await metadataOf(f.ing.id)).toEqual({ ingestions: 0, runs: 0, files: 0, attempts: 0, schemaVersions: 0 });

    // dropTable: false is the same.
    const g = await feed(w, { "c.jsonl": rows("c", 1) });
    await loaded(g);
    expect(await w.api.ingestions.delete({ id: g.ing.id, dropTable: false })).toMatchObject({ tableDropped: false, rowsDropped: 0 });
    expect(await tableExists(w, g.table)).toBe(true);
  });

  it("with dropTable before any load: nothing to drop, and the answer says the table did not exist", async () => {
    const w = suite.world;
    const f = await feed(w, {});
    expect(await w.api.ingestions.delete({ id: f.ing.id, dropTable: true })).toEqual({
      id: f.ing.id,
      name: f.ing.name,
      table: f.table,
      tableDropped: false,
      rowsDropped: 0,
      message: `Deleted ingestion '${f.ing.name}'; table ${f.table} did not exist`,
    });
    expect(await metadataOf(f.ing.id)).toMatchObject({ ingestions: 0 });
  });

  it("refuses another tenant's ingestion as NOT_FOUND and a dropTable that is not a boolean, changing nothing", async () => {
    const w = suite.world;
    const f = await feed(w, { "a.jsonl": rows("a", 2) });
    await loaded(f);
    const before = await snapshot(w, f);
    const foreign = await rejectionOf(w.other.api.ingestions.delete({ id: f.ing.id, dropTable: true }));
    expect([foreign.code, foreign.message]).toEqual(["NOT_FOUND", `No ingestion '${f.ing.id}'`]);
    expect(zodIssuesOf(await rejectionOf(w.api.ingestions.delete({ id: f.ing.id, dropTable: "yes" as unknown as boolean })))).toEqual({
      dropTable: ["dropTable must be true or false"],
    });
    expect(await snapshot(w, f)).toEqual(before);
    expect(await metadataOf(f.ing.id)).toMatchObject({ ingestions: 1 });
  });
});

describeEachDatabase("ingestions.delete and runs exclude each other", (kind) => {
  const suite = useMaintenanceWorld({ kind });

  it("is a CONFLICT while a run is active, dropping nothing; once it finished the delete drops every row", async () => {
    const w = suite.world;
    const f = await feed(w, { "a.jsonl": rows("a", 2) });
    await w.api.runs.trigger({ ingestionId: f.ing.id });
    await w.executor.idle();

    await f.add({ "b.jsonl": rows("b", 3) });
    const gate = w.gates.hold(f.ing.source.uri);
    const { runId } = await w.api.runs.trigger({ ingestionId: f.ing.id });
    await gate.entered;
    const before = await snapshot(w, f);
    for (const dropTable of [true, false]) {
      const refused = await rejectionOf(w.api.ingestions.delete({ id: f.ing.id, dropTable }));
      expect([refused.code, refused.message]).toEqual([
        "CONFLICT",
        `Cannot delete ingestion '${f.ing.name}' while run ${runId} is running; wait for it to finish`,
      ]);
    }
    expect(await snapshot(w, f)).toEqual(before);
    expect(await w.api.ingestions.get({ id: f.ing.id })).toMatchObject({ id: f.ing.id });

    gate.release();
    await w.executor.idle();
    expect(await f.rows()).toEqual({ "a.jsonl": 2, "b.jsonl": 3 });
    expect(await w.api.ingestions.delete({ id: f.ing.id, dropTable: true })).toMatchObject({ tableDropped: true, rowsDropped: 5 });
    expect(await tableExists(w, f.table)).toBe(false);
    expect(await f.ledger()).toEqual({});
  });

  it("is a CONFLICT while a refresh holds the ingestion", async () => {
    const w = suite.world;
    const f = await feed(w, { "a.jsonl": rows("a", 2) });
    const { refreshing, release } = await loadThenHoldRefresh(w, f, "NEW_ONLY");
    expect(await w.db.ingestion.findUniqueOrThrow({ where: { id: f.ing.id } })).toMatchObject({ maintenanceOperation: "a refresh" });
    expect(await w.db.run.count({ where: { activeIngestionId: f.ing.id } })).toBe(0);
    const refused = await rejectionOf(w.api.ingestions.delete({ id: f.ing.id, dropTable: true }));
    expect([refused.code, refused.message]).toEqual([
      "CONFLICT",
      `Cannot delete ingestion '${f.ing.name}' while another operation (a refresh) is in progress; wait for it to finish`,
    ]);
    release();
    expect(await refreshing).toMatchObject({ executed: true, plan: { table: { rows: 2 } } });
    expect(await w.api.ingestions.delete({ id: f.ing.id, dropTable: true })).toMatchObject({
      tableDropped: false,
      rowsDropped: 0,
      message: `Deleted ingestion '${f.ing.name}'; table ${f.table} did not exist`,
    });
  });
});

// A destination table belongs to one ingestion. Through the tRPC caller on PGlite and PostgreSQL,
// with real DuckDB warehouse files and local landing directories: creating on (or moving to) a
// table that exists is refused unless adopted; adoption takes over the table's ledger and rebuilds
// the file history, so nothing loads twice; reprocess, clear and refresh after an adoption or a
// move act on the current table and remove only the ingestion's own rows; a crash between the
// adoption's warehouse and metadata steps loses nothing and loads nothing twice.
let landings = 0;
let tables = 0;
let modified = Date.parse("2026-02-01T00:00:00.000Z");

/** A fresh table name in the world's tenant. */
const newTable = (stem: string) => `${stem}_${++tables}`;

interface Landing {
  dir: string;
  /** Writes files, each modified later than all before (the order runs claim in). */
  add(files: Record<string, string>): Promise<void>;
}

async function landing(w: MaintenanceWorld, files: Record<string, string>): Promise<Landing> {
  const dir = path.join(w.root, `shared-landing-${++landings}`);
  const add = async (more: Record<string, string>) => {
    await writeFiles(dir, more);
    for (const rel of Object.keys(more)) {
      modified += 60_000;
      await setModified(dir, rel, new Date(modified));
    }
  };
  await add(files);
  return { dir, add };
}

/** Create input over `dir` (under the world's root, read through its "files" connection). */
function draft(w: MaintenanceWorld, name: string, dir: string, table: string, glob?: string) {
  return {
    name,
    source: filesSource(w.root, dir, glob ? { glob } : {}),
    format: { type: "JSON" as const },
    destination: { schema: "raw", table },
  };
}

async function runOnce(w: MaintenanceWorld, ingestionId: string) {
  const { runId } = await w.api.runs.trigger({ ingestionId });
  await w.executor.idle();
  return w.db.run.findUniqueOrThrow({ where: { id: runId } });
}

/** Rows of raw.<table> per `_source_file`, relative to `dir` when under it. */
async function rowsOf(w: MaintenanceWorld, table: string, dir?: string): Promise<Record<string, number>> {
  const counts = await rowsPerSourceFile(w, `raw.${table}`);
  if (!dir) return counts;
  return Object.fromEntries(Object.entries(counts).map(([k, v]) => [k.startsWith(`${dir}/`) ? k.slice(dir.length + 1) : k, v]));
}

/** Every ledger row of raw.<table>: "ingestion id path" → row count. */
async function tableLedger(w: MaintenanceWorld, table: string): Promise<Record<string, number>> {
  return w.deps.engine.warehouse.withConnection(w.tenant.slug, async (c) => {
    const r = await c.runAndReadAll(
      `SELECT ingestion_id, path, row_count FROM _autoloader.loaded_files
       WHERE table_schema = 'raw' AND table_name = '${table}' ORDER BY ALL`,
    );
    return Object.fromEntries(
      (r.getRowObjectsJson() as { ingestion_id: string; path: string; row_count: string }[]).map((x) => [
        `${x.ingestion_id} ${x.path}`,
        Number(x.row_count),
      ]),
    );
  });
}

/** The file history through files.list: path → status, rows and size. */
async function history(w: MaintenanceWorld, ingestionId: string) {
  const { items } = await w.api.files.list({ ingestionId, limit: 200 });
  return Object.fromEntries(
    items.map((f) => [f.path, { status: f.status, rowCount: f.rowCount, size: f.size }]).sort(([a], [b]) => String(a).localeCompare(String(b))),
  );
}

const sizeOf = async (dir: string, rel: string) => (await stat(path.join(dir, rel))).size;

/** Every ledger row of the tenant, all columns but the times: ingestion, table, path, source file, run, rows. */
async function wholeLedger(w: MaintenanceWorld) {
  return w.deps.engine.warehouse.withConnection(w.tenant.slug, async (c) => {
    const r = await c.runAndReadAll(
      "SELECT ingestion_id, table_schema, table_name, path, source_file, run_id, row_count FROM _autoloader.loaded_files ORDER BY ALL",
    );
    return r.getRowObjectsJson();
  });
}

/** `id` values that occur more than once in raw.<table>. */
async function duplicateIds(w: MaintenanceWorld, table: string): Promise<string[]> {
  return w.deps.engine.warehouse.withConnection(w.tenant.slug, async (c) => {
    const r = await c.runAndReadAll(`SELECT id FROM raw.${table} GROUP BY id HAVING count(*) > 1 ORDER BY id`);
    return (r.getRowObjectsJson() as { id: string }[]).map((x) => x.id);
  });
}

/** A tenant of the world's database whose warehouse file nothing has opened yet, with an admin caller. */
async function freshTenant(w: MaintenanceWorld, stem: string): Promise<MaintenanceWorld> {
  const t = await ensureTenant(w.deps, `${stem}-${Math.random().toString(36).slice(2, 10)}`);
  const admin = await createTestKey(w.deps, t.id, `${t.slug} admin`, true);
  // It reads the world's root through a "files" connection of its own, as the world's tenant does.
  await createLocalConnection(w.deps, t.id, FILES, w.root);
  return { ...w, tenant: { id: t.id, slug: t.slug }, api: callerAs(w.deps, admin.auth).caller };
}

/** Rows as a load writes them: `id`, `v` and `_source_file`, for a table made outside Autoloader's loads. */
const loadedValues = (byFile: Record<string, { prefix: string; count: number }>) =>
  Object.entries(byFile)
    .flatMap(([file, { prefix, count }]) => Array.from({ length: count }, (_, i) => `('${prefix}-${i}', ${i}, '${file}')`))
    .join(", ");

describeEachDatabase("destination tables that already exist", (kind) => {
  const suite = useMaintenanceWorld({ kind });

  it("create on the table a deleted ingestion kept is refused, naming the table, its rows and its ledger; nothing changes", async () => {
    const w = suite.world;
    const table = newTable("kept");
    const l = await landing(w, { "a.jsonl": rows("a", 2), "b.jsonl": rows("b", 3) });
    const first = await w.api.ingestions.create(draft(w, "first owner", l.dir, table));
    expect(await runOnce(w, first.id)).toMatchObject({ status: "SUCCEEDED", filesLoaded: 2 });
    await w.api.ingestions.delete({ id: first.id });
    const before = { rows: await rowsOf(w, table, l.dir), ledger: await tableLedger(w, table) };
    expect(before).toEqual({ rows: { "a.jsonl": 2, "b.jsonl": 3 }, ledger: { [`${first.id} a.jsonl`]: 2, [`${first.id} b.jsonl`]: 3 } });

    for (const adoptExistingTable of [undefined, false]) {
      const refused = await rejectionOf(
        w.api.ingestions.create({ ...draft(w, "second owner", l.dir, table), ...(adoptExistingTable === false ? { adoptExistingTable } : {}) }),
      );
      expect([refused.code, refused.message]).toEqual([
        "CONFLICT",
        `Table raw.${table} already exists with 5 rows (loaded by a deleted ingestion: 2 files in its ledger); set adoptExistingTable to take it over, or choose another table`,
      ]);
      expect(refused.cause).toMatchObject({ field: "destination.table" });
    }
    const notBoolean = await rejectionOf(
      w.api.ingestions.create({ ...draft(w, "second owner", l.dir, table), adoptExistingTable: "yes" as unknown as boolean }),
    );
    expect(zodIssuesOf(notBoolean)).toEqual({ adoptExistingTable: ["adoptExistingTable must be true or false"] });
    expect(await w.db.ingestion.count({ where: { tenantId: w.tenant.id, name: "second owner" } })).toBe(0);
    expect({ rows: await rowsOf(w, table, l.dir), ledger: await tableLedger(w, table) }).toEqual(before);
  });

  it("of two simultaneous adoptions of one table exactly one goes through; the other names the new owner", async () => {
    const w = suite.world;
    const table = newTable("contested");
    const l = await landing(w, { "a.jsonl": rows("a", 2) });
    const first = await w.api.ingestions.create(draft(w, "contested before", l.dir, table));
    await runOnce(w, first.id);
    await w.api.ingestions.delete({ id: first.id });

    const outcomes = await Promise.allSettled(
      ["contender one", "contender two"].map((name) => w.api.ingestions.create({ ...draft(w, name, l.dir, table), adoptExistingTable: true })),
    );
    const won = outcomes.flatMap((o) => (o.status === "fulfilled" ? [o.value] : []));
    const lost = outcomes.flatMap((o) => (o.status === "rejected" ? [o.reason as { code: string; message: string }] : []));
    expect([won.length, lost.length]).toEqual([1, 1]);
    const [winner] = won;
    expect(lost[0]).toMatchObject({
      code: "CONFLICT",
      message: `Destination raw.${table} is already loaded by ingestion '${winner?.name}'; choose another table`,
    });
    expect(await tableLedger(w, table)).toEqual({ [`${winner?.id} a.jsonl`]: 2 });
    expect(await runOnce(w, winner?.id ?? "")).toMatchObject({ status: "NO_NEW_FILES" });
    expect(await rowsOf(w, table, l.dir)).toEqual({ "a.jsonl": 2 });
  });

  it("adoptExistingTable rebuilds the history from the table's ledger: the next run loads only new files, each file's rows are there once", async () => {
    const w = suite.world;
    const table = newTable("adopted");
    const l = await landing(w, { "a.jsonl": rows("a", 2), "b.jsonl": rows("b", 3), "gone.jsonl": rows("g", 1) });
    const first = await w.api.ingestions.create(draft(w, "loader before", l.dir, table));
    await runOnce(w, first.id);
    await w.api.ingestions.delete({ id: first.id });
    // Since then: one file left the source, one was rewritten, one is new.
    await rm(path.join(l.dir, "gone.jsonl"));
    await l.add({ "b.jsonl": rows("b-rewritten", 7), "c.jsonl": rows("c", 1) });

    const created = await w.api.ingestions.create({ ...draft(w, "loader after", l.dir, table), adoptExistingTable: true });
    expect(created.destinationChange).toEqual({
      message: `Adopted table raw.${table} with 6 rows: 3 files (6 rows) joined the file history and will not load again`,
      adoption: { table: `raw.${table}`, filesAdopted: 3, rowsAdopted: 6, filesLeft: 0, rowsLeft: 0 },
      previousTable: null,
    });
    expect(await w.api.ingestions.get({ id: created.id })).toMatchObject({ destination: { schema: "raw", table } });
    // Sizes from the listing (the rewritten file's new size, so it is not taken for new); the gone file's is unknown.
    expect(await history(w, created.id)).toEqual({
      "a.jsonl": { status: "SUCCESS", rowCount: 2, size: await sizeOf(l.dir, "a.jsonl") },
      "b.jsonl": { status: "SUCCESS", rowCount: 3, size: await sizeOf(l.dir, "b.jsonl") },
      "gone.jsonl": { status: "SUCCESS", rowCount: 1, size: 0 },
    });
    expect(await tableLedger(w, table)).toEqual({
      [`${created.id} a.jsonl`]: 2,
      [`${created.id} b.jsonl`]: 3,
      [`${created.id} gone.jsonl`]: 1,
    });

    expect(await runOnce(w, created.id)).toMatchObject({ status: "SUCCEEDED", filesLoaded: 1, rowsLoaded: 1n });
    expect(await rowsOf(w, table, l.dir)).toEqual({ "a.jsonl": 2, "b.jsonl": 3, "c.jsonl": 1, "gone.jsonl": 1 });
    expect(await runOnce(w, created.id)).toMatchObject({ status: "NO_NEW_FILES" });

    // The adopted rows are the ingestion's own now: reprocessing a file replaces them, once.
    const reprocessed = await w.api.files.reprocess({ ingestionId: created.id, filter: { search: "a.jsonl" } });
    expect(reprocessed).toMatchObject({ files: 1, rowsRemoved: 2 });
    expect(await runOnce(w, created.id)).toMatchObject({ filesLoaded: 1, rowsLoaded: 2n });
    expect(await rowsOf(w, table, l.dir)).toEqual({ "a.jsonl": 2, "b.jsonl": 3, "c.jsonl": 1, "gone.jsonl": 1 });
  });

  it("a table Autoloader did not make (no _source_file) cannot be adopted: its rows cannot be told apart by file", async () => {
    const w = suite.world;
    const table = newTable("foreign");
    await w.deps.engine.warehouse.withConnection(w.tenant.slug, async (c) => {
      await c.run("CREATE SCHEMA IF NOT EXISTS raw");
      await c.run(`CREATE TABLE raw.${table} AS SELECT range AS id FROM range(3)`);
    });
    const l = await landing(w, { "a.jsonl": rows("a", 1) });
    for (const adoptExistingTable of [false, true]) {
      const refused = await rejectionOf(w.api.ingestions.create({ ...draft(w, "over foreign", l.dir, table), adoptExistingTable }));
      expect([refused.code, refused.message]).toEqual([
        "CONFLICT",
        `Table raw.${table} already exists with 3 rows and has no _source_file column (it was not made by Autoloader), so its rows cannot be told apart by file and it cannot be adopted; choose another table`,
      ]);
      expect(refused.cause).toMatchObject({ field: "destination.table" });
    }
    expect(await w.db.ingestion.count({ where: { tenantId: w.tenant.id, name: "over foreign" } })).toBe(0);
  });

  it("adoption is refused when the source cannot be listed (its files' sizes would be unknown), changing nothing", async () => {
    const w = suite.world;
    const table = newTable("unlisted");
    const l = await landing(w, { "a.jsonl": rows("a", 2) });
    const first = await w.api.ingestions.create(draft(w, "unlisted before", l.dir, table));
    await runOnce(w, first.id);
    await w.api.ingestions.delete({ id: first.id });
    const ledger = await tableLedger(w, table);
    const putBack = await hideDirectory(l.dir);
    try {
      const refused = await rejectionOf(w.api.ingestions.create({ ...draft(w, "unlisted after", l.dir, table), adoptExistingTable: true }));
      expect(refused.code).toBe("BAD_REQUEST");
      expect(refused.message).toMatch(new RegExp(`^Cannot adopt table raw\\.${table}: the source could not be listed \\(.+\\)$`));
      expect(refused.cause).toMatchObject({ field: "source.uri" });
    } finally {
      await putBack();
    }
    expect(await tableLedger(w, table)).toEqual(ledger);
    expect(await w.db.ingestion.count({ where: { tenantId: w.tenant.id, name: "unlisted after" } })).toBe(0);
  });

  it("moving onto an existing table is refused unless adopted; a move to a new table says the old one keeps its rows", async () => {
    const w = suite.world;
    const [t1, t2, t3] = [newTable("move_from"), newTable("move_kept"), newTable("move_new")];
    const l = await landing(w, { "a.jsonl": rows("a", 2), "b.jsonl": rows("b", 1) });
    const mover = await w.api.ingestions.create(draft(w, "mover", l.dir, t1));
    await runOnce(w, mover.id);
    const other = await w.api.ingestions.create(draft(w, "other over the same files", l.dir, t2));
    await runOnce(w, other.id);
    await w.api.ingestions.delete({ id: other.id });
    await l.add({ "c.jsonl": rows("c", 1) });

    const move = { id: mover.id, patch: { destination: { schema: "raw", table: t2 } } };
    const refused = await rejectionOf(w.api.ingestions.update(move));
    expect([refused.code, refused.message]).toEqual([
      "CONFLICT",
      `Table raw.${t2} already exists with 3 rows (loaded by a deleted ingestion: 2 files in its ledger); set adoptExistingTable to take it over, or choose another table`,
    ]);
    expect(refused.cause).toMatchObject({ field: "destination.table" });
    expect((await w.api.ingestions.get({ id: mover.id })).destination.table).toBe(t1);
    expect(await w.db.run.count({ where: { ingestionId: mover.id } })).toBe(1);

    const adopted = await w.api.ingestions.update({ ...move, adoptExistingTable: true });
    expect(adopted.destination.table).toBe(t2);
    expect(adopted.destinationChange).toEqual({
      message:
        `Moved from raw.${t1} to raw.${t2}: raw.${t1} keeps its 3 rows; the file history carries on, so files already loaded are not loaded into raw.${t2} (a FULL refresh reloads everything there). ` +
        `Adopted table raw.${t2} with 3 rows: 2 files (3 rows) joined the file history and will not load again`,
      adoption: { table: `raw.${t2}`, filesAdopted: 2, rowsAdopted: 3, filesLeft: 0, rowsLeft: 0 },
      previousTable: { name: `raw.${t1}`, exists: true, rows: 3 },
    });
    expect(await runOnce(w, mover.id)).toMatchObject({ filesLoaded: 1 });
    expect(await rowsOf(w, t2, l.dir)).toEqual({ "a.jsonl": 2, "b.jsonl": 1, "c.jsonl": 1 });
    expect(await rowsOf(w, t1, l.dir)).toEqual({ "a.jsonl": 2, "b.jsonl": 1 });

    const moved = await w.api.ingestions.update({ id: mover.id, patch: { destination: { schema: "raw", table: t3 } } });
    expect(moved.destinationChange).toEqual({
      message: `Moved from raw.${t2} to raw.${t3}: raw.${t2} keeps its 4 rows; the file history carries on, so files already loaded are not loaded into raw.${t3} (a FULL refresh reloads everything there)`,
      adoption: null,
      previousTable: { name: `raw.${t2}`, exists: true, rows: 4 },
    });
    await l.add({ "d.jsonl": rows("d", 1) });
    expect(await runOnce(w, mover.id)).toMatchObject({ filesLoaded: 1 });
    expect(await rowsOf(w, t3, l.dir)).toEqual({ "d.jsonl": 1 });
    // A FULL refresh reloads everything into the current table only.
    await w.api.ingestions.refresh({ id: mover.id, mode: "FULL", confirm: true });
    expect(await runOnce(w, mover.id)).toMatchObject({ filesLoaded: 4 });
    expect(await rowsOf(w, t3, l.dir)).toEqual({ "a.jsonl": 2, "b.jsonl": 1, "c.jsonl": 1, "d.jsonl": 1 });
    expect(await rowsOf(w, t2, l.dir)).toEqual({ "a.jsonl": 2, "b.jsonl": 1, "c.jsonl": 1 });
    expect(await rowsOf(w, t1, l.dir)).toEqual({ "a.jsonl": 2, "b.jsonl": 1 });
    // Delete with its table drops the current table; the ones it left stay.
    await w.api.ingestions.delete({ id: mover.id, dropTable: true });
    expect([await tableExists(w, `raw.${t3}`), await tableExists(w, `raw.${t2}`), await tableExists(w, `raw.${t1}`)]).toEqual([false, true, true]);
  });

  it("reprocess, clear and refresh after an adoption or a move never remove rows another ingestion loaded", async () => {
    const w = suite.world;
    const [shared, zNew, yOwn] = [newTable("shared"), newTable("z_moved"), newTable("y_own")];
    // One landing directory; Z reads its sub/ directory, X and Y its top level (*.jsonl).
    const l = await landing(w, { "a.jsonl": rows("a", 2), "b.jsonl": rows("b", 3), "sub/z.jsonl": rows("z", 4) });
    const z = await w.api.ingestions.create(draft(w, "Z", path.join(l.dir, "sub"), shared));
    await runOnce(w, z.id);
    expect(await rowsOf(w, shared, l.dir)).toEqual({ "sub/z.jsonl": 4 });
    const zMoved = await w.api.ingestions.update({ id: z.id, patch: { destination: { schema: "raw", table: zNew } } });
    expect(zMoved.destinationChange?.previousTable).toEqual({ name: `raw.${shared}`, exists: true, rows: 4 });

    const refused = await rejectionOf(w.api.ingestions.create(draft(w, "X", l.dir, shared, "*.jsonl")));
    expect(refused.message).toBe(
      `Table raw.${shared} already exists with 4 rows (loaded by ingestion 'Z': 1 file in its ledger); set adoptExistingTable to take it over, or choose another table`,
    );
    const x = await w.api.ingestions.create({ ...draft(w, "X", l.dir, shared, "*.jsonl"), adoptExistingTable: true });
    expect(x.destinationChange).toEqual({
      message:
        `Adopted table raw.${shared} with 4 rows: none of its files lie under this ingestion's source and glob, so its history starts empty; ` +
        "4 other rows (1 file this ingestion does not read) stay in the table untouched",
      adoption: { table: `raw.${shared}`, filesAdopted: 0, rowsAdopted: 0, filesLeft: 1, rowsLeft: 4 },
      previousTable: null,
    });
    await runOnce(w, x.id);
    const full = { "a.jsonl": 2, "b.jsonl": 3, "sub/z.jsonl": 4 };
    expect(await rowsOf(w, shared, l.dir)).toEqual(full);
    const y = await w.api.ingestions.create(draft(w, "Y", l.dir, yOwn, "*.jsonl"));
    await runOnce(w, y.id);
    expect(await rowsOf(w, yOwn, l.dir)).toEqual({ "a.jsonl": 2, "b.jsonl": 3 });

    // X's reprocess and clear remove X's rows only: Z's stay, Y's table is untouched.
    expect(await w.api.files.reprocess({ ingestionId: x.id, filter: { search: ".jsonl" } })).toMatchObject({ files: 2, rowsRemoved: 5 });
    expect(await rowsOf(w, shared, l.dir)).toEqual({ "sub/z.jsonl": 4 });
    await runOnce(w, x.id);
    expect(await rowsOf(w, shared, l.dir)).toEqual(full);
    expect(await w.api.files.clear({ ingestionId: x.id, confirm: true })).toMatchObject({ filesForgotten: 2, rowsRemoved: 5 });
    expect(await rowsOf(w, shared, l.dir)).toEqual({ "sub/z.jsonl": 4 });
    await runOnce(w, x.id);
    expect(await rowsOf(w, shared, l.dir)).toEqual(full);
    expect(await rowsOf(w, yOwn, l.dir)).toEqual({ "a.jsonl": 2, "b.jsonl": 3 });

    // Z moved away: its reprocess acts on its current table, which holds none of z.jsonl's rows yet.
    expect(await w.api.files.reprocess({ ingestionId: z.id, filter: { search: "z.jsonl" } })).toMatchObject({ files: 1, rowsRemoved: 0 });
    await runOnce(w, z.id);
    expect(await rowsOf(w, zNew, l.dir)).toEqual({ "sub/z.jsonl": 4 });
    expect(await rowsOf(w, shared, l.dir)).toEqual(full);

    // X goes, keeping the table; Y (same files) moves onto it and adopts X's rows, not Z's.
    await w.api.ingestions.delete({ id: x.id });
    const yMoved = await w.api.ingestions.update({ id: y.id, patch: { destination: { schema: "raw", table: shared } }, adoptExistingTable: true });
    expect(yMoved.destinationChange?.adoption).toEqual({ table: `raw.${shared}`, filesAdopted: 2, rowsAdopted: 5, filesLeft: 1, rowsLeft: 4 });
    expect(await tableLedger(w, shared)).toEqual({ [`${y.id} a.jsonl`]: 2, [`${y.id} b.jsonl`]: 3, [`${z.id} z.jsonl`]: 4 });
    expect(await w.api.files.reprocess({ ingestionId: y.id, filter: { search: "a.jsonl" } })).toMatchObject({ files: 1, rowsRemoved: 2 });
    expect(await runOnce(w, y.id)).toMatchObject({ filesLoaded: 1, rowsLoaded: 2n });
    expect(await rowsOf(w, shared, l.dir)).toEqual(full);
    expect(await rowsOf(w, yOwn, l.dir)).toEqual({ "a.jsonl": 2, "b.jsonl": 3 });
    // A NEW_ONLY refresh drops the current table (Z's leftover rows with it, as the plan says) and nothing else.
    const refresh = await w.api.ingestions.refresh({ id: y.id, mode: "NEW_ONLY", dryRun: true });
    expect(refresh.plan.table).toEqual({ name: `raw.${shared}`, exists: true, rows: 9 });
    expect(await rowsOf(w, zNew, l.dir)).toEqual({ "sub/z.jsonl": 4 });
  });

  it("a crash between the adoption's warehouse and metadata steps loses nothing and loads nothing twice", async () => {
    const w = suite.world;
    const table = newTable("crash");
    const l = await landing(w, { "a.jsonl": rows("a", 2), "b.jsonl": rows("b", 3) });
    const first = await w.api.ingestions.create(draft(w, "crash before", l.dir, table));
    await runOnce(w, first.id);
    await w.api.ingestions.delete({ id: first.id });

    const crashing = w.withConfig({
      hooks: {
        afterAdoptionCommit: () => {
          throw new Error("injected crash after the adoption's warehouse commit");
        },
      },
    });
    const crashed = await rejectionOf(crashing.api.ingestions.create({ ...draft(w, "crash after", l.dir, table), adoptExistingTable: true }));
    expect(crashed.message).toBe("injected crash after the adoption's warehouse commit");
    // No ingestion; the table as it was; its ledger (re-keyed to an id no ingestion has) still names every file.
    expect(await w.db.ingestion.count({ where: { tenantId: w.tenant.id, name: "crash after" } })).toBe(0);
    expect(await rowsOf(w, table, l.dir)).toEqual({ "a.jsonl": 2, "b.jsonl": 3 });
    const orphaned = await tableLedger(w, table);
    expect(Object.values(orphaned).sort()).toEqual([2, 3]);
    const owners = new Set(Object.keys(orphaned).map((k) => k.split(" ")[0] ?? ""));
    expect(await w.db.ingestion.count({ where: { id: { in: [...owners] } } })).toBe(0);

    // Trying again completes the adoption; the next run loads only the new file.
    await l.add({ "c.jsonl": rows("c", 1) });
    const again = await w.api.ingestions.create({ ...draft(w, "crash after", l.dir, table), adoptExistingTable: true });
    expect(again.destinationChange?.adoption).toMatchObject({ filesAdopted: 2, rowsAdopted: 5 });
    expect(await runOnce(w, again.id)).toMatchObject({ filesLoaded: 1, rowsLoaded: 1n });
    expect(await rowsOf(w, table, l.dir)).toEqual({ "a.jsonl": 2, "b.jsonl": 3, "c.jsonl": 1 });

    // The same for a move: after the crash the ingestion still loads its old table, and the retry moves it.
    const target = newTable("crash_target");
    const m = await landing(w, { "m.jsonl": rows("m", 2) });
    const before = await w.api.ingestions.create(draft(w, "move crash before", m.dir, target));
    await runOnce(w, before.id);
    await w.api.ingestions.delete({ id: before.id });
    const mover = await w.api.ingestions.create(draft(w, "move crash mover", m.dir, newTable("crash_source")));
    await runOnce(w, mover.id);
    const moverHistory = await history(w, mover.id);
    const move = { id: mover.id, patch: { destination: { schema: "raw", table: target } }, adoptExistingTable: true };
    expect((await rejectionOf(crashing.api.ingestions.update(move))).message).toBe("injected crash after the adoption's warehouse commit");
    expect((await w.api.ingestions.get({ id: mover.id })).destination.table).toBe(mover.destination.table);
    expect(await history(w, mover.id)).toEqual(moverHistory);
    expect(await rowsOf(w, target, m.dir)).toEqual({ "m.jsonl": 2 });
    expect(await w.db.run.count({ where: { ingestionId: mover.id, activeIngestionId: { not: null } } })).toBe(0);
    expect((await w.api.ingestions.update(move)).destinationChange?.adoption).toMatchObject({ filesAdopted: 1, rowsAdopted: 2 });
    expect(await runOnce(w, mover.id)).toMatchObject({ status: "NO_NEW_FILES" });
    expect(await rowsOf(w, target, m.dir)).toEqual({ "m.jsonl": 2 });
  });

  it("a warehouse from before this release (first ledger layout, its loader deleted) is adopted by _source_file: nothing loads twice", async () => {
    const base = suite.world;
    const w = await freshTenant(base, "v1");
    const l = await landing(w, { "a.jsonl": rows("a", 2), "b.jsonl": rows("b", 3) });
    // The previous release's warehouse: a ledger without tables, whose rows of the deleted
    // ingestion are left unattributed when it opens (no ingestion of the tenant knows that id).
    const file = w.deps.engine.warehouse.fileFor(w.tenant.slug);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFirstLayoutWarehouse(
      file,
      [
        ["deleted-loader", "a.jsonl", "old-run-1", 2, "2025-12-01 10:00:00"],
        ["deleted-loader", "b.jsonl", "old-run-2", 3, "2025-12-02 10:00:00"],
        ["deleted-elsewhere", "q.jsonl", "old-run-3", 4, "2025-12-03 10:00:00"],
      ],
      `CREATE SCHEMA raw;
      CREATE TABLE raw.kept (id VARCHAR, v BIGINT, _source_file VARCHAR);
      INSERT INTO raw.kept VALUES ${loadedValues({
        [`${l.dir}/a.jsonl`]: { prefix: "a", count: 2 },
        [`${l.dir}/b.jsonl`]: { prefix: "b", count: 3 },
        "/elsewhere/x.jsonl": { prefix: "x", count: 1 },
      })};`,
    );
    await l.add({ "c.jsonl": rows("c", 1) });

    const refused = await rejectionOf(w.api.ingestions.create(draft(w, "after the upgrade", l.dir, "kept")));
    expect([refused.code, refused.message]).toEqual([
      "CONFLICT",
      "Table raw.kept already exists with 6 rows (none of them recorded in the ledger of loaded files); set adoptExistingTable to take it over, or choose another table",
    ]);
    const created = await w.api.ingestions.create({ ...draft(w, "after the upgrade", l.dir, "kept"), adoptExistingTable: true });
    expect(created.destinationChange).toEqual({
      message:
        "Adopted table raw.kept with 6 rows: 2 files (5 rows) joined the file history and will not load again " +
        "(all known only by their rows' _source_file: the ledger had no entry for them in this table); " +
        "1 other row (1 file this ingestion does not read) stays in the table untouched",
      adoption: { table: "raw.kept", filesAdopted: 2, rowsAdopted: 5, filesLeft: 1, rowsLeft: 1 },
      previousTable: null,
    });
    // The first-version rows of those files are re-keyed (their run and time kept), not left dangling; the unrelated one stays.
    expect(await wholeLedger(w)).toEqual([
      { ingestion_id: created.id, table_schema: "raw", table_name: "kept", path: "a.jsonl", source_file: `${l.dir}/a.jsonl`, run_id: "old-run-1", row_count: "2" },
      { ingestion_id: created.id, table_schema: "raw", table_name: "kept", path: "b.jsonl", source_file: `${l.dir}/b.jsonl`, run_id: "old-run-2", row_count: "3" },
      { ingestion_id: "deleted-elsewhere", table_schema: "", table_name: "", path: "q.jsonl", source_file: "", run_id: "old-run-3", row_count: "4" },
    ]);
    const { items } = await w.api.files.list({ ingestionId: created.id, limit: 200 });
    expect(
      Object.fromEntries(items.map((f) => [f.path, { status: f.status, rowCount: f.rowCount, size: f.size, loadedAt: f.loadedAt?.toISOString() }])),
    ).toEqual({
      "a.jsonl": { status: "SUCCESS", rowCount: 2, size: await sizeOf(l.dir, "a.jsonl"), loadedAt: "2025-12-01T10:00:00.000Z" },
      "b.jsonl": { status: "SUCCESS", rowCount: 3, size: await sizeOf(l.dir, "b.jsonl"), loadedAt: "2025-12-02T10:00:00.000Z" },
    });

    expect(await runOnce(w, created.id)).toMatchObject({ status: "SUCCEEDED", filesLoaded: 1, rowsLoaded: 1n });
    expect(await rowsOf(w, "kept", l.dir)).toEqual({ "a.jsonl": 2, "b.jsonl": 3, "c.jsonl": 1, "/elsewhere/x.jsonl": 1 });
    expect(await duplicateIds(w, "kept")).toEqual([]);
    expect(await runOnce(w, created.id)).toMatchObject({ status: "NO_NEW_FILES" });
    // Adopted by _source_file, the rows are the ingestion's own: a reprocess replaces them, once.
    expect(await w.api.files.reprocess({ ingestionId: created.id, filter: { search: "b.jsonl" } })).toMatchObject({ files: 1, rowsRemoved: 3 });
    expect(await runOnce(w, created.id)).toMatchObject({ filesLoaded: 1, rowsLoaded: 3n });
    expect(await rowsOf(w, "kept", l.dir)).toEqual({ "a.jsonl": 2, "b.jsonl": 3, "c.jsonl": 1, "/elsewhere/x.jsonl": 1 });
  });

  it("a table with _source_file but no ledger entries (written by another tool) is adopted by _source_file, within the glob and modifiedAfter", async () => {
    const w = suite.world;
    const table = newTable("by_hand");
    const l = await landing(w, { "old.jsonl": rows("o", 1), "a.jsonl": rows("a", 2), "b.jsonl": rows("b", 3), "notes.json": rows("n", 1) });
    await setModified(l.dir, "old.jsonl", new Date("2020-01-01T00:00:00.000Z"));
    await w.deps.engine.warehouse.withConnection(w.tenant.slug, async (c) => {
      await c.run("CREATE SCHEMA IF NOT EXISTS raw");
      await c.run(`CREATE TABLE raw.${table} (id VARCHAR, v BIGINT, _source_file VARCHAR)`);
      await c.run(
        `INSERT INTO raw.${table} VALUES ${loadedValues({
          [`${l.dir}/old.jsonl`]: { prefix: "o", count: 1 },
          [`${l.dir}/a.jsonl`]: { prefix: "a", count: 2 },
          [`${l.dir}/b.jsonl`]: { prefix: "b", count: 3 },
          [`${l.dir}/notes.json`]: { prefix: "n", count: 1 },
          [`${l.dir}/gone.jsonl`]: { prefix: "g", count: 1 },
          [`${l.dir}-other/z.jsonl`]: { prefix: "z", count: 4 },
        })}`,
      );
    });
    const input = {
      ...draft(w, "over a hand-made table", l.dir, table, "*.jsonl"),
      source: filesSource(w.root, l.dir, { glob: "*.jsonl", modifiedAfter: new Date("2021-01-01T00:00:00.000Z") }),
      adoptExistingTable: true,
    };
    const before = Date.now();
    const created = await w.api.ingestions.create(input);
    const after = Date.now();
    // Adopted: what a run would load (a, b) and a file gone from the source (its time unknown); left: outside the glob, before modifiedAfter, another directory.
    expect(created.destinationChange).toEqual({
      message:
        `Adopted table raw.${table} with 12 rows: 3 files (6 rows) joined the file history and will not load again ` +
        "(all known only by their rows' _source_file: the ledger had no entry for them in this table); " +
        "6 other rows (3 files this ingestion does not read) stay in the table untouched",
      adoption: { table: `raw.${table}`, filesAdopted: 3, rowsAdopted: 6, filesLeft: 3, rowsLeft: 6 },
      previousTable: null,
    });
    expect(await wholeLedger(w).then((all) => all.filter((x) => x.table_name === table))).toEqual(
      ["a.jsonl", "b.jsonl", "gone.jsonl"].map((p, i) => ({
        ingestion_id: created.id,
        table_schema: "raw",
        table_name: table,
        path: p,
        source_file: `${l.dir}/${p}`,
        run_id: "adopted",
        row_count: String([2, 3, 1][i]),
      })),
    );
    const { items } = await w.api.files.list({ ingestionId: created.id, limit: 200 });
    for (const f of items) {
      expect(f.loadedAt?.getTime()).toBeGreaterThanOrEqual(before - 1);
      expect(f.loadedAt?.getTime()).toBeLessThanOrEqual(after + 1);
    }
    expect(await history(w, created.id)).toEqual({
      "a.jsonl": { status: "SUCCESS", rowCount: 2, size: await sizeOf(l.dir, "a.jsonl") },
      "b.jsonl": { status: "SUCCESS", rowCount: 3, size: await sizeOf(l.dir, "b.jsonl") },
      "gone.jsonl": { status: "SUCCESS", rowCount: 1, size: 0 },
    });

    await l.add({ "c.jsonl": rows("c", 2) });
    expect(await runOnce(w, created.id)).toMatchObject({ status: "SUCCEEDED", filesLoaded: 1, rowsLoaded: 2n });
    expect(await rowsOf(w, table, l.dir)).toEqual({
      "old.jsonl": 1,
      "a.jsonl": 2,
      "b.jsonl": 3,
      "c.jsonl": 2,
      "notes.json": 1,
      "gone.jsonl": 1,
      [`${l.dir}-other/z.jsonl`]: 4,
    });
    expect(await duplicateIds(w, table)).toEqual([]);
    expect(await runOnce(w, created.id)).toMatchObject({ status: "NO_NEW_FILES" });
  });

  it("a move that adopts and changes the glob in one patch adopts by the new glob: the next run loads nothing twice", async () => {
    const w = suite.world;
    const [mine, kept] = [newTable("glob_from"), newTable("glob_kept")];
    const l = await landing(w, { "a.jsonl": rows("a", 2), "b.jsonl": rows("b", 3), "c.csv": "id,v\nc-0,0\n" });
    const mover = await w.api.ingestions.create(draft(w, "narrow mover", l.dir, mine, "a*.jsonl"));
    expect(await runOnce(w, mover.id)).toMatchObject({ filesLoaded: 1 });
    const wide = await w.api.ingestions.create(draft(w, "wide before", l.dir, kept, "*.jsonl"));
    expect(await runOnce(w, wide.id)).toMatchObject({ filesLoaded: 2 });
    await w.api.ingestions.delete({ id: wide.id });

    const moved = await w.api.ingestions.update({
      id: mover.id,
      patch: { destination: { schema: "raw", table: kept }, source: filesSource(w.root, l.dir, { glob: "*.jsonl" }) },
      adoptExistingTable: true,
    });
    expect(moved.source.glob).toBe("*.jsonl");
    expect(moved.destinationChange?.adoption).toEqual({ table: `raw.${kept}`, filesAdopted: 2, rowsAdopted: 5, filesLeft: 0, rowsLeft: 0 });
    expect(await tableLedger(w, kept)).toEqual({ [`${mover.id} a.jsonl`]: 2, [`${mover.id} b.jsonl`]: 3 });
    expect(await history(w, mover.id)).toEqual({
      "a.jsonl": { status: "SUCCESS", rowCount: 2, size: await sizeOf(l.dir, "a.jsonl") },
      "b.jsonl": { status: "SUCCESS", rowCount: 3, size: await sizeOf(l.dir, "b.jsonl") },
    });
    expect(await runOnce(w, mover.id)).toMatchObject({ status: "NO_NEW_FILES" });
    await l.add({ "d.jsonl": rows("d", 1) });
    expect(await runOnce(w, mover.id)).toMatchObject({ filesLoaded: 1, rowsLoaded: 1n });
    expect(await rowsOf(w, kept, l.dir)).toEqual({ "a.jsonl": 2, "b.jsonl": 3, "d.jsonl": 1 });
    expect(await duplicateIds(w, kept)).toEqual([]);
    expect(await rowsOf(w, mine, l.dir)).toEqual({ "a.jsonl": 2 });
  });
});
