// The server's data files are its secrets (the embedded database with key hashes and sessions, the
// warehouse, the session secret, the first admin key): created 0600 (directories 0700) whatever the
// umask, and ones left readable by an older release tightened at start. Local source roots under
// the data directory are the operator's files and keep their modes.
import { chmod, lstat, mkdir, readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "@/env";
import { openRuntime, type Runtime } from "@/server/runtime";
import { recordingLogger } from "@/test/world";
import { makeTempDir, type TempDir } from "@/test/temp-dirs";

const mode = async (p: string) => ((await lstat(p)).mode & 0o777).toString(8);

/** Every file and directory under `dir` whose permissions let anyone but the owner in. */
async function openToOthers(dir: string, skip: string[] = []): Promise<string[]> {
  const out: string[] = [];
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  for (const e of entries) {
    const p = path.join(e.parentPath, e.name);
    if (e.isSymbolicLink() || skip.some((s) => p === s || p.startsWith(`${s}/`))) continue;
    if (((await lstat(p)).mode & 0o077) !== 0) out.push(`${path.relative(dir, p)} ${await mode(p)}`);
  }
  return out;
}

describe("data files", () => {
  let dir: TempDir;
  let runtime: Runtime;
  let previousUmask: number;
  let dataDir: string;
  let root: string;

  beforeAll(async () => {
    dir = await makeTempDir("modes");
    dataDir = path.join(dir.path, "data");
    root = path.join(dataDir, "files");
    // As a typical shell leaves it: new files 0644, directories 0755.
    previousUmask = process.umask(0o022);
    // Left by an older release, world-readable.
    await mkdir(root, { recursive: true });
    await writeFile(path.join(dataDir, "calibration.json"), "{}", { mode: 0o644 });
    await writeFile(path.join(dataDir, "session-secret"), "s".repeat(48), { mode: 0o644 });
    await chmod(dataDir, 0o755);
    await writeFile(path.join(root, "landing.json"), "{}", { mode: 0o644 });
    // A root the grants file gives another tenant, also under the data directory.
    await mkdir(path.join(dataDir, "acme-files"), { recursive: true });
    await writeFile(path.join(dataDir, "acme-files", "orders.json"), "{}", { mode: 0o644 });
    await writeFile(
      path.join(dataDir, "grants.json"),
      JSON.stringify({ tenants: { default: { localRoots: [root] }, acme: { localRoots: [path.join(dataDir, "acme-files")] } } }),
      { mode: 0o644 },
    );
    runtime = await openRuntime(
      loadConfig({ AUTOLOADER_DATA_DIR: dataDir, AUTOLOADER_SECRETS_KEY: undefined }, dir.path),
      recordingLogger(),
    );
  });
  afterAll(async () => {
    await runtime?.close();
    process.umask(previousUmask);
    await dir?.remove();
  });

  it("creates the embedded database, session secret and admin key owner-only, and tightens older files", async () => {
    expect(await mode(dataDir)).toBe("700");
    expect(await mode(path.join(dataDir, "pglite"))).toBe("700");
    expect(await mode(path.join(dataDir, "admin-key"))).toBe("600");
    expect(await mode(path.join(dataDir, "session-secret"))).toBe("600");
    expect(await mode(path.join(dataDir, "calibration.json"))).toBe("600");
    expect(await openToOthers(dataDir, [root, path.join(dataDir, "acme-files")])).toEqual([]);
    // The operator's source files are left as they are, in every granted root.
    expect(await mode(path.join(root, "landing.json"))).toBe("644");
    expect(await mode(path.join(dataDir, "acme-files", "orders.json"))).toBe("644");
  });

  it("writes the warehouse (.duckdb and its WAL) and staging directories owner-only", async () => {
    const warehouse = runtime.deps.engine.warehouse;
    await warehouse.withConnection("default", async (c) => {
      await c.run("CREATE TABLE t AS SELECT range AS id FROM range(1000)");
      await c.run("INSERT INTO t SELECT range FROM range(1000)");
      const names = await readdir(runtime.config.warehouseDir);
      expect(names).toContain("default.duckdb");
      for (const n of names) {
        const p = path.join(runtime.config.warehouseDir, n);
        expect({ n, mode: await mode(p) }).toEqual({ n, mode: (await lstat(p)).isDirectory() ? "700" : "600" });
      }
    });
    // What a run does with an S3 object (pipeline.ts): a directory per run, the object in it.
    const staging = path.join(runtime.config.stagingDir, "run-1");
    await mkdir(staging, { recursive: true });
    await writeFile(path.join(staging, "object.json"), "{}");
    expect(await mode(runtime.config.warehouseDir)).toBe("700");
    expect(await mode(runtime.config.stagingDir)).toBe("700");
    expect(await mode(path.join(staging, "object.json"))).toBe("600");
    expect(await openToOthers(dataDir, [root, path.join(dataDir, "acme-files")])).toEqual([]);
  });
});
