// A destination table belongs to one ingestion. Creating on, or moving to, a table that already
// exists in the tenant's warehouse is refused unless the user adopts it; adopting takes over the
// table's ledger rows of the files the ingestion would load and records those files in its
// history, so none is loaded twice. Rows of other files stay, and stay the others'.
import type { Db } from "@/server/db/database";
import { uuid7 } from "@/server/db/uuid7";
import { DomainError } from "@/server/domain/errors";
import { plural } from "@/shared/format";
import type { Destination, LedgerSummary } from "@/server/engine/destinations/destination";
import { destinationOf } from "@/server/engine/destinations/destination-of";
import { matcher } from "@/server/domain/file-selection";
import { listAll } from "@/server/sources/listing";
import { SourceError, type SourceObject } from "@/server/sources/source";
import { tenantKey } from "../auth/tenants";
import type { ServiceDeps } from "@/server/deps";
import type { DestinationChange } from "@/shared/contracts/ingestions";

export type Adoption = NonNullable<DestinationChange["adoption"]>;

export interface TableName {
  schema: string;
  table: string;
}

/** What an adopting ingestion reads: its source, glob and modified-after. */
export interface AdoptingSource {
  tenantId: string;
  connectionId: string;
  sourcePath: string;
  sourceGlob: string | null;
  sourceModifiedAfter: Date | null;
}

/** One adopted file as the history records it. */
export interface AdoptedHistoryFile {
  path: string;
  rows: number;
  loadedAt: string;
  /** From the listing; null when the file is no longer in the source. */
  listed: SourceObject | null;
}

const nameOf = (t: TableName) => `${t.schema}.${t.table}`;

/** Where the tenant's tables are: every service reaches a table through this. */
export async function tenantDestination(deps: ServiceDeps, tenantId: string): Promise<Destination> {
  return destinationOf(deps.engine, { tenantKey: await tenantKey(deps, tenantId) });
}

/** A destination table that exists: its rows, whether they carry `_source_file`, and whose ledger rows it has. */
export interface ExistingTable {
  rows: number;
  hasLineage: boolean;
  ledger: LedgerSummary[];
}

/** The table at the destination, or null when there is none (creating nothing). */
export async function inspectTable(deps: ServiceDeps, tenantId: string, t: TableName): Promise<ExistingTable | null> {
  const { table, ledger } = await (await tenantDestination(deps, tenantId)).describe(t);
  return table === null ? null : { rows: table.rows, hasLineage: table.hasLineage, ledger };
}

/** "loaded by ingestion 'x' and a deleted ingestion: 12 files in their ledger". */
async function origin(deps: ServiceDeps, tenantId: string, ledger: ExistingTable["ledger"]): Promise<string> {
  if (ledger.length === 0) return "none of them recorded in the ledger of loaded files";
  const live = await deps.db.ingestion.findMany({
    where: { tenantId, id: { in: ledger.map((l) => l.ingestionId) } },
    select: { name: true },
    orderBy: { name: "asc" },
  });
  const deleted = ledger.length - live.length;
  const who = [
    ...live.map((i) => `ingestion '${i.name}'`),
    ...(deleted === 0 ? [] : [deleted === 1 ? "a deleted ingestion" : `${deleted} deleted ingestions`]),
  ];
  const loaders = who.length === 1 ? who[0] : `${who.slice(0, -1).join(", ")} and ${who[who.length - 1]}`;
  const files = ledger.reduce((n, l) => n + l.files, 0);
  return `loaded by ${loaders}: ${plural(files, "file")} in ${ledger.length === 1 ? "its" : "their"} ledger`;
}

/**
 * Refuses a destination table that exists unless `adopt`, and one whose rows cannot be told apart
 * by file (no `_source_file`: not made by Autoloader) always; both name the table and its rows.
 */
export async function assertTableUsable(
  deps: ServiceDeps,
  tenantId: string,
  t: TableName,
  existing: ExistingTable | null,
  adopt: boolean,
): Promise<void> {
  if (!existing) return;
  const name = nameOf(t);
  const rows = plural(existing.rows, "row");
  if (!existing.hasLineage) {
    throw new DomainError(
      "CONFLICT",
      `Table ${name} already exists with ${rows} and has no _source_file column (it was not made by Autoloader), so its rows cannot be told apart by file and it cannot be adopted; choose another table`,
      "destination.table",
    );
  }
  if (!adopt) {
    throw new DomainError(
      "CONFLICT",
      `Table ${name} already exists with ${rows} (${await origin(deps, tenantId, existing.ledger)}); set adoptExistingTable to take it over, or choose another table`,
      "destination.table",
    );
  }
}

/** What adoption says; `bySourceFile` of the adopted files had no ledger entry and were known by their rows' `_source_file`. */
export function adoptionMessage(a: Adoption, bySourceFile = 0): string {
  const known =
    bySourceFile === 0
      ? ""
      : bySourceFile < a.filesAdopted
        ? ` (${bySourceFile} of them known only by their rows' _source_file: the ledger had no entry for ${bySourceFile === 1 ? "it" : "them"} in this table)`
        : a.filesAdopted === 1
          ? " (known only by its rows' _source_file: the ledger had no entry for it in this table)"
          : " (all known only by their rows' _source_file: the ledger had no entry for them in this table)";
  const took =
    a.filesAdopted === 0
      ? "none of its files lie under this ingestion's source and glob, so its history starts empty"
      : `${plural(a.filesAdopted, "file")} (${plural(a.rowsAdopted, "row")}) joined the file history and will not load again${known}`;
  const left =
    a.rowsLeft === 0
      ? ""
      : `; ${plural(a.rowsLeft, "other row")} (${plural(a.filesLeft, "file")} this ingestion does not read) ${a.rowsLeft === 1 ? "stays" : "stay"} in the table untouched`;
  return `Adopted table ${a.table} with ${plural(a.rowsAdopted + a.rowsLeft, "row")}: ${took}${left}`;
}

/**
 * Adopts the table for `ingestionId` (which `writeMetadata` creates or moves there). Order, so
 * that a crash anywhere loses nothing and loads nothing twice:
 *  1. the source is listed (nothing changes);
 *  2. one warehouse transaction re-keys the table's ledger rows of the ingestion's files to it,
 *     and writes rows for the files the table holds (by `_source_file`) that its ledger lacks;
 *  3. `writeMetadata` commits the ingestion's row and those files' SUCCESS history together.
 * The ledger is the truth, so it goes first. A crash after 2 leaves those ledger rows under an id
 * that no ingestion has, or that still loads its old table — the state adoption starts from —
 * and the metadata unchanged; adopting again completes it (step 2 is idempotent). Even with the
 * history missing, a run would find the files in the ingestion's ledger and not load them again.
 * Metadata first would be worse: a history claiming rows that the ledger still gives to another
 * id, which reprocess would then fail to remove before loading them again.
 * Adoptions of one table run one at a time, and re-check the table's owner (`recheck`) first.
 */
export async function adoptTable<T>(
  deps: ServiceDeps,
  tenantId: string,
  a: { ingestionId: string; table: TableName; source: AdoptingSource; recheck: () => Promise<void> },
  writeMetadata: (files: AdoptedHistoryFile[]) => Promise<T>,
): Promise<{ result: T; adoption: Adoption; message: string }> {
  const destination = await tenantDestination(deps, tenantId);
  const name = nameOf(a.table);
  return destination.exclusive(a.table, async () => {
    await a.recheck();
    const source = await deps.engine.sources({
      tenantId: a.source.tenantId,
      connectionId: a.source.connectionId,
      sourcePath: a.source.sourcePath,
    });
    const listed = new Map<string, SourceObject>();
    try {
      for await (const page of listAll(source)) for (const o of page) listed.set(o.path, o);
    } catch (error) {
      if (!(error instanceof SourceError)) throw error;
      throw new DomainError("BAD_REQUEST", `Cannot adopt table ${name}: the source could not be listed (${error.message})`, "source.uri");
    }
    // The files a run of this ingestion would load: its glob, and modified-after where the listing tells.
    const matches = matcher(a.source.sourceGlob);
    const after = a.source.sourceModifiedAfter;
    const accepts = (p: string) => {
      const o = listed.get(p);
      return matches(p) && !(after && o && o.lastModified <= after);
    };
    const done = await destination.adopt(
      { ingestionId: a.ingestionId, schema: a.table.schema, table: a.table.table, uriPrefix: source.uriOf("") },
      accepts,
      deps.clock(),
    );
    await deps.engine.hooks?.afterAdoptionCommit?.();
    const result = await writeMetadata(done.adopted.map((f) => ({ ...f, listed: listed.get(f.path) ?? null })));
    const adoption: Adoption = {
      table: name,
      filesAdopted: done.adopted.length,
      rowsAdopted: done.adopted.reduce((n, f) => n + f.rows, 0),
      filesLeft: done.left.files,
      rowsLeft: done.left.rows,
    };
    deps.log.info(
      `[ingestions] ingestion ${a.ingestionId} adopted ${name}: ${adoption.filesAdopted} file(s) (${done.bySourceFile} by _source_file), ${adoption.filesLeft} left to others`,
    );
    return { result, adoption, message: adoptionMessage(adoption, done.bySourceFile) };
  });
}

/** A new ingestion's id, chosen before its row exists so the warehouse step can name it. */
export const newIngestionId = () => uuid7();

const CHUNK = 2_000;

/**
 * The statements recording adopted files as SUCCESS in the ingestion's history, for the same
 * metadata transaction as its row. A file already in the history (a move) takes the table's row
 * count; size, etag and modification time follow the listing when the file is still there, so a
 * later rewrite is compared with what was loaded, not taken for new.
 */
export function recordAdoptedFiles(db: Db, ingestionId: string, files: AdoptedHistoryFile[], now: Date) {
  const statements = [];
  for (let i = 0; i < files.length; i += CHUNK) {
    const rows = JSON.stringify(
      files.slice(i, i + CHUNK).map((f) => ({
        id: uuid7(now.getTime()),
        path: f.path,
        listed: f.listed !== null,
        size: f.listed?.size ?? 0,
        etag: f.listed?.etag ?? null,
        // A timestamp column ignores the zone in its input: the UTC wall time is stored, as Prisma does.
        lastModified: f.listed ? f.listed.lastModified.toISOString() : f.loadedAt,
        rows: f.rows,
        loadedAt: f.loadedAt,
      })),
    );
    // Values chosen before the upsert: a known file that is gone from the listing keeps its own.
    statements.push(db.$executeRaw`
      INSERT INTO "ProcessedFile" (id, "ingestionId", path, size, etag, "lastModified", status, "rowCount", "loadedAt", "createdAt", "updatedAt")
      SELECT v.id, ${ingestionId}, v.path,
             CASE WHEN v.listed OR p.id IS NULL THEN v.size ELSE p.size END,
             CASE WHEN v.listed OR p.id IS NULL THEN v.etag ELSE p.etag END,
             CASE WHEN v.listed OR p.id IS NULL THEN v."lastModified" ELSE p."lastModified" END,
             'SUCCESS'::"FileStatus", v.rows, v."loadedAt", ${now}, ${now}
      FROM json_to_recordset(${rows}::json)
        AS v(id text, path text, listed boolean, size bigint, etag text, "lastModified" timestamp, rows bigint, "loadedAt" timestamp)
      LEFT JOIN "ProcessedFile" p ON p."ingestionId" = ${ingestionId} AND p.path = v.path
      ON CONFLICT ("ingestionId", path) DO UPDATE SET
        status = 'SUCCESS', size = EXCLUDED.size, etag = EXCLUDED.etag, "lastModified" = EXCLUDED."lastModified",
        "rowCount" = EXCLUDED."rowCount", "loadedAt" = EXCLUDED."loadedAt", error = NULL, "failureKind" = NULL,
        "nextAttemptAt" = NULL, "leaseExpiresAt" = NULL, "updatedAt" = EXCLUDED."updatedAt"`);
  }
  return statements;
}
