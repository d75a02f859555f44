// The embedded DuckDB warehouse: one database file per tenant under the warehouse directory
// (`<tenant>.duckdb`), so tenants' tables can never meet, each holding the ledger of loaded
// files in schema `_autoloader` (engine/destinations/ledger.ts).
import { constants } from "node:fs";
import { access, mkdir } from "node:fs/promises";
import path from "node:path";
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { ensureLedger, type LegacyDestinations } from "../ledger";
import { defaultEngineResources, type EngineResources } from "@/server/engine/resources";

/** Runs `fn` in one DuckDB transaction: committed when it returns, rolled back when it throws. */
export async function inTransaction<T>(c: DuckDBConnection, fn: () => Promise<T>): Promise<T> {
  await c.run("BEGIN TRANSACTION");
  try {
    const out = await fn();
    await c.run("COMMIT");
    return out;
  } catch (error) {
    await c.run("ROLLBACK").catch(() => undefined);
    throw error;
  }
}

export interface WarehouseOptions {
  /** DuckDB's memory_limit per tenant database, e.g. "512MB"; it spills to disk beyond it. Default: engine/resources.ts. */
  memoryLimit?: string;
  /** Default: every core. */
  threads?: number;
  /**
   * Where the ingestions of a tenant load, for bringing a first-version ledger (which did not
   * record tables) up to date when the tenant's database is first opened.
   */
  legacyDestinations?: (tenantKey: string) => Promise<LegacyDestinations>;
}

export class Warehouse {
  private readonly instances = new Map<string, Promise<DuckDBInstance>>();
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(
    readonly dir: string,
    private readonly options: WarehouseOptions = {},
  ) {}

  /** The DuckDB limits each tenant database opens with (previews use the same). */
  get resources(): EngineResources {
    const defaults = defaultEngineResources();
    return { memoryLimit: this.options.memoryLimit ?? defaults.memoryLimit, threads: this.options.threads ?? defaults.threads };
  }

  fileFor(tenantKey: string): string {
    if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(tenantKey)) throw new Error(`Invalid tenant key for the warehouse: ${tenantKey}`);
    return path.join(this.dir, `${tenantKey}.duckdb`);
  }

  private instance(tenantKey: string): Promise<DuckDBInstance> {
    let p = this.instances.get(tenantKey);
    if (!p) {
      p = (async () => {
        await mkdir(this.dir, { recursive: true });
        // Extensions that are not built in would be downloaded: never, offline.
        const { memoryLimit, threads } = this.resources;
        const instance = await DuckDBInstance.create(this.fileFor(tenantKey), {
          autoinstall_known_extensions: "false",
          autoload_known_extensions: "true",
          memory_limit: memoryLimit,
          threads: String(threads),
          // Loads count rows per file from rowids, not from row order; dropping the order
          // guarantee lets DuckDB stream large inserts with less memory.
          preserve_insertion_order: "false",
          temp_directory: path.join(this.dir, ".tmp"),
        });
        const c = await instance.connect();
        try {
          await ensureLedger(c, async () => (await this.options.legacyDestinations?.(tenantKey)) ?? new Map());
        } finally {
          c.closeSync();
        }
        return instance;
      })();
      p.catch(() => this.instances.delete(tenantKey));
      this.instances.set(tenantKey, p);
    }
    return p;
  }

  async withConnection<T>(tenantKey: string, fn: (c: DuckDBConnection) => Promise<T>): Promise<T> {
    const connection = await (await this.instance(tenantKey)).connect();
    try {
      return await fn(connection);
    } finally {
      connection.closeSync();
    }
  }

  /** Whether the tenant has a warehouse database yet (without creating one). */
  async hasDatabase(tenantKey: string): Promise<boolean> {
    if (this.instances.has(tenantKey)) return true;
    return access(this.fileFor(tenantKey)).then(
      () => true,
      () => false,
    );
  }

  /**
   * Runs `fn` once every earlier call with the same key has settled. A warehouse file is only
   * ever opened by one process (DuckDB locks it), so this orders all of a table's owners.
   */
  async serially<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const mine = (this.queues.get(key) ?? Promise.resolve()).catch(() => undefined).then(fn);
    const tail = mine.catch(() => undefined);
    this.queues.set(key, tail);
    try {
      return await mine;
    } finally {
      if (this.queues.get(key) === tail) this.queues.delete(key);
    }
  }

  /** Checks that the warehouse directory exists and is writable (for health). */
  async check(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await access(this.dir, constants.W_OK);
  }

  async close(): Promise<void> {
    const all = [...this.instances.values()];
    this.instances.clear();
    for (const p of all) {
      const instance = await p.catch(() => null);
      instance?.closeSync();
    }
  }
}
