// Decides once per test run whether the PostgreSQL variants run, and says so.
import { postgresReachable, postgresRequired, TEST_POSTGRES_URL } from "./postgres";

export default async function setup({ provide }: { provide: (key: "postgres", value: boolean) => void }) {
  const reachable = await postgresReachable();
  if (!reachable && postgresRequired()) {
    throw new Error(
      `PostgreSQL is required (AUTOLOADER_REQUIRE_POSTGRES=1) but ${TEST_POSTGRES_URL} is unreachable`,
    );
  }
  if (!reachable) {
    console.warn(
      `\n[tests] NOTICE: PostgreSQL at ${TEST_POSTGRES_URL} is unreachable: the PostgreSQL variants are SKIPPED; PGlite variants run.\n`,
    );
  }
  provide("postgres", reachable);
}

declare module "vitest" {
  export interface ProvidedContext {
    postgres: boolean;
  }
}
