import type { ChangedIngestionView, CreateIngestionInput } from "@/shared/contracts/ingestions";
import type { ServiceDeps } from "@/server/deps";
import {
  adoptTable,
  assertTableUsable,
  inspectTable,
  newIngestionId,
  recordAdoptedFiles,
} from "./destination-table";
import { assertUnique, nextRunFor, resolveIngestionSource, scheduleColumns, withUniqueGuard } from "./ingestion-rules";
import { ingestionSelect, toIngestionView } from "./ingestion-view";

/** The new ingestion, and what happened to an existing destination table it adopted. */
export type CreatedIngestion = ChangedIngestionView;

export async function createIngestion(
  deps: ServiceDeps,
  tenantId: string,
  input: CreateIngestionInput,
): Promise<CreatedIngestion> {
  const source = await resolveIngestionSource(deps, tenantId, input.source);
  const wanted = { name: input.name, schema: input.destination.schema, table: input.destination.table };
  await assertUnique(deps, tenantId, wanted);
  // A table that exists belongs to whoever loaded it: refused unless adopted.
  const existing = await inspectTable(deps, tenantId, input.destination);
  await assertTableUsable(deps, tenantId, input.destination, existing, input.adoptExistingTable);
  const recheck = () => assertUnique(deps, tenantId, wanted);
  const create = (id?: string) =>
    deps.db.ingestion.create({
      data: {
        ...(id ? { id } : {}),
        tenantId,
        name: input.name,
        description: input.description ?? null,
        status: "ACTIVE",
        ...source,
        sourceGlob: input.source.glob ?? null,
        sourceModifiedAfter: input.source.modifiedAfter ?? null,
        listingMode: input.listing.mode,
        fullListingEveryHours: input.listing.fullListingEveryHours,
        format: input.format.type,
        formatOptions: input.format.options,
        destinationSchema: input.destination.schema,
        destinationTable: input.destination.table,
        partitionColumns: input.destination.partitionColumns,
        evolutionMode: input.schemaPolicy.evolutionMode,
        schemaHints: input.schemaPolicy.hints,
        ...scheduleColumns(input.schedule),
        nextRunAt: nextRunFor(deps, "ACTIVE", input.schedule),
        maxFilesPerRun: input.limits.maxFilesPerRun,
        maxBytesPerRun: input.limits.maxBytesPerRun === null ? null : BigInt(input.limits.maxBytesPerRun),
        alertRecipients: input.alertRecipients,
        // From the service clock, like every later update, so the two never disagree.
        createdAt: deps.clock(),
        updatedAt: deps.clock(),
      },
      select: ingestionSelect,
    });

  if (!existing) {
    const row = await withUniqueGuard(recheck, () => create());
    deps.log.info(`[ingestions] created '${row.name}' (${row.id}) for tenant ${tenantId}`);
    return toIngestionView(row, deps.clock());
  }

  // Adoption: the warehouse names the ingestion before its row exists (see adoptTable).
  const id = newIngestionId();
  const { result: row, adoption, message } = await adoptTable(
    deps,
    tenantId,
    {
      ingestionId: id,
      table: input.destination,
      source: {
        tenantId,
        connectionId: source.connectionId,
        sourcePath: source.sourcePath,
        sourceGlob: input.source.glob ?? null,
        sourceModifiedAfter: input.source.modifiedAfter ?? null,
      },
      recheck,
    },
    (files) =>
      withUniqueGuard(recheck, async () => {
        const [created] = await deps.db.$transaction([create(id), ...recordAdoptedFiles(deps.db, id, files, deps.clock())]);
        return created;
      }),
  );
  deps.log.info(`[ingestions] created '${row.name}' (${row.id}) for tenant ${tenantId}, adopting ${adoption.table}`);
  return {
    ...toIngestionView(row, deps.clock()),
    destinationChange: { message, adoption, previousTable: null },
  };
}
