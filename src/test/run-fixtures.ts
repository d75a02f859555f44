// Fixtures for run tests: a tenant and an ingestion over a temp local directory, a direct
// executor, and a way to read the destination table.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { CreateIngestionDraft } from "@/server/domain/ingestion-input";
import { createIngestionInput } from "@/server/domain/ingestion-input";
import type { Warehouse } from "@/server/engine/warehouse";
import { createDirectExecutor, type DirectExecutor } from "@/server/runs/direct-executor";
import type { RunEngine } from "@/server/runs/run-deps";
import type { ServiceDeps } from "@/server/services/deps";
import { createIngestion } from "@/server/services/ingestions/create-ingestion";
import { ensureTenant } from "@/server/services/auth/tenants";
import type { Db } from "@/server/db/database";
import { afterAll, beforeAll } from "vitest";
import { grantsForAll } from "@/server/domain/grants";
import { createLocalConnection, filesSource, FILES, testGrant } from "./connection-fixtures";
import { createTestDatabase, type TestDatabase } from "./databases";
import { testDeps, type TestClock } from "./service-deps";

export interface RunWorld {
  deps: ServiceDeps;
  executor: DirectExecutor;
  root: string;
  tenant: { id: string; slug: string };
  cleanup(): Promise<void>;
}

export async function createRunWorld(
  db: Db,
  opts: {
    clock?: TestClock;
    engine?: Partial<RunEngine>;
    tenantSlug?: string;
    /** S3 endpoints granted besides AWS (the test S3 server's). */
    s3Endpoints?: string[];
    sourceEnv?: Record<string, string | undefined>;
  } = {},
): Promise<RunWorld> {
  const root = await mkdtemp(path.join(os.tmpdir(), "autoloader-run-"));
  // The launcher calls the executor, which needs the deps: tie the knot through a holder.
  const holder: { executor?: DirectExecutor } = {};
  const deps = testDeps(db, {
    localRoots: [root],
    grants: grantsForAll(testGrant([root], opts.s3Endpoints ?? [])),
    ...(opts.sourceEnv ? { sourceEnv: opts.sourceEnv } : {}),
    ...(opts.clock ? { clock: opts.clock } : {}),
    ...(opts.engine ? { engine: opts.engine } : {}),
    runs: {
      kind: "direct",
      launch: async (request) => {
        holder.executor?.start(request.runId);
        return { method: "direct" };
      },
    },
  });
  const executor = createDirectExecutor(() => deps);
  holder.executor = executor;
  const tenant = await ensureTenant(deps, opts.tenantSlug ?? `t-${Math.random().toString(36).slice(2, 10)}`);
  // The tenant reads its root through the connection "files", as a fresh install's default tenant does.
  await createLocalConnection(deps, tenant.id, FILES, root);
  return {
    deps,
    executor,
    root,
    tenant,
    async cleanup() {
      await executor.idle();
      await deps.engine.warehouse.close();
      await rm(root, { recursive: true, force: true });
      // testDeps puts staging in a scratch directory of its own (autoloader-*); never remove the
      // parent of a staging directory a test chose (it once was /tmp itself).
      const scratch = path.dirname(deps.engine.settings.stagingDir);
      if (path.basename(scratch).startsWith("autoloader-") && path.dirname(scratch) === os.tmpdir()) {
        await rm(scratch, { recursive: true, force: true });
      } else {
        await rm(deps.engine.settings.stagingDir, { recursive: true, force: true });
      }
    },
  };
}

/**
 * Gives the calling suite a migrated PGlite database and a run world, torn down after it.
 * Read `.world` inside hooks and tests (it exists once the suite has started).
 */
export function useRunWorld(opts?: Parameters<typeof createRunWorld>[1]): { readonly world: RunWorld } {
  let t: TestDatabase | undefined;
  let world: RunWorld | undefined;
  beforeAll(async () => {
    t = await createTestDatabase("pglite");
    world = await createRunWorld(t.database.prisma, opts);
  });
  afterAll(async () => {
    await world?.cleanup();
    await t?.destroy();
  });
  return {
    get world() {
      if (!world) throw new Error("useRunWorld: the suite has not started yet");
      return world;
    },
  };
}

export async function writeFiles(dir: string, files: Record<string, string | Buffer>): Promise<void> {
  for (const [rel, content] of Object.entries(files)) {
    const full = path.join(dir, rel);
    await mkdir(path.dirname(full), { recursive: true });
    await writeFile(full, content);
  }
}

export const jsonl = (rows: object[]) => rows.map((r) => JSON.stringify(r)).join("\n") + "\n";

/** A test shorthand: a directory under the world's root, read through its "files" connection. */
export type DirSource = { uri: string; glob?: string; modifiedAfter?: Date | string | null };

export async function makeIngestion(
  world: RunWorld,
  draft: Partial<Omit<CreateIngestionDraft, "source">> & { source?: CreateIngestionDraft["source"] | DirSource } = {},
) {
  const source = draft.source ?? { connection: FILES, path: "landing" };
  const input = createIngestionInput.parse({
    name: draft.name ?? `ing-${Math.random().toString(36).slice(2, 8)}`,
    source: "uri" in source ? (({ uri, ...rest }) => filesSource(world.root, uri, rest))(source) : source,
    format: draft.format ?? { type: "JSON" },
    destination: draft.destination ?? { schema: "raw", table: `t_${Math.random().toString(36).slice(2, 8)}` },
    ...(draft.schemaPolicy ? { schemaPolicy: draft.schemaPolicy } : {}),
    ...(draft.limits ? { limits: draft.limits } : {}),
  });
  return createIngestion(world.deps, world.tenant.id, input);
}

/** Rows of a destination table (system columns included), ordered for stable assertions. */
export async function tableRows(warehouse: Warehouse, tenantKey: string, table: string, orderBy = "1") {
  return warehouse.withConnection(tenantKey, async (c) => {
    const r = await c.runAndReadAll(`SELECT * FROM ${table} ORDER BY ${orderBy}`);
    return r.getRowObjectsJson();
  });
}

export async function ledgerPaths(warehouse: Warehouse, tenantKey: string, ingestionId: string): Promise<string[]> {
  return warehouse.withConnection(tenantKey, async (c) => {
    const r = await c.runAndReadAll(
      `SELECT path FROM _autoloader.loaded_files WHERE ingestion_id = '${ingestionId}' ORDER BY path`,
    );
    return (r.getRowObjectsJson() as { path: string }[]).map((x) => x.path);
  });
}
