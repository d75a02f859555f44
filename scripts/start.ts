// `npm start`: serves the production build (building it first when none exists) on PORT.
// The server itself applies migrations and creates the first admin key (src/instrumentation.ts).
// `npm run dev` runs `next dev` instead.
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { ConfigError, loadConfig } from "../src/env";

let config;
try {
  config = loadConfig();
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
}

const dev = process.argv.includes("--dev");
const nextBin = createRequire(import.meta.url).resolve("next/dist/bin/next");
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: "1" };

if (!dev && !existsSync(path.join(process.cwd(), ".next", "BUILD_ID"))) {
  console.log("[start] no production build yet: running `next build` (about a minute)…");
  const build = spawnSync(process.execPath, [nextBin, "build"], { stdio: "inherit", env });
  if (build.status !== 0) {
    console.error("[start] the build failed; see the output above");
    process.exit(build.status ?? 1);
  }
}

const url = `http://localhost:${config.port}`;
console.log(
  `[start] Autoloader on ${url} — ${config.databaseUrl ? "PostgreSQL (DATABASE_URL)" : `embedded database in ${config.dataDir}`}`,
);
console.log(`[start] sign in at ${url}/sign-in with an API key (the first one is saved in ${path.join(config.dataDir, "admin-key")})`);

// Next runs the server in a child of its CLI; a process group of its own lets a signal reach
// both, so stopping `npm start` never leaves a server behind holding the embedded database.
const child = spawn(process.execPath, [nextBin, dev ? "dev" : "start", "-p", String(config.port)], {
  stdio: "inherit",
  env,
  detached: true,
});
let stopping = false;
const stop = (signal: NodeJS.Signals) => {
  if (stopping || child.pid === undefined) return;
  stopping = true;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
  // The server closes its database on SIGTERM; give it a moment, then make sure.
  setTimeout(() => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
    } catch {
      // gone
    }
  }, 10_000).unref();
};
process.on("SIGINT", () => stop("SIGINT"));
process.on("SIGTERM", () => stop("SIGTERM"));
process.on("SIGHUP", () => stop("SIGTERM"));
child.on("exit", (code, signal) => {
  process.exit(code ?? (signal ? 0 : 1));
});
