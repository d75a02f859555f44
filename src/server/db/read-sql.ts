// SQL straight to the database's driver, for the API's hot read paths: a page of 50 rows through
// Prisma's query engine costs about three times what the same rows cost through the driver
// (`npm run load` and its `--profile`). Statements here return only JSON-safe scalars — numbers
// (bigints and timestamps as float8: epoch milliseconds), text (enums cast), json and arrays — so
// every driver answers them alike, and the mapping to views is the code's, not a driver's.
import type { PrismaClient as Db } from "@/generated/prisma/client";
import type { SqlSession } from "./sql-runner";

const RUNNERS = Symbol.for("autoloader.readSqlRunners");

/**
 * Per process, not per module copy: under `npm start` the runtime (and its database) is opened by
 * Next's bundle of this module and read by scripts/serve.ts's own copy, which must find it too
 * (else every statement here went through Prisma's raw queries).
 */
const holder = globalThis as unknown as { [RUNNERS]?: WeakMap<object, SqlSession> };
const runners = (holder[RUNNERS] ??= new WeakMap<object, SqlSession>());

/** Called by openDatabase: `prisma`'s own driver connection, for `readSql`. */
export function registerReadSql(prisma: Db, sql: SqlSession): void {
  runners.set(prisma, sql);
}

/**
 * The driver session behind `db`; for a client openDatabase did not make (a wrapped one in a
 * test), Prisma's raw queries, which answer the same statements with the same values.
 */
export function readSql(db: Db): SqlSession {
  return (
    runners.get(db) ?? {
      exec: async (sql) => void (await db.$executeRawUnsafe(sql)),
      query: <T>(sql: string, params: unknown[] = []) => db.$queryRawUnsafe<T[]>(sql, ...params),
    }
  );
}

/** A timestamp column as epoch milliseconds (a float8, so drivers return a number). */
export function epochMs(column: string): string {
  // Rounded: before PostgreSQL 14 extract() answers a float8 that can fall just short of the millisecond.
  return `round(extract(epoch from ${column}) * 1000)::float8`;
}

export function dateOf(ms: number | null): Date | null {
  return ms === null ? null : new Date(ms);
}

/** A search with LIKE's wildcards (and its escape) taken literally. */
export function escapeLike(search: string): string {
  return search.replace(/[\\%_]/g, "\\$&");
}

/** The LIKE pattern of paths or names containing `search` literally. */
export function containsPattern(search: string): string {
  return `%${escapeLike(search)}%`;
}

/**
 * How a selected column comes back from SQL, decided by the type of the row's field: a map of
 * these over a Prisma select fails typecheck until a new column is listed with the right kind.
 */
export type ColumnKind<T> = [T] extends [Date | null] ? "date" : [T] extends [bigint | null] ? "bigint" : "value";
export type ColumnKinds<Row, Keys extends keyof Row> = { [K in Keys]: ColumnKind<Row[K]> };

/** The select list of `kinds`' columns of the table aliased `alias`, JSON-safe (see epochMs). */
export function sqlColumns(alias: string, kinds: Record<string, "date" | "bigint" | "value">): string {
  return Object.entries(kinds)
    .map(([name, kind]) =>
      kind === "date" ? `${epochMs(`${alias}."${name}"`)} AS "${name}"` : kind === "bigint" ? `${alias}."${name}"::float8 AS "${name}"` : `${alias}."${name}"`,
    )
    .join(", ");
}

/** A row of `sqlColumns(…, kinds)` with the values Prisma would have returned (Dates, bigints). */
export function rowFromSql(raw: Record<string, unknown>, kinds: Record<string, "date" | "bigint" | "value">): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (const name in kinds) {
    const v = raw[name] ?? null;
    const kind = kinds[name];
    row[name] = v === null ? null : kind === "date" ? new Date(v as number) : kind === "bigint" ? BigInt(v as number) : v;
  }
  return row;
}
