import { describe, expect, it } from "vitest";
import os from "node:os";
import { ConfigError, loadConfig, serverUrl } from "./env";
import { availableMemory, defaultEngineResources } from "./server/engine/resources";

/** An environment holding only `vars` (and the NODE_ENV that Next's typings require). */
function env(vars: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { NODE_ENV: "test", ...vars };
}

/** The message of the ConfigError that loadConfig throws, or a failure if it throws nothing or something else. */
function configErrorOf(vars: Record<string, string>, cwd = "/srv/app"): string {
  try {
    loadConfig(env(vars), cwd);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error("Expected a ConfigError, but the configuration loaded");
}

const SECRET = "s".repeat(32);

describe("loadConfig", () => {
  it("defaults everything for an empty environment", () => {
    expect(loadConfig(env(), "/srv/app")).toEqual({
      databaseUrl: undefined,
      dataDir: "/srv/app/.data",
      localRoots: ["/srv/app/.data/files"],
      warehouseDir: "/srv/app/.data/warehouse",
      stagingDir: "/srv/app/.data/staging",
      maxFileRetries: 3,
      runLimits: { maxConcurrentRuns: 4, maxConcurrentRunsPerTenant: 2 },
      grants: {
        source: "the default grants (no grants file)",
        tenants: {
          default: {
            localRoots: ["/srv/app/.data/files"],
            s3: { endpoints: ["aws"], allowPrivateAddresses: false, ambientCredentials: true, credentialRefs: [] },
          },
        },
        fallback: {},
      },
      secrets: { key: undefined, previous: [] },
      engine: defaultEngineResources(),
      preview: { maxFiles: 20, maxBytes: 64 * 1024 * 1024 },
      prices: {},
      inngest: { eventKey: undefined, signingKey: undefined, dev: false, baseUrl: undefined, sendTimeoutMs: 3000 },
      sessionSecret: undefined,
      sessionTtlHours: 168,
      secureCookies: "auto",
      edge: { maxRequestBytes: 1024 * 1024, trustProxyHops: 0, allowedOrigins: [], signIn: { maxFailures: 10, windowMs: 15 * 60_000 } },
      port: 3000,
      host: undefined,
      buildDir: ".next",
      supervisorPid: undefined,
    });
  });

  it("reads every setting", () => {
    expect(
      loadConfig(
        env({
          DATABASE_URL: "postgresql://loader:pw@db.internal:5432/autoloader",
          AUTOLOADER_DATA_DIR: "/var/lib/autoloader",
          AUTOLOADER_LOCAL_ROOTS: "/mnt/landing,/srv/exports",
          AUTOLOADER_SESSION_SECRET: SECRET,
          AUTOLOADER_SESSION_TTL_HOURS: "24",
          AUTOLOADER_SECURE_COOKIES: "always",
          AUTOLOADER_WAREHOUSE_DIR: "wh",
          AUTOLOADER_STAGING_DIR: "/scratch/staging",
          AUTOLOADER_MAX_FILE_RETRIES: "5",
          AUTOLOADER_DUCKDB_MEMORY_LIMIT: "4 GB",
          AUTOLOADER_DUCKDB_THREADS: "3",
          AUTOLOADER_PREVIEW_MAX_FILES: "50",
          AUTOLOADER_PREVIEW_MAX_BYTES: "1048576",
          INNGEST_EVENT_KEY: "evt",
          INNGEST_SIGNING_KEY: "signkey-prod-1",
          INNGEST_DEV: "0",
          INNGEST_BASE_URL: "https://inngest.internal",
          AUTOLOADER_INNGEST_SEND_TIMEOUT_MS: "1500",
          PORT: "8080",
          HOST: "127.0.0.1",
          AUTOLOADER_BUILD_DIR: "build/next",
          AUTOLOADER_SUPERVISOR_PID: "4242",
          AUTOLOADER_S3_ENDPOINTS: "https://minio.internal:9000/, http://10.0.0.5:9000",
          AUTOLOADER_SECRETS_KEY: "k".repeat(43),
          AUTOLOADER_SECRETS_KEY_PREVIOUS: "old-1,old-2",
          AUTOLOADER_MAX_CONCURRENT_RUNS: "16",
          AUTOLOADER_MAX_CONCURRENT_RUNS_PER_TENANT: "4",
        }),
        "/srv/app",
      ),
    ).toEqual({
      databaseUrl: "postgresql://loader:pw@db.internal:5432/autoloader",
      dataDir: "/var/lib/autoloader",
      localRoots: ["/mnt/landing", "/srv/exports"],
      warehouseDir: "/srv/app/wh",
      stagingDir: "/scratch/staging",
      maxFileRetries: 5,
      runLimits: { maxConcurrentRuns: 16, maxConcurrentRunsPerTenant: 4 },
      grants: {
        source: "the default grants (no grants file)",
        tenants: {
          default: {
            localRoots: ["/mnt/landing", "/srv/exports"],
            s3: {
              endpoints: ["aws", "https://minio.internal:9000", "http://10.0.0.5:9000"],
              allowPrivateAddresses: true,
              ambientCredentials: true,
              credentialRefs: [],
            },
          },
        },
        fallback: {},
      },
      secrets: { key: "k".repeat(43), previous: ["old-1", "old-2"] },
      engine: { memoryLimit: "4GB", threads: 3 },
      preview: { maxFiles: 50, maxBytes: 1048576 },
      prices: {},
      inngest: { eventKey: "evt", signingKey: "signkey-prod-1", dev: false, baseUrl: "https://inngest.internal", sendTimeoutMs: 1500 },
      sessionSecret: SECRET,
      sessionTtlHours: 24,
      secureCookies: "always",
      edge: { maxRequestBytes: 1024 * 1024, trustProxyHops: 0, allowedOrigins: [], signIn: { maxFailures: 10, windowMs: 15 * 60_000 } },
      port: 8080,
      host: "127.0.0.1",
      buildDir: "build/next",
      supervisorPid: 4242,
    });
  });

  it("reads INNGEST_DEV as the SDK does: 1 or a dev server URL is on, 0 or false is off", () => {
    expect(loadConfig(env({ INNGEST_DEV: "1" })).inngest).toMatchObject({ dev: true, baseUrl: undefined });
    expect(loadConfig(env({ INNGEST_DEV: "http://127.0.0.1:8288" })).inngest).toMatchObject({ dev: true, baseUrl: "http://127.0.0.1:8288" });
    expect(loadConfig(env({ INNGEST_DEV: "false" })).inngest.dev).toBe(false);
    expect(configErrorOf({ INNGEST_BASE_URL: "inngest:8288" })).toBe(
      "Invalid environment:\n  INNGEST_BASE_URL: INNGEST_BASE_URL must be an http(s) URL, e.g. http://127.0.0.1:8288",
    );
  });

  it("sizes DuckDB from this machine by default: half its memory and every core; a percentage is of its memory", () => {
    const defaults = loadConfig(env()).engine;
    expect(defaults).toEqual({ memoryLimit: `${Math.floor(availableMemory() / 2 / 1024 / 1024)}MiB`, threads: os.availableParallelism() });
    expect(loadConfig(env({ AUTOLOADER_DUCKDB_MEMORY_LIMIT: "25%" })).engine.memoryLimit).toBe(`${Math.floor(availableMemory() / 4 / 1024 / 1024)}MiB`);
    expect(loadConfig(env({ AUTOLOADER_DUCKDB_MEMORY_LIMIT: "512MiB" })).engine).toEqual({ memoryLimit: "512MiB", threads: os.availableParallelism() });
  });

  it("refuses DuckDB limits that are not amounts", () => {
    for (const bad of ["lots", "12", "0%", "150%", "4 PB"]) {
      expect(configErrorOf({ AUTOLOADER_DUCKDB_MEMORY_LIMIT: bad })).toBe(
        "Invalid environment:\n  AUTOLOADER_DUCKDB_MEMORY_LIMIT: AUTOLOADER_DUCKDB_MEMORY_LIMIT must be an amount of memory such as 4GB, 512MiB or 60% (of this machine's memory)",
      );
    }
    for (const bad of ["0", "1.5", "all", "257"]) {
      expect(configErrorOf({ AUTOLOADER_DUCKDB_THREADS: bad })).toBe(
        "Invalid environment:\n  AUTOLOADER_DUCKDB_THREADS: AUTOLOADER_DUCKDB_THREADS must be a whole number of threads from 1 to 256",
      );
    }
  });

  it("refuses a retry limit outside 1–100", () => {
    expect(configErrorOf({ AUTOLOADER_MAX_FILE_RETRIES: "0" })).toBe(
      "Invalid environment:\n  AUTOLOADER_MAX_FILE_RETRIES: AUTOLOADER_MAX_FILE_RETRIES must be a whole number from 1 to 100",
    );
  });

  it("reads the run limits, a tenant's never above the whole, and refuses ones outside 1–1000", () => {
    expect(loadConfig(env({ AUTOLOADER_MAX_CONCURRENT_RUNS: "8", AUTOLOADER_MAX_CONCURRENT_RUNS_PER_TENANT: "3" })).runLimits).toEqual({
      maxConcurrentRuns: 8,
      maxConcurrentRunsPerTenant: 3,
    });
    expect(loadConfig(env({ AUTOLOADER_MAX_CONCURRENT_RUNS: "2", AUTOLOADER_MAX_CONCURRENT_RUNS_PER_TENANT: "5" })).runLimits).toEqual({
      maxConcurrentRuns: 2,
      maxConcurrentRunsPerTenant: 2,
    });
    expect(() => loadConfig(env({ AUTOLOADER_MAX_CONCURRENT_RUNS: "0" }))).toThrow(
      "Invalid environment:\n  AUTOLOADER_MAX_CONCURRENT_RUNS: AUTOLOADER_MAX_CONCURRENT_RUNS must be a whole number of runs from 1 to 1000",
    );
    expect(() => loadConfig(env({ AUTOLOADER_MAX_CONCURRENT_RUNS_PER_TENANT: "two" }))).toThrow(
      "Invalid environment:\n  AUTOLOADER_MAX_CONCURRENT_RUNS_PER_TENANT: AUTOLOADER_MAX_CONCURRENT_RUNS_PER_TENANT must be a whole number of runs from 1 to 1000",
    );
  });

  it("refuses preview bounds outside their ranges", () => {
    expect(configErrorOf({ AUTOLOADER_PREVIEW_MAX_FILES: "0" })).toBe(
      "Invalid environment:\n  AUTOLOADER_PREVIEW_MAX_FILES: AUTOLOADER_PREVIEW_MAX_FILES must be a whole number from 1 to 1000",
    );
    expect(configErrorOf({ AUTOLOADER_PREVIEW_MAX_BYTES: "64MB" })).toBe(
      "Invalid environment:\n  AUTOLOADER_PREVIEW_MAX_BYTES: AUTOLOADER_PREVIEW_MAX_BYTES must be a whole number of bytes from 1024 to 1073741824 (1 GiB)",
    );
  });

  it("resolves a relative data directory against the working directory, and the default root under it", () => {
    const config = loadConfig(env({ AUTOLOADER_DATA_DIR: "state/../var" }), "/srv/app");
    expect(config.dataDir).toBe("/srv/app/var");
    expect(config.localRoots).toEqual(["/srv/app/var/files"]);
  });

  it("treats blank strings as unset", () => {
    const config = loadConfig(env({ DATABASE_URL: "  ", AUTOLOADER_DATA_DIR: "", AUTOLOADER_SESSION_SECRET: " " }), "/srv/app");
    expect(config.databaseUrl).toBeUndefined();
    expect(config.dataDir).toBe("/srv/app/.data");
    expect(config.sessionSecret).toBeUndefined();
  });

  it("accepts postgres:// as well as postgresql://", () => {
    expect(loadConfig(env({ DATABASE_URL: "postgres://u:p@localhost/db" }), "/srv/app").databaseUrl).toBe(
      "postgres://u:p@localhost/db",
    );
  });

  it("splits local roots on commas and colons, trims and normalises them", () => {
    expect(loadConfig(env({ AUTOLOADER_LOCAL_ROOTS: " /a/ , /b/../c:/d//e ,, " }), "/srv/app").localRoots).toEqual([
      "/a",
      "/c",
      "/d/e",
    ]);
  });

  it.each(["mysql://u:p@host/db", "file:./dev.db", "localhost:5432"])("rejects the DATABASE_URL %j", (url) => {
    expect(configErrorOf({ DATABASE_URL: url })).toBe(
      "Invalid environment:\n  DATABASE_URL: DATABASE_URL must be a PostgreSQL URL (postgres://user:password@host:5432/db); leave it unset for the embedded database",
    );
  });

  it.each([
    ["data/files", "data/files"],
    ["/mnt/landing,exports", "exports"],
    ["./files", "./files"],
  ])("rejects the relative root in AUTOLOADER_LOCAL_ROOTS=%j", (roots, relative) => {
    expect(configErrorOf({ AUTOLOADER_LOCAL_ROOTS: roots })).toBe(
      `Invalid environment:\n  AUTOLOADER_LOCAL_ROOTS: "${relative}" is not an absolute path`,
    );
  });

  it("rejects a session secret shorter than 32 characters", () => {
    expect(configErrorOf({ AUTOLOADER_SESSION_SECRET: "s".repeat(31) })).toBe(
      "Invalid environment:\n  AUTOLOADER_SESSION_SECRET: AUTOLOADER_SESSION_SECRET must be at least 32 characters (or leave it unset to generate one in the data directory)",
    );
    expect(loadConfig(env({ AUTOLOADER_SESSION_SECRET: SECRET }), "/srv/app").sessionSecret).toBe(SECRET);
  });

  it.each([
    ["0", "AUTOLOADER_SESSION_TTL_HOURS must be at least 1"],
    ["2161", "AUTOLOADER_SESSION_TTL_HOURS must be at most 2160 (90 days)"],
  ])("rejects AUTOLOADER_SESSION_TTL_HOURS=%j", (hours, message) => {
    expect(configErrorOf({ AUTOLOADER_SESSION_TTL_HOURS: hours })).toBe(
      `Invalid environment:\n  AUTOLOADER_SESSION_TTL_HOURS: ${message}`,
    );
  });

  it.each(["abc", "1.5"])("rejects the non-integer AUTOLOADER_SESSION_TTL_HOURS=%j", (hours) => {
    expect(configErrorOf({ AUTOLOADER_SESSION_TTL_HOURS: hours })).toMatch(
      /^Invalid environment:\n {2}AUTOLOADER_SESSION_TTL_HOURS: /,
    );
  });

  it.each(["0", "65536", "http"])("rejects PORT=%j", (port) => {
    expect(configErrorOf({ PORT: port })).toMatch(/^Invalid environment:\n {2}PORT: /);
  });

  it.each(["localhost", "127.0.0.1", "0.0.0.0", "::", "::1", "fe80::1", "autoloader.internal", "web-1"])("accepts HOST=%j", (host) => {
    expect(loadConfig(env({ HOST: ` ${host} ` })).host).toBe(host);
  });

  it.each(["http://127.0.0.1", "localhost:3000", "[::1]", "two words", "-leading-dash", "under_score.example", "300.1.2.3"])(
    "rejects HOST=%j",
    (host) => {
      expect(configErrorOf({ HOST: host })).toBe(
        "Invalid environment:\n  HOST: HOST must be an IP address or a host name to listen on, e.g. 127.0.0.1 (this machine only) or 0.0.0.0 (every interface)",
      );
    },
  );

  it("prints the server's URL with the host it listens on, and localhost for every interface", () => {
    expect(serverUrl({ host: undefined, port: 3000 })).toBe("http://localhost:3000");
    expect(serverUrl({ host: "0.0.0.0", port: 3000 })).toBe("http://localhost:3000");
    expect(serverUrl({ host: "::", port: 8080 })).toBe("http://localhost:8080");
    expect(serverUrl({ host: "127.0.0.2", port: 3000 })).toBe("http://127.0.0.2:3000");
    expect(serverUrl({ host: "::1", port: 3000 })).toBe("http://[::1]:3000");
    expect(serverUrl({ host: "autoloader.internal", port: 80 })).toBe("http://autoloader.internal:80");
  });

  it("normalises a build directory inside the project", () => {
    expect(loadConfig(env({ AUTOLOADER_BUILD_DIR: "./.next-test/" })).buildDir).toBe(".next-test");
    expect(loadConfig(env({ AUTOLOADER_BUILD_DIR: "build/../out/next" })).buildDir).toBe("out/next");
  });

  it.each(["/srv/app/.next-test", "../elsewhere", ".", "a/../..", "build/../../x", "src", "./node_modules/.cache", "prisma/x"])("rejects AUTOLOADER_BUILD_DIR=%j", (dir) => {
    expect(configErrorOf({ AUTOLOADER_BUILD_DIR: dir })).toBe(
      "Invalid environment:\n  AUTOLOADER_BUILD_DIR: AUTOLOADER_BUILD_DIR must be a directory inside the project, given relative to it, and not one of its own (src, node_modules, prisma, scripts, e2e, public, .git, .data, test-results), e.g. .next-test",
    );
  });

  it.each(["0", "-1", "12.5", "npm"])("rejects AUTOLOADER_SUPERVISOR_PID=%j", (pid) => {
    expect(configErrorOf({ AUTOLOADER_SUPERVISOR_PID: pid })).toBe(
      "Invalid environment:\n  AUTOLOADER_SUPERVISOR_PID: AUTOLOADER_SUPERVISOR_PID must be a process id (npm start sets it to its own)",
    );
  });

  it("rejects an unknown AUTOLOADER_SECURE_COOKIES", () => {
    expect(configErrorOf({ AUTOLOADER_SECURE_COOKIES: "yes" })).toBe(
      "Invalid environment:\n  AUTOLOADER_SECURE_COOKIES: AUTOLOADER_SECURE_COOKIES must be auto, always or never",
    );
  });

  it("lists every invalid setting, one per line", () => {
    expect(configErrorOf({ DATABASE_URL: "mysql://x", AUTOLOADER_SESSION_SECRET: "short" })).toBe(
      [
        "Invalid environment:",
        "  DATABASE_URL: DATABASE_URL must be a PostgreSQL URL (postgres://user:password@host:5432/db); leave it unset for the embedded database",
        "  AUTOLOADER_SESSION_SECRET: AUTOLOADER_SESSION_SECRET must be at least 32 characters (or leave it unset to generate one in the data directory)",
      ].join("\n"),
    );
  });

  it("throws a ConfigError named as such", () => {
    let thrown: unknown;
    try {
      loadConfig(env({ PORT: "0" }), "/srv/app");
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as Error).name).toBe("ConfigError");
  });

  it("reads the edge settings: body limit, trusted proxies, allowed origins, sign-in limit", () => {
    expect(
      loadConfig(
        env({
          AUTOLOADER_MAX_REQUEST_BYTES: "65536",
          AUTOLOADER_TRUST_PROXY: "2",
          AUTOLOADER_ALLOWED_ORIGINS: " https://Ops.Example.com , http://10.0.0.5:3000/ ,",
          AUTOLOADER_SIGN_IN_MAX_FAILURES: "5",
          AUTOLOADER_SIGN_IN_WINDOW_MINUTES: "60",
        }),
        "/srv/app",
      ).edge,
    ).toEqual({
      maxRequestBytes: 65536,
      trustProxyHops: 2,
      allowedOrigins: ["https://ops.example.com", "http://10.0.0.5:3000"],
      signIn: { maxFailures: 5, windowMs: 3_600_000 },
    });
    expect(loadConfig(env({ AUTOLOADER_TRUST_PROXY: "true" })).edge.trustProxyHops).toBe(1);
    expect(loadConfig(env({ AUTOLOADER_TRUST_PROXY: "false" })).edge.trustProxyHops).toBe(0);
  });

  it("refuses bad edge settings, naming each", () => {
    expect(configErrorOf({ AUTOLOADER_MAX_REQUEST_BYTES: "1MB" })).toBe(
      "Invalid environment:\n  AUTOLOADER_MAX_REQUEST_BYTES: AUTOLOADER_MAX_REQUEST_BYTES must be a whole number of bytes from 1024 to 1073741824 (1 GiB)",
    );
    expect(configErrorOf({ AUTOLOADER_TRUST_PROXY: "yes" })).toBe(
      "Invalid environment:\n  AUTOLOADER_TRUST_PROXY: AUTOLOADER_TRUST_PROXY must be the number of reverse proxies in front of the server (0–10), or true (1) / false (0)",
    );
    for (const bad of ["ops.example.com", "https://ops.example.com/app", "ftp://x", "https://u:p@x.example"]) {
      expect(configErrorOf({ AUTOLOADER_ALLOWED_ORIGINS: bad })).toBe(
        "Invalid environment:\n  AUTOLOADER_ALLOWED_ORIGINS: AUTOLOADER_ALLOWED_ORIGINS must be comma-separated origins such as https://autoloader.example.com (scheme, host and optional port; no path)",
      );
    }
    expect(configErrorOf({ AUTOLOADER_SIGN_IN_MAX_FAILURES: "0" })).toBe(
      "Invalid environment:\n  AUTOLOADER_SIGN_IN_MAX_FAILURES: AUTOLOADER_SIGN_IN_MAX_FAILURES must be a whole number from 1 to 1000",
    );
    expect(configErrorOf({ AUTOLOADER_SIGN_IN_WINDOW_MINUTES: "1441" })).toBe(
      "Invalid environment:\n  AUTOLOADER_SIGN_IN_WINDOW_MINUTES: AUTOLOADER_SIGN_IN_WINDOW_MINUTES must be a whole number of minutes from 1 to 1440",
    );
  });

  // Only AUTOLOADER_LOCAL_ROOTS is a list; the default root is one path even when it holds a comma or colon.
  it.each(["/srv/team,one", "/srv/a:b"])("keeps the default root whole under the working directory %j", (cwd) => {
    expect(loadConfig(env(), cwd).localRoots).toEqual([`${cwd}/.data/files`]);
  });
});
