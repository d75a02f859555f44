// Environment, validated once at start (and at build, via next.config.mjs). Every setting the
// app reads from the environment is named here.
import path from "node:path";
import { z } from "zod";

/** Blank values count as unset, as they do for the text settings. */
const blankAsUnset = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === "" ? undefined : v.trim()));

/** A price for cost estimates, in USD; unset means the default in server/domain/cost.ts. */
const price = (name: string, per: string, example: string) => {
  const message = `${name} must be a non-negative number of US dollars ${per}, e.g. ${example}`;
  return z.preprocess(blankAsUnset, z.coerce.number({ error: message }).min(0, message).optional());
};

export const envSchema = z.object({
  DATABASE_URL: optionalString.refine(
    (v) => v === undefined || /^postgres(ql)?:\/\//.test(v),
    "DATABASE_URL must be a PostgreSQL URL (postgres://user:password@host:5432/db); leave it unset for the embedded database",
  ),
  AUTOLOADER_DATA_DIR: optionalString,
  AUTOLOADER_LOCAL_ROOTS: optionalString,
  AUTOLOADER_WAREHOUSE_DIR: optionalString,
  AUTOLOADER_STAGING_DIR: optionalString,
  AUTOLOADER_MAX_FILE_RETRIES: z.preprocess(
    blankAsUnset,
    z.coerce
      .number({ error: "AUTOLOADER_MAX_FILE_RETRIES must be a whole number from 1 to 100" })
      .int("AUTOLOADER_MAX_FILE_RETRIES must be a whole number from 1 to 100")
      .min(1, "AUTOLOADER_MAX_FILE_RETRIES must be a whole number from 1 to 100")
      .max(100, "AUTOLOADER_MAX_FILE_RETRIES must be a whole number from 1 to 100")
      .default(3),
  ),
  AUTOLOADER_PREVIEW_MAX_FILES: z.preprocess(
    blankAsUnset,
    z.coerce
      .number({ error: "AUTOLOADER_PREVIEW_MAX_FILES must be a whole number from 1 to 1000" })
      .int("AUTOLOADER_PREVIEW_MAX_FILES must be a whole number from 1 to 1000")
      .min(1, "AUTOLOADER_PREVIEW_MAX_FILES must be a whole number from 1 to 1000")
      .max(1000, "AUTOLOADER_PREVIEW_MAX_FILES must be a whole number from 1 to 1000")
      .default(20),
  ),
  AUTOLOADER_PREVIEW_MAX_BYTES: z.preprocess(
    blankAsUnset,
    z.coerce
      .number({ error: "AUTOLOADER_PREVIEW_MAX_BYTES must be a whole number of bytes from 1024 to 1073741824 (1 GiB)" })
      .int("AUTOLOADER_PREVIEW_MAX_BYTES must be a whole number of bytes from 1024 to 1073741824 (1 GiB)")
      .min(1024, "AUTOLOADER_PREVIEW_MAX_BYTES must be a whole number of bytes from 1024 to 1073741824 (1 GiB)")
      .max(2 ** 30, "AUTOLOADER_PREVIEW_MAX_BYTES must be a whole number of bytes from 1024 to 1073741824 (1 GiB)")
      .default(64 * 1024 * 1024),
  ),
  AUTOLOADER_PRICE_COMPUTE_PER_HOUR: price("AUTOLOADER_PRICE_COMPUTE_PER_HOUR", "per hour of compute", "0.0464"),
  AUTOLOADER_PRICE_STORAGE_PER_GB_MONTH: price("AUTOLOADER_PRICE_STORAGE_PER_GB_MONTH", "per GB-month of storage", "0.023"),
  AUTOLOADER_PRICE_S3_LIST_PER_1000: price("AUTOLOADER_PRICE_S3_LIST_PER_1000", "per 1,000 S3 LIST requests", "0.005"),
  AUTOLOADER_PRICE_S3_GET_PER_1000: price("AUTOLOADER_PRICE_S3_GET_PER_1000", "per 1,000 S3 GET requests", "0.0004"),
  AUTOLOADER_SESSION_SECRET: optionalString.refine(
    (v) => v === undefined || v.length >= 32,
    "AUTOLOADER_SESSION_SECRET must be at least 32 characters (or leave it unset to generate one in the data directory)",
  ),
  AUTOLOADER_SESSION_TTL_HOURS: z.preprocess(
    blankAsUnset,
    z.coerce
    .number({ error: "AUTOLOADER_SESSION_TTL_HOURS must be a whole number of hours" })
    .int("AUTOLOADER_SESSION_TTL_HOURS must be a whole number of hours")
    .min(1, "AUTOLOADER_SESSION_TTL_HOURS must be at least 1")
    .max(24 * 90, "AUTOLOADER_SESSION_TTL_HOURS must be at most 2160 (90 days)")
    .default(168),
  ),
  AUTOLOADER_SECURE_COOKIES: z.preprocess(
    blankAsUnset,
    z.enum(["auto", "always", "never"], { error: "AUTOLOADER_SECURE_COOKIES must be auto, always or never" }).default("auto"),
  ),
  INNGEST_EVENT_KEY: optionalString,
  INNGEST_SIGNING_KEY: optionalString,
  INNGEST_DEV: optionalString,
  INNGEST_BASE_URL: optionalString.refine(
    (v) => v === undefined || /^https?:\/\//.test(v),
    "INNGEST_BASE_URL must be an http(s) URL, e.g. http://127.0.0.1:8288",
  ),
  AUTOLOADER_INNGEST_SEND_TIMEOUT_MS: z.preprocess(
    blankAsUnset,
    z.coerce
      .number({ error: "AUTOLOADER_INNGEST_SEND_TIMEOUT_MS must be a number of milliseconds from 100 to 60000" })
      .int("AUTOLOADER_INNGEST_SEND_TIMEOUT_MS must be a number of milliseconds from 100 to 60000")
      .min(100, "AUTOLOADER_INNGEST_SEND_TIMEOUT_MS must be a number of milliseconds from 100 to 60000")
      .max(60_000, "AUTOLOADER_INNGEST_SEND_TIMEOUT_MS must be a number of milliseconds from 100 to 60000")
      .default(3000),
  ),
  PORT: z.preprocess(
    blankAsUnset,
    z.coerce
      .number({ error: "PORT must be a port number (1–65535)" })
      .int("PORT must be a port number (1–65535)")
      .min(1, "PORT must be a port number (1–65535)")
      .max(65535, "PORT must be a port number (1–65535)")
      .default(3000),
  ),
});

export interface AppConfig {
  databaseUrl: string | undefined;
  dataDir: string;
  /** Absolute, normalised directories that local sources must lie under. */
  localRoots: string[];
  /** One DuckDB file per tenant lives here. */
  warehouseDir: string;
  /** Per-run directories for S3 objects being loaded. */
  stagingDir: string;
  maxFileRetries: number;
  /** Bounds of a source preview's sample: the first `maxFiles` matched files, `maxBytes` in all. */
  preview: { maxFiles: number; maxBytes: number };
  /** Cost-estimate prices the operator set (AUTOLOADER_PRICE_*); unset ones use the defaults. */
  prices: { computePerHour?: number; storagePerGbMonth?: number; s3ListPer1000?: number; s3GetPer1000?: number };
  inngest: {
    eventKey: string | undefined;
    signingKey: string | undefined;
    dev: boolean;
    baseUrl: string | undefined;
    sendTimeoutMs: number;
  };
  sessionSecret: string | undefined;
  sessionTtlHours: number;
  secureCookies: "auto" | "always" | "never";
  port: number;
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

export function loadConfig(env: Record<string, string | undefined> = process.env, cwd = process.cwd()): AppConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new ConfigError(`Invalid environment:\n${lines.join("\n")}`);
  }
  const e = parsed.data;
  const dataDir = path.resolve(cwd, e.AUTOLOADER_DATA_DIR ?? ".data");
  // Only the variable is a list; the default is one path, whatever characters it contains.
  const roots = e.AUTOLOADER_LOCAL_ROOTS
    ? e.AUTOLOADER_LOCAL_ROOTS.split(/[,:]/)
        .map((r) => r.trim())
        .filter(Boolean)
    : [path.join(dataDir, "files")];
  for (const r of roots) {
    if (!path.isAbsolute(r)) {
      throw new ConfigError(`Invalid environment:\n  AUTOLOADER_LOCAL_ROOTS: "${r}" is not an absolute path`);
    }
  }
  return {
    databaseUrl: e.DATABASE_URL,
    dataDir,
    localRoots: roots.map((r) => path.resolve(r)),
    warehouseDir: path.resolve(cwd, e.AUTOLOADER_WAREHOUSE_DIR ?? path.join(dataDir, "warehouse")),
    stagingDir: path.resolve(cwd, e.AUTOLOADER_STAGING_DIR ?? path.join(dataDir, "staging")),
    maxFileRetries: e.AUTOLOADER_MAX_FILE_RETRIES,
    preview: { maxFiles: e.AUTOLOADER_PREVIEW_MAX_FILES, maxBytes: e.AUTOLOADER_PREVIEW_MAX_BYTES },
    prices: Object.fromEntries(
      Object.entries({
        computePerHour: e.AUTOLOADER_PRICE_COMPUTE_PER_HOUR,
        storagePerGbMonth: e.AUTOLOADER_PRICE_STORAGE_PER_GB_MONTH,
        s3ListPer1000: e.AUTOLOADER_PRICE_S3_LIST_PER_1000,
        s3GetPer1000: e.AUTOLOADER_PRICE_S3_GET_PER_1000,
      }).filter(([, v]) => v !== undefined),
    ),
    inngest: {
      eventKey: e.INNGEST_EVENT_KEY,
      signingKey: e.INNGEST_SIGNING_KEY,
      // INNGEST_DEV=1 (or a dev server URL) as the Inngest SDK reads it; "0"/"false" is off.
      dev: e.INNGEST_DEV !== undefined && !["0", "false"].includes(e.INNGEST_DEV.toLowerCase()),
      baseUrl: e.INNGEST_BASE_URL ?? (e.INNGEST_DEV && /^https?:\/\//.test(e.INNGEST_DEV) ? e.INNGEST_DEV : undefined),
      sendTimeoutMs: e.AUTOLOADER_INNGEST_SEND_TIMEOUT_MS,
    },
    sessionSecret: e.AUTOLOADER_SESSION_SECRET,
    sessionTtlHours: e.AUTOLOADER_SESSION_TTL_HOURS,
    secureCookies: e.AUTOLOADER_SECURE_COOKIES,
    port: e.PORT,
  };
}
