// Storage connections against real parts (PGlite and PostgreSQL, local files, DuckDB, the S3 test
// server): a tenant reads only through its own connections, within what the operator granted it
// (finding "Cross-tenant reads"), and a connection's keys never leave the server.
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { TRPCError } from "@trpc/server";
import { parseGrants, type Grants } from "@/server/domain/grants";
import type { ServiceDeps } from "@/server/deps";
import { callerAs, createTestKey, rejectionOf, zodIssuesOf, seedTenant, type AppCaller, type TestTenant, createTestDatabase, describeEachDatabase, type TestDatabase, recordingLogger, directDeps, type DirectDeps, type RecordingLogger } from "@/test/world";
import { testSecrets } from "@/test/connection-fixtures";
import { jsonl, tableRows } from "@/test/run-fixtures";
import { S3RVER_CREDENTIALS, startS3Server, type S3TestServer } from "@/test/s3-server";
import { makeTempDir, type TempDir } from "@/test/temp-dirs";

const A_MARKER = "tenant-a-private-row";

describeEachDatabase("connections and grants", (kind) => {
  let t: TestDatabase;
  let tmp: TempDir;
  let deps: ServiceDeps;
  let log: RecordingLogger;
  let direct: DirectDeps;
  let grants: Grants;
  let a: TestTenant;
  let b: TestTenant;
  let asA: AppCaller;
  let asB: AppCaller;
  let rootA: string;
  let rootB: string;
  let slug: { a: string; b: string };

  beforeAll(async () => {
    [t, tmp] = await Promise.all([createTestDatabase(kind), makeTempDir("connections")]);
    rootA = path.join(tmp.path, "a");
    rootB = path.join(tmp.path, "b");
    await mkdir(path.join(rootA, "landing"), { recursive: true });
    await mkdir(path.join(rootB, "landing"), { recursive: true });
    await writeFile(path.join(rootA, "landing", "a.jsonl"), jsonl([{ id: 1, secret: A_MARKER }]));
    await writeFile(path.join(rootB, "landing", "b.jsonl"), jsonl([{ id: 2, secret: "b-row" }]));
    const n = Math.random().toString(36).slice(2, 8);
    slug = { a: `acme-${n}`, b: `beta-${n}` };
    // As an operator writes it: A gets its root, the ACME reference and ambient credentials; B only its root.
    grants = parseGrants(
      {
        tenants: {
          [slug.a]: { localRoots: [rootA], s3: { credentialRefs: ["ACME"], ambientCredentials: true } },
          [slug.b]: { localRoots: [rootB] },
        },
      },
      "test grants",
    );
    log = recordingLogger();
    direct = directDeps(t.database.prisma, {
      grants,
      secrets: testSecrets(),
      log,
      sourceEnv: {
        AWS_ACCESS_KEY_ID: "AKIASERVERAMBIENT0001",
        AWS_SECRET_ACCESS_KEY: "server-ambient-secret",
        AUTOLOADER_S3_ACME_ACCESS_KEY_ID: "AKIAACMEREF000000001",
        AUTOLOADER_S3_ACME_SECRET_ACCESS_KEY: "acme-ref-secret",
      },
    });
    deps = direct.deps;
    a = await seedTenant(deps, slug.a);
    b = await seedTenant(deps, slug.b);
    asA = callerAs(deps, a.admin.auth).caller;
    asB = callerAs(deps, b.admin.auth).caller;
    await asA.connections.create({ name: "files", location: { type: "LOCAL", path: rootA } });
  });
  afterAll(async () => {
    await direct?.idle();
    await deps?.engine.warehouse.close();
    await t?.destroy();
    await tmp?.remove();
  });

  const runEnd = async (runId: string) => {
    await direct.idle();
    return t.database.prisma.run.findUniqueOrThrow({ where: { id: runId } });
  };
  const preview = (api: AppCaller, connection: string, p = "landing") =>
    api.ingestions.preview({ source: { connection, path: p }, format: { type: "JSON" } });

  it("tenant A previews its own directory through its connection", async () => {
    const out = await preview(asA, "files");
    expect(out.source).toEqual({ type: "LOCAL", uri: path.join(rootA, "landing"), glob: null });
    expect(out.rows).toEqual([{ file: "a.jsonl", values: ["1", A_MARKER] }]);
  });

  it("tenant B naming A's connection gets NOT_FOUND, for preview, estimate and create, and reads nothing of A", async () => {
    const refused = await rejectionOf(preview(asB, "files"));
    expect({ code: refused.code, message: refused.message }).toEqual({ code: "NOT_FOUND", message: "No connection 'files'" });
    const estimate = await rejectionOf(
      asB.ingestions.estimateCost({ draft: { source: { connection: "files", path: "landing" }, format: { type: "JSON" } } }),
    );
    expect({ code: estimate.code, message: estimate.message }).toEqual({ code: "NOT_FOUND", message: "No connection 'files'" });
    const create = await rejectionOf(
      asB.ingestions.create({
        name: "stolen",
        source: { connection: "files", path: "landing" },
        format: { type: "JSON" },
        destination: { schema: "raw", table: "stolen" },
      }),
    );
    expect({ code: create.code, message: create.message }).toEqual({ code: "NOT_FOUND", message: "No connection 'files'" });
    expect(await t.database.prisma.ingestion.count({ where: { tenantId: b.id } })).toBe(0);
  });

  it("tenant B cannot create a local connection on A's directory: it is not under B's granted root", async () => {
    const e = await rejectionOf(asB.connections.create({ name: "theirs", location: { type: "LOCAL", path: path.join(rootA, "landing") } }));
    expect({ code: e.code, message: e.message }).toEqual({
      code: "BAD_REQUEST",
      message: `Local directory ${path.join(rootA, "landing")} is not under a root granted to this tenant (${rootB})`,
    });
    // Nor by climbing out of its own root.
    const climb = await rejectionOf(asB.connections.create({ name: "climb", location: { type: "LOCAL", path: `${rootB}/../a` } }));
    expect(zodIssuesOf(climb)).toEqual({ "location.path": ["A local connection's path must not contain '..'"] });
    expect(await t.database.prisma.connection.count({ where: { tenantId: b.id } })).toBe(0);
  });

  it("tenant B cannot name A's credentials reference or the server's ambient credentials", async () => {
    const s3 = (credentials: object) => ({ type: "S3" as const, bucket: "acme-private", credentials });
    const ref = await rejectionOf(asB.connections.create({ name: "acme", location: s3({ kind: "ENV_REF", ref: "ACME" }) as never }));
    expect({ code: ref.code, message: ref.message }).toEqual({
      code: "BAD_REQUEST",
      message: "Credentials reference ACME is not granted to this tenant; give the connection its own keys",
    });
    const ambient = await rejectionOf(asB.connections.create({ name: "ambient", location: s3({ kind: "AMBIENT" }) as never }));
    expect({ code: ambient.code, message: ambient.message }).toEqual({
      code: "BAD_REQUEST",
      message: "The server's own AWS credentials are not granted to this tenant; give the connection its own keys",
    });
    // A, granted both, may use them on AWS S3 …
    await expect(asA.connections.create({ name: "acme", location: s3({ kind: "ENV_REF", ref: "ACME" }) as never })).resolves.toMatchObject({
      s3: { credentials: { kind: "ENV_REF", ref: "ACME", accessKeyIdHint: null } },
    });
    // … but the server's key is never sent to an endpoint a tenant names.
    const custom = await rejectionOf(
      asA.connections.create({ name: "custom", location: { ...s3({ kind: "AMBIENT" }), endpoint: "https://s3.example.com" } as never }),
    );
    expect(custom.message).toBe(
      "Endpoint https://s3.example.com is not granted to this tenant (allowed: aws); ask the operator to add it to its s3.endpoints grant",
    );
    expect(await t.database.prisma.connection.count({ where: { tenantId: b.id } })).toBe(0);
  });

  it("a grant withdrawn stops the next run at use: the run fails and loads nothing", async () => {
    const ing = await asA.ingestions.create({
      name: "orders",
      source: { connection: "files", path: "landing" },
      format: { type: "JSON" },
      destination: { schema: "raw", table: "orders" },
    });
    expect(ing.source).toMatchObject({ connection: { name: "files", type: "LOCAL" }, path: "landing", uri: path.join(rootA, "landing") });
    // The operator withdraws A's root (deps over other grants, with an executor of their own).
    const withdrawn = direct.withConfig({
      config: { grants: { ...grants, tenants: { ...grants.tenants, [slug.a]: { ...grants.tenants[slug.a], localRoots: [rootB] } } } },
    });
    {
      const { runId } = await callerAs(withdrawn.deps, a.admin.auth).caller.runs.trigger({ ingestionId: ing.id });
      const run = await runEnd(runId);
      expect(run.status).toBe("FAILED");
      // The connection itself is no longer granted (not just the path inside it).
      expect(run.error).toBe(`Local directory ${rootA} is not under a root granted to this tenant (${rootB})`);
      expect(await t.database.prisma.processedFile.count({ where: { ingestionId: ing.id } })).toBe(0);
    }
    const { runId } = await asA.runs.trigger({ ingestionId: ing.id });
    expect((await runEnd(runId)).status).toBe("SUCCEEDED");
    expect(await tableRows(deps.engine.warehouse, slug.a, "raw.orders", "id")).toMatchObject([{ id: "1", secret: A_MARKER }]);
  });

  it("a connection in use cannot be deleted; roles: viewers list, only admins change", async () => {
    const e = await rejectionOf(asA.connections.delete({ name: "files" }));
    expect({ code: e.code, message: e.message }).toEqual({ code: "CONFLICT", message: "Connection 'files' is used by 1 ingestion(s) ('orders'); delete them first" });
    // Nor moved under its ingestion (its file history names paths there); renaming is fine.
    await mkdir(path.join(rootA, "moved"), { recursive: true });
    const moved = await rejectionOf(asA.connections.update({ name: "files", patch: { location: { type: "LOCAL", path: path.join(rootA, "moved") } } }));
    expect({ code: moved.code, message: moved.message }).toEqual({
      code: "BAD_REQUEST",
      message: `Connection 'files' is used by 1 ingestion(s): its location cannot change from ${rootA} to ${path.join(rootA, "moved")} (create another connection); its endpoint, region, path style and credentials can`,
    });
    expect(await asA.connections.get({ name: "files" })).toMatchObject({ type: "LOCAL", local: { path: rootA }, uri: rootA });
    const viewerKey = await createTestKey(deps, a.id, "viewer", "VIEWER");
    const viewer = callerAs(deps, viewerKey.auth).caller;
    const list = await viewer.connections.list();
    expect(list.items.map((c) => c.name).sort()).toEqual(["acme", "files"]);
    const forbidden: TRPCError = await rejectionOf(viewer.connections.delete({ name: "acme" }));
    expect({ code: forbidden.code, message: forbidden.message }).toEqual({
      code: "FORBIDDEN",
      message: "This needs the admin role; your key has the viewer role",
    });
    const editor = callerAs(deps, a.member.auth).caller;
    expect((await rejectionOf(editor.connections.create({ name: "x", location: { type: "LOCAL", path: rootA } }))).code).toBe("FORBIDDEN");
    await expect(asA.connections.delete({ name: "acme" })).resolves.toMatchObject({ name: "acme" });
    expect((await rejectionOf(asB.connections.get({ name: "files" }))).code).toBe("NOT_FOUND");
  });

  let s3: S3TestServer | undefined;
  afterAll(async () => {
    await s3?.stop();
  });

  it("a connection's keys are encrypted at rest and never in any response or log line, across create → preview → run → delete", async () => {
    s3 = await startS3Server();
    await s3.createBucket("private");
    await s3.put("private", "in/a.jsonl", jsonl([{ id: 7 }]));
    // The operator grants A the test server (loopback, so private addresses too).
    const s3Granted = direct.withConfig({
      config: { grants: { ...grants, tenants: { ...grants.tenants, [slug.a]: { ...grants.tenants[slug.a], s3: { endpoints: ["aws", s3.endpoint], allowPrivateAddresses: true } } } } },
    });
    const asA = callerAs(s3Granted.deps, a.admin.auth).caller;
    const responses: unknown[] = [];
    const keep = <T>(r: T): T => (responses.push(r), r);
    const secret = S3RVER_CREDENTIALS.secretAccessKey;
    const created = keep(
      await asA.connections.create({
        name: "s3",
        location: {
          type: "S3",
          bucket: "private",
          endpoint: s3.endpoint,
          forcePathStyle: true,
          credentials: { kind: "KEYS", accessKeyId: S3RVER_CREDENTIALS.accessKeyId, secretAccessKey: secret },
        },
      }),
    );
    expect(created.s3?.credentials).toEqual({ kind: "KEYS", ref: null, accessKeyIdHint: "…" });
    const row = await t.database.prisma.connection.findUniqueOrThrow({ where: { id: created.id } });
    expect(row.secretCiphertext).toMatch(/^v1:[0-9a-f]{8}:[\w-]+:[\w-]+:[\w-]+$/);
    expect(row.secretCiphertext).not.toContain(secret);
    keep(await asA.connections.get({ name: "s3" }));
    keep(await asA.connections.list());
    keep(await asA.connections.test({ name: "s3", path: "in" }));
    keep(await preview(asA, "s3", "in"));
    const ing = keep(
      await asA.ingestions.create({ name: "s3 feed", source: { connection: "s3", path: "in" }, format: { type: "JSON" }, destination: { schema: "raw", table: "s3_feed" } }),
    );
    const { runId } = keep(await asA.runs.trigger({ ingestionId: ing.id }));
    expect((await runEnd(runId)).status).toBe("SUCCEEDED");
    keep(await asA.runs.get({ id: runId }));
    keep(await asA.ingestions.get({ id: ing.id }));
    keep(await asA.ingestions.delete({ id: ing.id, dropTable: true }));
    keep(await asA.connections.delete({ name: "s3" }));
    const everything = JSON.stringify(responses) + JSON.stringify(log.lines);
    expect(everything).not.toContain(secret);
    expect(everything).not.toContain(S3RVER_CREDENTIALS.accessKeyId);
    expect(everything).not.toContain("AKIAACMEREF000000001");
    expect(everything).not.toContain("AKIASERVERAMBIENT0001");
  });
});
