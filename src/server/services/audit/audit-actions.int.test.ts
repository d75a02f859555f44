// Each audited action on ingestions, runs, files and connections leaves its row (actor, role,
// target, outcome, details), through the router with real runs on local files, and no secret of a
// connection ever lands in the log.
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { callerAs, createTestKey, type AppCaller, type TestKey } from "@/test/api-callers";
import { grantS3Endpoint } from "@/test/connection-fixtures";
import { createTestDatabase, describeEachDatabase, type TestDatabase } from "@/test/databases";
import { createRunWorld, jsonl, writeFiles, type RunWorld } from "@/test/run-fixtures";
import { testClock } from "@/test/service-deps";

const SECRET_ACCESS_KEY = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY";
const ACCESS_KEY_ID = "AKIAAUDITTESTKEY0001";
const SESSION_TOKEN = "FwoGZXIvYXdzEAudit-session-token";

describeEachDatabase("audited actions", (kind) => {
  let t: TestDatabase;
  let world: RunWorld;
  let editor: TestKey;
  let admin: TestKey;
  let asEditor: AppCaller;
  let asAdmin: AppCaller;

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    world = await createRunWorld(t.database.prisma, { clock: testClock(new Date()), tenantSlug: "audited" });
    editor = await createTestKey(world.deps, world.tenant.id, "loader bot", "EDITOR");
    admin = await createTestKey(world.deps, world.tenant.id, "ops", "ADMIN");
    asEditor = callerAs(world.deps, editor.auth).caller;
    asAdmin = callerAs(world.deps, admin.auth).caller;
  });
  afterAll(async () => {
    await world.cleanup();
    await t.destroy();
  });

  const rows = () =>
    world.deps.db.auditEvent.findMany({ where: { tenantId: world.tenant.id }, orderBy: [{ at: "asc" }, { id: "asc" }] });

  it("records the life of an ingestion: create, update, pause, resume, trigger, retry, reprocess, clear, refresh, delete", async () => {
    await writeFiles(path.join(world.root, "orders"), { "a.jsonl": jsonl([{ id: 1 }, { id: 2 }]) });
    const created = await asEditor.ingestions.create({
      name: "Orders",
      source: { connection: "files", path: "orders" },
      format: { type: "JSON" },
      destination: { schema: "raw", table: "orders" },
    });
    const id = created.id;
    await asEditor.ingestions.update({ id, patch: { description: "shop orders" } });
    await asEditor.ingestions.pause({ id });
    await asEditor.ingestions.resume({ id });
    const run = await asEditor.runs.trigger({ ingestionId: id });
    await world.executor.idle();
    await expect(asEditor.runs.retry({ id: run.runId })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    const files = await asEditor.files.list({ ingestionId: id });
    const reprocessed = await asEditor.files.reprocess({ ingestionId: id, fileIds: files.items.map((f) => f.id) });
    const cleared = await asEditor.files.clear({ ingestionId: id, confirm: true });
    await asEditor.ingestions.refresh({ id, mode: "NEW_ONLY", dryRun: true });
    const deleted = await asEditor.ingestions.delete({ id, dropTable: true });
    await world.executor.idle();

    const events = (await rows()).filter((e) => e.targetId === id || e.targetId === run.runId);
    expect(events.map((e) => [e.action, e.outcome, e.targetType, e.targetName])).toEqual([
      ["ingestion.create", "SUCCESS", "ingestion", "Orders"],
      ["ingestion.update", "SUCCESS", "ingestion", "Orders"],
      ["ingestion.pause", "SUCCESS", "ingestion", "Orders"],
      ["ingestion.resume", "SUCCESS", "ingestion", "Orders"],
      ["run.trigger", "SUCCESS", "ingestion", "Orders"],
      ["run.retry", "FAILURE", "run", "Orders"],
      ["file.reprocess", "SUCCESS", "ingestion", "Orders"],
      ["file.clear", "SUCCESS", "ingestion", "Orders"],
      ["ingestion.refresh", "SUCCESS", "ingestion", "Orders"],
      // The name was read before the delete removed it.
      ["ingestion.delete", "SUCCESS", "ingestion", "Orders"],
    ]);
    for (const e of events) {
      expect(e).toMatchObject({ actorKind: "api-key", apiKeyId: editor.id, actorName: "loader bot", actorRole: "EDITOR" });
    }
    const byAction = Object.fromEntries(events.map((e) => [e.action, e]));
    expect(byAction["ingestion.update"]?.details).toMatchObject({
      input: { patch: { description: "shop orders" } },
      result: { description: "shop orders", status: "ACTIVE" },
    });
    expect(byAction["run.trigger"]?.details).toEqual({ result: { method: "direct", runId: run.runId } });
    expect(byAction["run.retry"]?.error).toMatch(/^BAD_REQUEST: /);
    expect(byAction["file.reprocess"]?.details).toEqual({
      input: { fileIds: files.items.map((f) => f.id) },
      result: { files: reprocessed.files, rowsRemoved: reprocessed.rowsRemoved, message: reprocessed.message },
    });
    expect(reprocessed.files).toBe(1);
    expect(byAction["file.clear"]?.details).toMatchObject({ result: { filesForgotten: cleared.filesForgotten } });
    expect(byAction["ingestion.refresh"]?.details).toMatchObject({ input: { mode: "NEW_ONLY", dryRun: true }, result: { dryRun: true, executed: false } });
    expect(byAction["ingestion.delete"]?.details).toMatchObject({
      input: { dropTable: true },
      result: { table: "raw.orders", tableDropped: deleted.tableDropped, rowsDropped: deleted.rowsDropped },
    });
  });

  it("records connection changes without their credentials: create, update, test, delete, and a refused one", async () => {
    const endpoint = "http://127.0.0.1:9";
    grantS3Endpoint(world.deps, endpoint);
    const before = (await rows()).length;
    const credentials = { kind: "KEYS" as const, accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY, sessionToken: SESSION_TOKEN };
    const created = await asAdmin.connections.create({
      name: "lake",
      location: { type: "S3", bucket: "acme-lake", endpoint, forcePathStyle: true, credentials },
    });
    await asAdmin.connections.update({
      name: "lake",
      patch: { location: { type: "S3", bucket: "acme-lake", endpoint, forcePathStyle: true, credentials: { ...credentials, secretAccessKey: `${SECRET_ACCESS_KEY}2` } } },
    });
    await asEditor.connections.test({ name: "lake" }).catch(() => undefined);
    // An editor may not create one: the refusal is recorded, its credentials are not.
    await expect(
      asEditor.connections.create({ name: "sneaky", location: { type: "S3", bucket: "b", endpoint, credentials } }),
    ).rejects.toMatchObject({ code: "FORBIDDEN", message: "This needs the admin role; your key has the editor role" });
    await asAdmin.connections.delete({ name: "lake" });

    const events = (await rows()).slice(before);
    expect(events.map((e) => [e.action, e.outcome, e.actorName, e.targetType, e.targetName, e.targetId])).toEqual([
      ["connection.create", "SUCCESS", "ops", "connection", "lake", created.id],
      ["connection.update", "SUCCESS", "ops", "connection", "lake", created.id],
      ["connection.test", expect.stringMatching(/^(SUCCESS|FAILURE)$/), "loader bot", "connection", "lake", created.id],
      ["connection.create", "FAILURE", "loader bot", "connection", "sneaky", null],
      ["connection.delete", "SUCCESS", "ops", "connection", "lake", created.id],
    ]);
    expect(events[0]?.details).toMatchObject({
      input: { name: "lake", location: { type: "S3", bucket: "acme-lake", endpoint, forcePathStyle: true, credentials: { kind: "KEYS" } } },
    });
    // No secret in any row of the whole log, whatever the column.
    const text = JSON.stringify(await rows());
    for (const secret of [SECRET_ACCESS_KEY, ACCESS_KEY_ID, SESSION_TOKEN, editor.key, admin.key]) expect(text).not.toContain(secret);
    const logged = JSON.stringify((world.deps.log as { lines?: unknown }).lines ?? []);
    for (const secret of [SECRET_ACCESS_KEY, ACCESS_KEY_ID, SESSION_TOKEN]) expect(logged).not.toContain(secret);
  });
});
