import type { ServiceDeps } from "@/server/deps";
import type { DeleteIngestionOutput } from "@/shared/contracts/ingestions";
import { tenantDestination } from "./destination-table";
import { withIngestionGuard } from "./ingestion-guard";
import { findOwnedIngestion } from "./ingestion-rules";

/** What ingestions.delete answers (shared/contracts/ingestions.ts). */
export type DeleteResult = DeleteIngestionOutput;

/**
 * Deletes an ingestion: its runs, file history and schema versions cascade. With `dropTable` its
 * destination table and ledger entries go first (one warehouse transaction); if that fails,
 * nothing is deleted. Without it the table stays, and the answer says so.
 */
export async function deleteIngestion(
  deps: ServiceDeps,
  tenantId: string,
  id: string,
  opts: { dropTable?: boolean } = {},
): Promise<DeleteResult> {
  const current = await findOwnedIngestion(deps, tenantId, id);
  const table = `${current.destinationSchema}.${current.destinationTable}`;
  return withIngestionGuard(deps, current, { doing: "delete", operation: "a deletion" }, async (guard) => {
    await guard.assertHeld();
    let dropped = { tableExisted: false, rowsDropped: 0 };
    if (opts.dropTable) {
      // Paused first: should the process die after the drop, the ingestion that is left (with its
      // history, without its table) does not run on a schedule until it is deleted again.
      await deps.db.ingestion.update({ where: { id }, data: { status: "PAUSED", nextRunAt: null } });
      try {
        dropped = await (await tenantDestination(deps, tenantId)).drop({
          ingestionId: id,
          schema: current.destinationSchema,
          table: current.destinationTable,
        });
      } catch (error) {
        await deps.db.ingestion.update({ where: { id }, data: { status: current.status, nextRunAt: current.nextRunAt } });
        throw error;
      }
    }
    // The guard run row goes with the ingestion.
    await deps.db.ingestion.deleteMany({ where: { id, tenantId } });
    deps.log.info(
      `[ingestions] deleted '${current.name}' (${id}) for tenant ${tenantId}` +
        (opts.dropTable ? `, dropped ${table} (${dropped.rowsDropped} rows)` : `, kept ${table}`),
    );
    const message = opts.dropTable
      ? dropped.tableExisted
        ? `Deleted ingestion '${current.name}' and dropped table ${table} (${dropped.rowsDropped.toLocaleString("en-US")} rows)`
        : `Deleted ingestion '${current.name}'; table ${table} did not exist`
      : `Deleted ingestion '${current.name}'; table ${table} was kept with its data`;
    return {
      result: { id, name: current.name, table, tableDropped: opts.dropTable === true && dropped.tableExisted, rowsDropped: dropped.rowsDropped, message },
      keep: true,
    };
  });
}
