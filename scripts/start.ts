// `npm start`: serves the production build in AUTOLOADER_BUILD_DIR (building it first when none
// exists) on HOST:PORT. The server itself applies migrations, creates the first admin key and says
// where to sign in (src/server/start-server.ts). `npm run dev` runs `next dev` instead.
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { ConfigError, loadConfig, serverUrl } from "../src/env";
import { launchers, watchLaunchers } from "../src/server/supervisor";

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

if (!dev && !existsSync(path.join(process.cwd(), config.buildDir, "BUILD_ID"))) {
  console.log(`[start] no production build in ${config.buildDir} yet: running \`next build\` (about a minute)…`);
  const build = spawnSync(process.execPath, [nextBin, "build"], { stdio: "inherit", env });
  if (build.status !== 0) {
    console.error("[start] the build failed; see the output above");
    process.exit(build.status ?? 1);
  }
}

console.log(
  `[start] Autoloader on ${serverUrl(config)}${config.host ? "" : " (every interface; HOST to choose one)"} — ${config.databaseUrl ? "PostgreSQL (DATABASE_URL)" : `embedded database in ${config.dataDir}`}`,
);

// The server stays in this process group, so whatever signals the group (Ctrl-C, a supervisor's
// SIGKILL) reaches it too; and it watches this process (AUTOLOADER_SUPERVISOR_PID), so it stops
// when this process dies alone, even by SIGKILL.
const host = config.host ? ["-H", config.host] : [];
// Production: scripts/serve.ts (Next's handler behind Node's server, the API answered first).
const serve = ["--import", "tsx", path.join(import.meta.dirname, "serve.ts")];
const child = spawn(process.execPath, [...(dev ? [nextBin, "dev"] : serve), "-p", String(config.port), ...host], {
  stdio: "inherit",
  env: { ...env, AUTOLOADER_SUPERVISOR_PID: String(process.pid) },
});
let stopping = false;
const stop = (signal: NodeJS.Signals) => {
  if (stopping) return;
  stopping = true;
  child.kill(signal);
  // The server closes its database on SIGTERM; give it a moment, then make sure.
  setTimeout(() => child.kill("SIGKILL"), 10_000).unref();
};
process.on("SIGINT", () => stop("SIGINT"));
process.on("SIGTERM", () => stop("SIGTERM"));
process.on("SIGHUP", () => stop("SIGTERM"));
// However this process ends (an uncaught error too), the server is told to stop.
process.on("exit", () => {
  if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
});
// npm, and the shell it runs this script in, can be killed alone too (SIGKILL of npm's pid): then
// this process and the server are orphans that would keep the port. They watch for that.
let launcherGone = false;
watchLaunchers(launchers("scripts/start.ts"), (pid) => {
  launcherGone = true;
  console.error(`[start] the process that started this one (${pid}) is gone: stopping the server`);
  stop("SIGTERM");
});
child.on("exit", (code) => {
  // Stopped on purpose (a signal to this process): 0; the server or a launcher died: not 0.
  process.exit(launcherGone ? 1 : (code ?? (stopping ? 0 : 1)));
});
