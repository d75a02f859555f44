// Environment, validated once at start (and at build, via next.config.mjs). Every setting the
// app reads from the environment is named here.
import { existsSync, readFileSync } from "node:fs";
import { isIP } from "node:net";
import path from "node:path";
import { z } from "zod";
import { defaultGrants, endpointOrigin, GrantsError, parseGrants, type Grants } from "./server/domain/grants";
import { availableMemory, defaultEngineResources, type EngineResources } from "./server/engine/resources";

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
  // Connections: what each tenant may reach (server/domain/grants.ts) and the key of their secrets.
  AUTOLOADER_GRANTS_FILE: optionalString,
  AUTOLOADER_S3_ENDPOINTS: optionalString,
  AUTOLOADER_SECRETS_KEY: optionalString,
  AUTOLOADER_SECRETS_KEY_PREVIOUS: optionalString,
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
  // Fair sharing (server/runs/run-slots.ts): runs beyond these wait QUEUED and start in order.
  AUTOLOADER_MAX_CONCURRENT_RUNS: z.preprocess(
    blankAsUnset,
    z.coerce
      .number({ error: "AUTOLOADER_MAX_CONCURRENT_RUNS must be a whole number of runs from 1 to 1000" })
      .int("AUTOLOADER_MAX_CONCURRENT_RUNS must be a whole number of runs from 1 to 1000")
      .min(1, "AUTOLOADER_MAX_CONCURRENT_RUNS must be a whole number of runs from 1 to 1000")
      .max(1000, "AUTOLOADER_MAX_CONCURRENT_RUNS must be a whole number of runs from 1 to 1000")
      .default(4),
  ),
  AUTOLOADER_MAX_CONCURRENT_RUNS_PER_TENANT: z.preprocess(
    blankAsUnset,
    z.coerce
      .number({ error: "AUTOLOADER_MAX_CONCURRENT_RUNS_PER_TENANT must be a whole number of runs from 1 to 1000" })
      .int("AUTOLOADER_MAX_CONCURRENT_RUNS_PER_TENANT must be a whole number of runs from 1 to 1000")
      .min(1, "AUTOLOADER_MAX_CONCURRENT_RUNS_PER_TENANT must be a whole number of runs from 1 to 1000")
      .max(1000, "AUTOLOADER_MAX_CONCURRENT_RUNS_PER_TENANT must be a whole number of runs from 1 to 1000")
      .default(2),
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
  AUTOLOADER_DUCKDB_MEMORY_LIMIT: optionalString.refine(
    (v) => v === undefined || MEMORY_LIMIT.test(v),
    "AUTOLOADER_DUCKDB_MEMORY_LIMIT must be an amount of memory such as 4GB, 512MiB or 60% (of this machine's memory)",
  ),
  AUTOLOADER_DUCKDB_THREADS: z.preprocess(
    blankAsUnset,
    z.coerce
      .number({ error: "AUTOLOADER_DUCKDB_THREADS must be a whole number of threads from 1 to 256" })
      .int("AUTOLOADER_DUCKDB_THREADS must be a whole number of threads from 1 to 256")
      .min(1, "AUTOLOADER_DUCKDB_THREADS must be a whole number of threads from 1 to 256")
      .max(256, "AUTOLOADER_DUCKDB_THREADS must be a whole number of threads from 1 to 256")
      .optional(),
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
  // The edge (server/api/edge): request bodies, proxies, allowed origins, the sign-in rate limit.
  AUTOLOADER_MAX_REQUEST_BYTES: z.preprocess(
    blankAsUnset,
    z.coerce
      .number({ error: "AUTOLOADER_MAX_REQUEST_BYTES must be a whole number of bytes from 1024 to 1073741824 (1 GiB)" })
      .int("AUTOLOADER_MAX_REQUEST_BYTES must be a whole number of bytes from 1024 to 1073741824 (1 GiB)")
      .min(1024, "AUTOLOADER_MAX_REQUEST_BYTES must be a whole number of bytes from 1024 to 1073741824 (1 GiB)")
      .max(2 ** 30, "AUTOLOADER_MAX_REQUEST_BYTES must be a whole number of bytes from 1024 to 1073741824 (1 GiB)")
      .default(1024 * 1024),
  ),
  AUTOLOADER_TRUST_PROXY: z.preprocess(
    (v) => {
      const b = blankAsUnset(v);
      if (typeof b !== "string") return b;
      const lower = b.trim().toLowerCase();
      return lower === "true" ? "1" : lower === "false" ? "0" : lower;
    },
    z.coerce
      .number({ error: "AUTOLOADER_TRUST_PROXY must be the number of reverse proxies in front of the server (0–10), or true (1) / false (0)" })
      .int("AUTOLOADER_TRUST_PROXY must be the number of reverse proxies in front of the server (0–10), or true (1) / false (0)")
      .min(0, "AUTOLOADER_TRUST_PROXY must be the number of reverse proxies in front of the server (0–10), or true (1) / false (0)")
      .max(10, "AUTOLOADER_TRUST_PROXY must be the number of reverse proxies in front of the server (0–10), or true (1) / false (0)")
      .default(0),
  ),
  AUTOLOADER_ALLOWED_ORIGINS: optionalString.refine(
    (v) => v === undefined || v.split(",").every((o) => o.trim() === "" || exactOrigin(o.trim()) !== null),
    "AUTOLOADER_ALLOWED_ORIGINS must be comma-separated origins such as https://autoloader.example.com (scheme, host and optional port; no path)",
  ),
  AUTOLOADER_SIGN_IN_MAX_FAILURES: z.preprocess(
    blankAsUnset,
    z.coerce
      .number({ error: "AUTOLOADER_SIGN_IN_MAX_FAILURES must be a whole number from 1 to 1000" })
      .int("AUTOLOADER_SIGN_IN_MAX_FAILURES must be a whole number from 1 to 1000")
      .min(1, "AUTOLOADER_SIGN_IN_MAX_FAILURES must be a whole number from 1 to 1000")
      .max(1000, "AUTOLOADER_SIGN_IN_MAX_FAILURES must be a whole number from 1 to 1000")
      .default(10),
  ),
  AUTOLOADER_SIGN_IN_WINDOW_MINUTES: z.preprocess(
    blankAsUnset,
    z.coerce
      .number({ error: "AUTOLOADER_SIGN_IN_WINDOW_MINUTES must be a whole number of minutes from 1 to 1440" })
      .int("AUTOLOADER_SIGN_IN_WINDOW_MINUTES must be a whole number of minutes from 1 to 1440")
      .min(1, "AUTOLOADER_SIGN_IN_WINDOW_MINUTES must be a whole number of minutes from 1 to 1440")
      .max(1440, "AUTOLOADER_SIGN_IN_WINDOW_MINUTES must be a whole number of minutes from 1 to 1440")
      .default(15),
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
  // Unset: every interface (Next's default).
  HOST: optionalString.refine(
    // All digits and dots is an IPv4 address or nothing (300.1.2.3 is not a name).
    (v) => v === undefined || isIP(v) !== 0 || (HOST_NAME.test(v) && !/^[\d.]+$/.test(v)),
    "HOST must be an IP address or a host name to listen on, e.g. 127.0.0.1 (this machine only) or 0.0.0.0 (every interface)",
  ),
  // Next's distDir; Next refuses one outside the project.
  AUTOLOADER_BUILD_DIR: optionalString.refine(
    (v) => v === undefined || insideProject(v),
    "AUTOLOADER_BUILD_DIR must be a directory inside the project, given relative to it, and not one of its own (src, node_modules, prisma, scripts, e2e, public, .git, .data, test-results), e.g. .next-test",
  ),
  // Set by scripts/start.ts to its own pid: the server stops when that process is gone.
  AUTOLOADER_SUPERVISOR_PID: z.preprocess(
    blankAsUnset,
    z.coerce
      .number({ error: "AUTOLOADER_SUPERVISOR_PID must be a process id (npm start sets it to its own)" })
      .int("AUTOLOADER_SUPERVISOR_PID must be a process id (npm start sets it to its own)")
      .min(1, "AUTOLOADER_SUPERVISOR_PID must be a process id (npm start sets it to its own)")
      .optional(),
  ),
});

/** `scheme://host[:port]` exactly (no path, query or credentials), lower-cased; null if it is not one. */
export function exactOrigin(value: string): string | null {
  try {
    const url = new URL(value);
    if (!/^https?:$/.test(url.protocol) || url.username || url.password) return null;
    if (value.replace(/\/+$/, "").toLowerCase() !== url.origin.toLowerCase()) return null;
    return url.origin.toLowerCase();
  } catch {
    return null;
  }
}

/** DuckDB's memory units, or a percentage of the memory this process may use. */
const MEMORY_LIMIT = /^(\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)|([1-9]\d?|100)%)$/i;

/** A DNS name: dot-separated labels of letters, digits and inner hyphens. */
const HOST_NAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/** The project's own directories: a build written into one would overwrite or hide its files. */
const PROJECT_DIRS = new Set(["src", "node_modules", "prisma", "scripts", "e2e", "public", ".git", ".data", "test-results"]);

function insideProject(dir: string): boolean {
  const normal = path.posix.normalize(dir);
  const top = normal.replace(/^\.\//, "").split("/")[0] ?? "";
  return (
    !path.isAbsolute(dir) && normal !== "." && normal !== "./" && normal !== ".." && !normal.startsWith("../") && !PROJECT_DIRS.has(top)
  );
}

export interface AppConfig {
  databaseUrl: string | undefined;
  dataDir: string;
  /** Absolute, normalised directories: the `default` tenant's local roots when there is no grants file. */
  localRoots: string[];
  /** What each tenant may reach: the grants file, or the defaults (server/domain/grants.ts). */
  grants: Grants;
  /** Connection secrets' key (AUTOLOADER_SECRETS_KEY) and older keys that still decrypt. */
  secrets: { key: string | undefined; previous: string[] };
  /** One DuckDB file per tenant lives here. */
  warehouseDir: string;
  /** Per-run directories for S3 objects being loaded. */
  stagingDir: string;
  maxFileRetries: number;
  /** Concurrent RUNNING runs in all and per tenant (AUTOLOADER_MAX_CONCURRENT_RUNS[_PER_TENANT]). */
  runLimits: { maxConcurrentRuns: number; maxConcurrentRunsPerTenant: number };
  /** What DuckDB may use, per tenant warehouse and per preview (engine/resources.ts sizes the defaults). */
  engine: EngineResources;
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
  /** What the HTTP edge enforces before a request reaches a procedure (server/api/edge). */
  edge: {
    /** Request bodies larger than this are refused (413) before they are parsed. */
    maxRequestBytes: number;
    /** Reverse proxies in front of the server whose X-Forwarded-For / -Host / -Proto are believed. */
    trustProxyHops: number;
    /** Origins besides the server's own that may send cookie-authenticated mutations. */
    allowedOrigins: string[];
    /** Failed sign-ins per client address and per key prefix within the window before 429. */
    signIn: { maxFailures: number; windowMs: number };
  };
  port: number;
  /** The address the server listens on; undefined is every interface. */
  host: string | undefined;
  /** Where `next build` writes and `next start` reads the production build, relative to the project. */
  buildDir: string;
  /** The start command's process: the server stops when it is gone (scripts/start.ts sets it). */
  supervisorPid: number | undefined;
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
  const localRoots = roots.map((r) => path.resolve(r));
  return {
    databaseUrl: e.DATABASE_URL,
    dataDir,
    localRoots,
    grants: loadGrants(e.AUTOLOADER_GRANTS_FILE, e.AUTOLOADER_S3_ENDPOINTS, dataDir, localRoots, cwd),
    secrets: {
      key: e.AUTOLOADER_SECRETS_KEY,
      previous: (e.AUTOLOADER_SECRETS_KEY_PREVIOUS ?? "").split(",").map((k) => k.trim()).filter(Boolean),
    },
    warehouseDir: path.resolve(cwd, e.AUTOLOADER_WAREHOUSE_DIR ?? path.join(dataDir, "warehouse")),
    stagingDir: path.resolve(cwd, e.AUTOLOADER_STAGING_DIR ?? path.join(dataDir, "staging")),
    maxFileRetries: e.AUTOLOADER_MAX_FILE_RETRIES,
    runLimits: {
      maxConcurrentRuns: e.AUTOLOADER_MAX_CONCURRENT_RUNS,
      // A tenant never gets more than the whole.
      maxConcurrentRunsPerTenant: Math.min(e.AUTOLOADER_MAX_CONCURRENT_RUNS_PER_TENANT, e.AUTOLOADER_MAX_CONCURRENT_RUNS),
    },
    engine: engineResources(e.AUTOLOADER_DUCKDB_MEMORY_LIMIT, e.AUTOLOADER_DUCKDB_THREADS),
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
    edge: {
      maxRequestBytes: e.AUTOLOADER_MAX_REQUEST_BYTES,
      trustProxyHops: e.AUTOLOADER_TRUST_PROXY,
      allowedOrigins: (e.AUTOLOADER_ALLOWED_ORIGINS ?? "")
        .split(",")
        .map((o) => exactOrigin(o.trim()))
        .filter((o): o is string => o !== null),
      signIn: { maxFailures: e.AUTOLOADER_SIGN_IN_MAX_FAILURES, windowMs: e.AUTOLOADER_SIGN_IN_WINDOW_MINUTES * 60_000 },
    },
    port: e.PORT,
    host: e.HOST,
    buildDir: e.AUTOLOADER_BUILD_DIR ? path.posix.normalize(e.AUTOLOADER_BUILD_DIR).replace(/\/$/, "") : ".next",
    supervisorPid: e.AUTOLOADER_SUPERVISOR_PID,
  };
}

/**
 * AUTOLOADER_GRANTS_FILE, else <data dir>/grants.json when it exists, else the defaults: the
 * `default` tenant gets the local roots, AWS plus AUTOLOADER_S3_ENDPOINTS and ambient credentials.
 */
function loadGrants(file: string | undefined, endpoints: string | undefined, dataDir: string, localRoots: string[], cwd: string): Grants {
  const extra = (endpoints ?? "").split(",").map((x) => x.trim()).filter(Boolean);
  for (const x of extra) {
    if (endpointOrigin(x) === null) {
      throw new ConfigError(`Invalid environment:\n  AUTOLOADER_S3_ENDPOINTS: "${x}" is not an http(s) origin such as https://minio.example.com:9000`);
    }
  }
  const chosen = file ? path.resolve(cwd, file) : path.join(dataDir, "grants.json");
  if (!file && !existsSync(chosen)) return defaultGrants(localRoots, extra.map((x) => endpointOrigin(x) ?? x));
  let text: string;
  try {
    text = readFileSync(chosen, "utf8");
  } catch (error) {
    throw new ConfigError(`Invalid environment:\n  AUTOLOADER_GRANTS_FILE: cannot read ${chosen} (${(error as NodeJS.ErrnoException).code ?? "error"})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`Invalid grants file ${chosen}: not JSON (${(error as Error).message})`);
  }
  try {
    return parseGrants(json, `grants file ${chosen}`);
  } catch (error) {
    if (error instanceof GrantsError) throw new ConfigError(error.message);
    throw error;
  }
}

/** The URL to open the server at: its HOST, or localhost when it listens on every interface. */
export function serverUrl(config: Pick<AppConfig, "host" | "port">): string {
  const host = config.host === undefined || config.host === "0.0.0.0" || config.host === "::" ? "localhost" : config.host;
  return `http://${isIP(host) === 6 ? `[${host}]` : host}:${config.port}`;
}

/** The configured DuckDB limits, a percentage turned into MiB of the memory available here. */
function engineResources(memory: string | undefined, threads: number | undefined): EngineResources {
  const defaults = defaultEngineResources();
  const percent = memory?.endsWith("%") ? Number(memory.slice(0, -1)) : null;
  const memoryLimit =
    memory === undefined
      ? defaults.memoryLimit
      : percent !== null
        ? `${Math.max(64, Math.floor((availableMemory() * percent) / 100 / 1024 / 1024))}MiB`
        : memory.replace(/\s+/g, "");
  return { memoryLimit, threads: threads ?? defaults.threads };
}
