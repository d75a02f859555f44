// The process runtime on real data directories: the first-start bootstrap (tenant, admin key file,
// session secret), restarts that keep data, the embedded database's process lock, and concurrent
// starts against one PostgreSQL server.
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { access, readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { loadConfig } from "@/env";
import { authenticateApiKey } from "@/server/services/auth/authenticate-api-key";
import { callerAs, recordingLogger, type RecordingLogger } from "@/test/world";
import { ingestionDraft } from "@/test/ingestion-fixtures";
import { createScratchDatabase } from "@/test/postgres";
import { makeTempDir, type TempDir } from "@/test/temp-dirs";
import { openRuntime, type Runtime } from "./runtime";

const modeOf = async (file: string) => (await stat(file)).mode & 0o777;
const exists = (file: string) => access(file).then(() => true, () => false);
const linesWith = (log: RecordingLogger, text: string) => log.lines.filter((l) => l.message.includes(text));

describe("the embedded database's planner statistics", () => {
  // PGlite runs no autovacuum: without an ANALYZE its planner assumes every table is as it was
  // created, and a tenant-wide runs.list or a file history's counts fall into nested loops.
  it("are refreshed at every start, so the planner knows the tables' sizes", async () => {
    const dataDir = await makeTempDir("runtime-analyze");
    try {
      const start = () => openRuntime(loadConfig({ AUTOLOADER_DATA_DIR: dataDir.path }, dataDir.path), recordingLogger());
      const first = await start();
      await first.database.prisma.$executeRawUnsafe(
        `INSERT INTO "Tenant" ("id", "slug", "name", "updatedAt") SELECT 't' || g, 'tenant-' || g, 'tenant ' || g, now() FROM generate_series(1, 300) g`,
      );
      await first.close();
      const second = await start();
      try {
        const [rel] = await second.database.prisma.$queryRaw<{ n: number }[]>`SELECT reltuples::float8 AS n FROM pg_class WHERE relname = 'Tenant'`;
        expect(rel?.n).toBe(301);
      } finally {
        await second.close();
      }
    } finally {
      await dataDir.remove();
    }
  });
});

describe("runtime on the embedded database", () => {
  let dataDir: TempDir;
  let open: (env?: Record<string, string>) => Promise<{ runtime: Runtime; log: RecordingLogger }>;
  /** Set by the first start, checked by the later ones. */
  let firstKey = "";
  let firstSecret = "";
  let ingestionId = "";

  beforeAll(async () => {
    dataDir = await makeTempDir("runtime");
    open = async (env = {}) => {
      const log = recordingLogger();
      const runtime = await openRuntime(loadConfig({ AUTOLOADER_DATA_DIR: dataDir.path, ...env }, dataDir.path), log);
      return { runtime, log };
    };
  });
  afterAll(() => dataDir.remove());

  it("at first start creates tenant 'default' and an admin key, saved with mode 600 and logged once", async () => {
    const { runtime, log } = await open();
    try {
      const keyFile = path.join(dataDir.path, "admin-key");
      firstKey = (await readFile(keyFile, "utf8")).trim();
      expect(firstKey).toMatch(/^al_[A-Za-z0-9_-]{32}$/);
      expect(await modeOf(keyFile)).toBe(0o600);
      expect(linesWith(log, firstKey)).toHaveLength(1);
      expect(linesWith(log, firstKey)[0]!.message).toContain(keyFile);

      const db = runtime.database.prisma;
      expect(await db.tenant.findMany({ select: { slug: true } })).toEqual([{ slug: "default" }]);
      const auth = await authenticateApiKey(runtime.deps, firstKey);
      expect(auth).toMatchObject({ role: "ADMIN", via: "api-key" });
      expect(await db.apiKey.count()).toBe(1);

      // The session secret is generated once, private, and long.
      const secretFile = path.join(dataDir.path, "session-secret");
      firstSecret = runtime.sessionSecret;
      expect(firstSecret.length).toBeGreaterThanOrEqual(32);
      expect((await readFile(secretFile, "utf8")).trim()).toBe(firstSecret);
      expect(await modeOf(secretFile)).toBe(0o600);
      // The default local root exists, and the embedded database is locked by this process.
      expect(runtime.config.localRoots).toEqual([path.join(dataDir.path, "files")]);
      expect(await exists(path.join(dataDir.path, "files"))).toBe(true);
      expect(await readFile(path.join(dataDir.path, "pglite.lock"), "utf8")).toBe(String(process.pid));

      const created = await callerAs(runtime.deps, auth).caller.ingestions.create(
        ingestionDraft(runtime.config.localRoots[0]!, "survives restarts"),
      );
      ingestionId = created.id;
    } finally {
      await runtime.close();
    }
    expect(await exists(path.join(dataDir.path, "pglite.lock"))).toBe(false);
  });

  it("keeps its data across a restart, without a new key or secret", async () => {
    expect(ingestionId).not.toBe("");
    const { runtime, log } = await open();
    try {
      const auth = await authenticateApiKey(runtime.deps, firstKey);
      expect(auth).not.toBeNull();
      await expect(callerAs(runtime.deps, auth).caller.ingestions.get({ id: ingestionId })).resolves.toMatchObject({
        name: "survives restarts",
      });
      expect(await runtime.database.prisma.apiKey.count()).toBe(1);
      expect(await runtime.database.prisma.tenant.count()).toBe(1);
      expect((await readFile(path.join(dataDir.path, "admin-key"), "utf8")).trim()).toBe(firstKey);
      expect(linesWith(log, "First start")).toEqual([]);
      expect(linesWith(log, "al_")).toEqual([]);
      // Nothing to migrate the second time.
      expect(linesWith(log, "applied migrations")).toEqual([]);
      expect(runtime.sessionSecret).toBe(firstSecret);
    } finally {
      await runtime.close();
    }
  });

  it("uses AUTOLOADER_SESSION_SECRET over the file when it is set", async () => {
    const secret = "s".repeat(40);
    const { runtime } = await open({ AUTOLOADER_SESSION_SECRET: secret });
    try {
      expect(runtime.sessionSecret).toBe(secret);
      expect((await readFile(path.join(dataDir.path, "session-secret"), "utf8")).trim()).toBe(firstSecret);
    } finally {
      await runtime.close();
    }
  });

  it("refuses a data directory that another live process holds, and takes over a dead one's lock", async () => {
    const lockFile = path.join(dataDir.path, "pglite.lock");
    const { runtime: first } = await open();
    let other: ChildProcess | undefined;
    try {
      // Another process holding the directory: a live child, its pid in the lock file.
      other = spawn("sleep", ["30"], { stdio: "ignore" });
      await once(other, "spawn");
      const otherPid = other.pid!;
      await writeFile(lockFile, String(otherPid));
      await expect(open()).rejects.toThrow(
        `The embedded database in ${dataDir.path} is in use by process ${otherPid} (a running Autoloader server?). ` +
          "Stop that process first, or use the dashboard's API keys page while it runs.",
      );
      // Closing does not remove a lock that another process holds.
      await first.close();
      expect(await readFile(lockFile, "utf8")).toBe(String(otherPid));

      const exited = once(other, "exit");
      other.kill("SIGTERM");
      await exited;
      other = undefined;
    } finally {
      if (other) other.kill("SIGKILL");
      await first.close();
    }
    // The holder is gone: its lock is stale, and the next start takes it over.
    const { runtime: next } = await open();
    try {
      expect(await readFile(lockFile, "utf8")).toBe(String(process.pid));
      expect(await next.database.prisma.ingestion.count()).toBe(1);
    } finally {
      await next.close();
    }
  });
});

// On a PostgreSQL server several servers may start at once; only one may create the first key.
(inject("postgres") ? describe : describe.skip)("runtime on PostgreSQL [postgres]", () => {
  let dirs: TempDir[];
  let scratch: { url: string; drop: () => Promise<void> };

  beforeAll(async () => {
    [scratch, ...dirs] = await Promise.all([createScratchDatabase(), makeTempDir("pg-a"), makeTempDir("pg-b")]);
  });
  afterAll(async () => {
    await scratch.drop();
    await Promise.all(dirs.map((d) => d.remove()));
  });

  it("creates one tenant and one admin key when two servers start at the same moment", async () => {
    const runtimes = await Promise.all(
      dirs.map((d) => openRuntime(loadConfig({ DATABASE_URL: scratch.url, AUTOLOADER_DATA_DIR: d.path }, d.path), recordingLogger())),
    );
    try {
      const db = runtimes[0]!.database.prisma;
      expect(await db.tenant.findMany({ select: { slug: true } })).toEqual([{ slug: "default" }]);
      expect(await db.apiKey.count()).toBe(1);
      const keyFiles = await Promise.all(dirs.map((d) => exists(path.join(d.path, "admin-key"))));
      expect(keyFiles.filter(Boolean)).toHaveLength(1);
      const writer = dirs[keyFiles.indexOf(true)]!;
      const key = (await readFile(path.join(writer.path, "admin-key"), "utf8")).trim();
      await expect(authenticateApiKey(runtimes[1]!.deps, key)).resolves.toMatchObject({ role: "ADMIN" });
      // No embedded-database lock with a server database.
      for (const d of dirs) expect(await exists(path.join(d.path, "pglite.lock"))).toBe(false);
    } finally {
      await Promise.all(runtimes.map((r) => r.close()));
    }
  });
});
