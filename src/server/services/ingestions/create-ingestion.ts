import type { CreateIngestionInput } from "@/server/domain/ingestion-input";
import type { ServiceDeps } from "../deps";
import {
  assertSourceAllowed,
  assertUnique,
  nextRunFor,
  scheduleColumns,
  sourceOptionsColumn,
  withUniqueGuard,
} from "./ingestion-rules";
import { ingestionSelect, toIngestionView, type IngestionView } from "./ingestion-view";

export async function createIngestion(
  deps: ServiceDeps,
  tenantId: string,
  input: CreateIngestionInput,
): Promise<IngestionView> {
  const source = await assertSourceAllowed(deps, input.source.uri);
  const wanted = { name: input.name, schema: input.destination.schema, table: input.destination.table };
  await assertUnique(deps, tenantId, wanted);
  const row = await withUniqueGuard(
    () => assertUnique(deps, tenantId, wanted),
    () =>
      deps.db.ingestion.create({
        data: {
          tenantId,
          name: input.name,
          description: input.description ?? null,
          status: "ACTIVE",
          sourceType: source.type,
          sourceUri: source.uri,
          sourceGlob: input.source.glob ?? null,
          sourceModifiedAfter: input.source.modifiedAfter ?? null,
          sourceOptions: sourceOptionsColumn(input.source, source.type),
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
      }),
  );
  deps.log.info(`[ingestions] created '${row.name}' (${row.id}) for tenant ${tenantId}`);
  return toIngestionView(row, deps.clock());
}
