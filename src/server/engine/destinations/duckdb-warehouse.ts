// The embedded DuckDB warehouse as a Destination: one database file per tenant (duckdb/warehouse.ts)
// holding the tenant's tables and the ledger of their loaded files (ledger.ts). Each call opens
// one connection and, where it changes anything, one transaction (duckdb/load-batch.ts,
// duckdb/maintenance.ts, duckdb/adoption.ts).
import type { Destination, DestinationTarget, Destinations, TableRef, TableState } from "./destination";
import { adoptLedger } from "./duckdb/adoption";
import { tableColumns, tableSql } from "./duckdb/catalog";
import { loadBatch } from "./duckdb/load-batch";
import { describeTable, dropDestination, forgetLoadedFiles } from "./duckdb/maintenance";
import type { Warehouse } from "./duckdb/warehouse";
import { ledgerRowsOf } from "./ledger";

export class DuckDbWarehouseDestination implements Destination {
  constructor(
    private readonly warehouse: Warehouse,
    private readonly tenantKey: string,
  ) {}

  writeBatch: Destination["writeBatch"] = (target, files, hooks) =>
    this.warehouse.withConnection(this.tenantKey, (c) => loadBatch(c, target, files, hooks));

  ledgerEntries: Destination["ledgerEntries"] = (scope, paths) =>
    this.warehouse.withConnection(this.tenantKey, (c) => ledgerRowsOf(c, scope, paths));

  removeFiles: Destination["removeFiles"] = (scope, paths) =>
    this.warehouse.withConnection(this.tenantKey, (c) => forgetLoadedFiles(c, scope, paths));

  drop: Destination["drop"] = (scope) => this.warehouse.withConnection(this.tenantKey, (c) => dropDestination(c, scope));

  async describe(t: TableRef): Promise<TableState> {
    // A tenant that never loaded has no database: answered without creating one.
    if (!(await this.warehouse.hasDatabase(this.tenantKey))) return { table: null, ledger: [] };
    return this.warehouse.withConnection(this.tenantKey, (c) => describeTable(c, t));
  }

  async sampleRows(t: TableRef, limit: number): Promise<Record<string, unknown>[]> {
    if (!(await this.warehouse.hasDatabase(this.tenantKey))) return [];
    return this.warehouse.withConnection(this.tenantKey, async (c) => {
      if ((await tableColumns(c, t.schema, t.table)) === null) return [];
      const r = await c.runAndReadAll(
        `SELECT * FROM ${await tableSql(c, t)} LIMIT ${Math.max(0, Math.trunc(limit))}`,
      );
      return r.getRowObjectsJson() as Record<string, unknown>[];
    });
  }

  adopt: Destination["adopt"] = (to, accepts, now) =>
    this.warehouse.withConnection(this.tenantKey, (c) => adoptLedger(c, to, accepts, now));

  exclusive<T>(t: TableRef, fn: () => Promise<T>): Promise<T> {
    // The warehouse file is opened by this process alone, so an in-process queue orders its owners.
    return this.warehouse.serially(`${this.tenantKey}/${t.schema}.${t.table}`, fn);
  }
}

/** Every tenant's tables in its own database of `warehouse`. */
export function duckdbDestinations(warehouse: Warehouse): Destinations {
  return (target: DestinationTarget) => new DuckDbWarehouseDestination(warehouse, target.tenantKey);
}
