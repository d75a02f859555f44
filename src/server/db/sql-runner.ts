// Raw SQL below Prisma, for what Prisma's query API cannot say: multi-statement migration scripts,
// advisory locks held on one connection, and set-based statements.
import type { PGlite } from "@electric-sql/pglite";
import type pg from "pg";

export interface SqlSession {
  /** Runs a script of one or more statements without parameters. */
  exec(sql: string): Promise<void>;
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
}

export interface SqlRunner extends SqlSession {
  /** Runs `fn` on one connection (needed for session state such as locks and transactions). */
  withSession<T>(fn: (session: SqlSession) => Promise<T>): Promise<T>;
}

export function pgliteRunner(db: PGlite): SqlRunner {
  const session: SqlSession = {
    async exec(sql) {
      await db.exec(sql);
    },
    async query<T>(sql: string, params: unknown[] = []) {
      return (await db.query<T>(sql, params)).rows;
    },
  };
  // PGlite is a single connection; serialise sessions so two never interleave statements.
  let tail: Promise<unknown> = Promise.resolve();
  return {
    ...session,
    withSession<T>(fn: (s: SqlSession) => Promise<T>) {
      const next = tail.then(() => fn(session));
      tail = next.catch(() => undefined);
      return next;
    },
  };
}

export function pgPoolRunner(pool: pg.Pool): SqlRunner {
  return {
    async exec(sql) {
      await pool.query(sql);
    },
    async query<T>(sql: string, params: unknown[] = []) {
      return (await pool.query(sql, params)).rows as T[];
    },
    async withSession<T>(fn: (s: SqlSession) => Promise<T>) {
      const client = await pool.connect();
      try {
        return await fn({
          async exec(sql) {
            await client.query(sql);
          },
          async query<R>(sql: string, params: unknown[] = []) {
            return (await client.query(sql, params)).rows as R[];
          },
        });
      } finally {
        client.release();
      }
    },
  };
}
