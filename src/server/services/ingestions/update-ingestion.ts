import type { Prisma } from "@/generated/prisma/client";
import { DomainError } from "@/server/domain/errors";
import type { ChangedIngestionView, UpdateIngestionInput } from "@/shared/contracts/ingestions";
import { plural } from "@/shared/format";
import type { ServiceDeps } from "@/server/deps";
import {
  adoptTable,
  assertTableUsable,
  inspectTable,
  recordAdoptedFiles,
  type AdoptingSource,
} from "./destination-table";
import { withIngestionGuard } from "./ingestion-guard";
import { scheduleOf } from "@/server/domain/schedule";
import {
  assertUnique,
  findOwnedIngestion,
  nextRunFor,
  scheduleColumns,
  withUniqueGuard,
} from "./ingestion-rules";
import { ingestionSelect, toIngestionView, type IngestionRow } from "./ingestion-view";
import { RESET_LISTING_STATE } from "@/server/runs/listing-state";

/** Whether a patch changes what the ingestion lists: its glob, modified-after or listing mode. */
function listingReset(
  current: IngestionRow,
  source: { sourceGlob: string | null; sourceModifiedAfter: Date | null } | undefined,
  mode: IngestionRow["listingMode"] | undefined,
): boolean {
  if (mode !== undefined && mode !== current.listingMode) return true;
  if (!source) return false;
  return source.sourceGlob !== current.sourceGlob || source.sourceModifiedAfter?.getTime() !== current.sourceModifiedAfter?.getTime();
}

/** Stable JSON for comparing option objects regardless of key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value);
}

/** The updated ingestion, and, after a move, what happened to the tables. */
export type UpdatedIngestion = ChangedIngestionView;

export async function updateIngestion(
  deps: ServiceDeps,
  tenantId: string,
  { id, patch, adoptExistingTable }: UpdateIngestionInput,
): Promise<UpdatedIngestion> {
  const current = await findOwnedIngestion(deps, tenantId, id);
  const view = toIngestionView(current, deps.clock());

  // The file history records which files of *this* source were loaded with *this* format; a new
  // source or format would make that history describe files that were never read this way.
  if (patch.source) {
    const { connection, path } = patch.source;
    if (connection !== current.connection.name || path !== current.sourcePath) {
      const where = (c: string, p: string) => (p ? `${c}:${p}` : c);
      throw new DomainError(
        "BAD_REQUEST",
        `The source of ingestion '${current.name}' cannot be changed (${where(current.connection.name, current.sourcePath)} → ${where(connection, path)}): its file history would no longer match the files. Create a new ingestion for the new source.`,
        connection !== current.connection.name ? "source.connection" : "source.path",
      );
    }
  }
  if (patch.format && canonical(patch.format) !== canonical(view.format)) {
    throw new DomainError(
      "BAD_REQUEST",
      `The format of ingestion '${current.name}' cannot be changed: files already loaded were read as ${view.format.type} with its options, so the history would no longer match. Create a new ingestion instead.`,
      "format",
    );
  }

  const wanted = {
    name: patch.name !== undefined && patch.name !== current.name ? patch.name : undefined,
    ...(patch.destination &&
    (patch.destination.schema !== current.destinationSchema || patch.destination.table !== current.destinationTable)
      ? { schema: patch.destination.schema, table: patch.destination.table }
      : {}),
  };
  await assertUnique(deps, tenantId, wanted, id);

  const data: Prisma.IngestionUpdateInput = {};
  if (patch.name !== undefined) data.name = patch.name;
  if (patch.description !== undefined) data.description = patch.description;
  const sourcePatch = patch.source && {
    sourceGlob: patch.source.glob ?? null,
    sourceModifiedAfter: patch.source.modifiedAfter ?? null,
  };
  if (sourcePatch) Object.assign(data, sourcePatch);
  if (patch.listing?.mode !== undefined) data.listingMode = patch.listing.mode;
  if (patch.listing?.fullListingEveryHours !== undefined) data.fullListingEveryHours = patch.listing.fullListingEveryHours;
  // The high-water path is where the last listing of *these* files ended: another glob or
  // modified-after selects other files (some sorting before it), and a new mode starts afresh.
  // The next run lists everything once.
  if (listingReset(current, sourcePatch, patch.listing?.mode)) Object.assign(data, RESET_LISTING_STATE);
  // What the ingestion reads once patched: adopting in the same patch takes the files of its new glob and modified-after.
  const reads: AdoptingSource = { ...current, ...sourcePatch };
  if (patch.destination) {
    data.destinationSchema = patch.destination.schema;
    data.destinationTable = patch.destination.table;
    data.partitionColumns = patch.destination.partitionColumns;
  }
  if (patch.schemaPolicy?.evolutionMode !== undefined) data.evolutionMode = patch.schemaPolicy.evolutionMode;
  if (patch.schemaPolicy?.hints !== undefined) data.schemaHints = patch.schemaPolicy.hints;
  if (patch.schedule) {
    Object.assign(data, scheduleColumns(patch.schedule));
    data.nextRunAt = nextRunFor(deps, current.status, patch.schedule);
  } else if (current.status === "ACTIVE" && current.nextRunAt === null) {
    data.nextRunAt = nextRunFor(deps, current.status, scheduleOf(current));
  }
  if (patch.limits) {
    data.maxFilesPerRun = patch.limits.maxFilesPerRun;
    data.maxBytesPerRun = patch.limits.maxBytesPerRun === null ? null : BigInt(patch.limits.maxBytesPerRun);
  }
  if (patch.alertRecipients) data.alertRecipients = patch.alertRecipients;
  // Always written, so an update with unchanged values still records when it happened.
  data.updatedAt = deps.clock();

  const recheck = () => assertUnique(deps, tenantId, wanted, id);
  const update = () => deps.db.ingestion.update({ where: { id: current.id }, data, select: ingestionSelect });
  if (wanted.schema === undefined || wanted.table === undefined) {
    return toIngestionView(await withUniqueGuard(recheck, update), deps.clock());
  }

  // A move. The old table keeps its rows and the history carries on; a table that exists at the
  // new place is refused unless adopted. No run may load while the destination changes.
  const to = { schema: wanted.schema, table: wanted.table };
  const from = { schema: current.destinationSchema, table: current.destinationTable };
  await assertTableUsable(deps, tenantId, to, await inspectTable(deps, tenantId, to), adoptExistingTable);
  return withIngestionGuard<UpdatedIngestion>(deps, current, { doing: "move", operation: "a move to another table" }, async (guard) => {
    const existing = await inspectTable(deps, tenantId, to);
    await assertTableUsable(deps, tenantId, to, existing, adoptExistingTable);
    const left = await inspectTable(deps, tenantId, from);
    const previousTable = { name: `${from.schema}.${from.table}`, exists: left !== null, rows: left?.rows ?? 0 };
    const moved =
      `Moved from ${previousTable.name} to ${to.schema}.${to.table}: ${previousTable.name} ` +
      (left ? `keeps its ${plural(left.rows, "row")}` : "does not exist") +
      `; the file history carries on, so files already loaded are not loaded into ${to.schema}.${to.table} (a FULL refresh reloads everything there)`;
    await guard.assertHeld();
    if (!existing) {
      const row = await withUniqueGuard(recheck, update);
      return { result: { ...toIngestionView(row, deps.clock()), destinationChange: { message: moved, adoption: null, previousTable } } };
    }
    const { result: row, adoption, message } = await adoptTable(
      deps,
      tenantId,
      { ingestionId: current.id, table: to, source: reads, recheck },
      (files) =>
        withUniqueGuard(recheck, async () => {
          await guard.assertHeld();
          const [updated] = await deps.db.$transaction([update(), ...recordAdoptedFiles(deps.db, current.id, files, deps.clock())]);
          return updated;
        }),
    );
    return {
      result: {
        ...toIngestionView(row, deps.clock()),
        destinationChange: { message: `${moved}. ${message}`, adoption, previousTable },
      },
    };
  });
}
