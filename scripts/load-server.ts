// The production server `npm run load` drives: built into its own directory (never the `.next`
// that `npm start` serves, nor the browser tests' `.next-test`), rebuilt only when the sources
// changed, and started on 127.0.0.1 with a data directory of its own, then stopped with its port
// freed.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { createWriteStream, existsSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import net from "node:net";
import path from "node:path";

export const LOAD_BUILD_DIR = ".next-load";
const STAMP_FILE = "load-build-stamp";

const nextBin = createRequire(import.meta.url).resolve("next/dist/bin/next");

/** What the build is made of: every file of src/ and prisma/ (committed or not) and the build's configuration. */
function sourceStamp(root: string): string {
  const listed = spawnSync(
    "git",
    ["ls-files", "--cached", "--others", "--exclude-standard", "--", "src", "prisma", "public", "next.config.mjs", "package.json", "package-lock.json", "tsconfig.json"],
    { cwd: root, encoding: "utf8" },
  );
  if (listed.status !== 0) throw new Error(`git ls-files failed: ${listed.stderr}`);
  const hash = createHash("sha256");
  for (const file of listed.stdout.split("\n").filter(Boolean).sort()) {
    const full = path.join(root, file);
    // Deleted but still in the index: not part of the build.
    if (!existsSync(full)) continue;
    hash.update(file).update("\0").update(readFileSync(full)).update("\0");
  }
  return hash.digest("hex");
}

/**
 * Builds into LOAD_BUILD_DIR unless a build of the same sources is there. `next build` adds its
 * directory's types to tsconfig.json and next-env.d.ts; both are put back as they were, so a load
 * run leaves the checkout as it found it.
 */
export function ensureBuild(root: string, options: { rebuild: boolean; log: (m: string) => void }): { built: boolean; seconds: number } {
  const stamp = sourceStamp(root);
  const stampPath = path.join(root, LOAD_BUILD_DIR, STAMP_FILE);
  const current = existsSync(path.join(root, LOAD_BUILD_DIR, "BUILD_ID")) && existsSync(stampPath) && readFileSync(stampPath, "utf8") === stamp;
  if (current && !options.rebuild) {
    options.log(`[load] the production build in ${LOAD_BUILD_DIR} is of the current sources: not rebuilding (--rebuild to force)`);
    return { built: false, seconds: 0 };
  }
  options.log(`[load] building the production build into ${LOAD_BUILD_DIR} (about a minute)…`);
  const kept = ["tsconfig.json", "next-env.d.ts"].map((f) => {
    const p = path.join(root, f);
    return { p, text: existsSync(p) ? readFileSync(p, "utf8") : null };
  });
  const started = performance.now();
  let build;
  try {
    build = spawnSync(process.execPath, [nextBin, "build"], {
      cwd: root,
      // stdout carries only the JSON lines: the build's output goes to stderr.
      stdio: ["ignore", 2, 2],
      env: { ...process.env, AUTOLOADER_BUILD_DIR: LOAD_BUILD_DIR, NEXT_TELEMETRY_DISABLED: "1" },
    });
  } finally {
    for (const { p, text } of kept) {
      if (text !== null && (!existsSync(p) || readFileSync(p, "utf8") !== text)) writeFileSync(p, text);
    }
  }
  if (build.status !== 0) throw new Error(`next build failed (exit ${build.status ?? build.signal}); see the output above`);
  writeFileSync(stampPath, stamp);
  return { built: true, seconds: (performance.now() - started) / 1000 };
}

/** A port nothing listens on now, on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface RunningServer {
  url: string;
  port: number;
  logFile: string;
  /** The server's last log lines, for a failure's message. */
  tail(lines?: number): string;
  /** Stops the server (SIGTERM, SIGKILL after 15 s) and waits until its port is free. */
  stop(): Promise<void>;
}

/**
 * The production server (scripts/serve.ts, as `npm start` runs it) on 127.0.0.1:port with `env` (data directory, database), in a process group of its
 * own. It watches this process (AUTOLOADER_SUPERVISOR_PID), so it stops even if this one is killed.
 * Resolves once /api/health answers 200.
 */
export async function startServer(options: {
  root: string;
  port: number;
  env: Record<string, string>;
  logFile: string;
  timeoutMs?: number;
  /** A directory for the server's V8 CPU profile (written when it stops), to see where its time goes. */
  profileDir?: string;
}): Promise<RunningServer> {
  const { root, port, logFile } = options;
  if (await portAnswers(port)) throw new Error(`port ${port} on 127.0.0.1 is already in use`);
  const log = createWriteStream(logFile);
  const recent: string[] = [];
  const child: ChildProcess = spawn(
    process.execPath,
    [
      ...(options.profileDir ? ["--cpu-prof", `--cpu-prof-dir=${options.profileDir}`] : []),
      // What `npm start` runs (scripts/start.ts): Next behind Node's server, the API answered first.
      "--import",
      "tsx",
      path.join(root, "scripts", "serve.ts"),
      "-p",
      String(port),
      "-H",
      "127.0.0.1",
    ],
    {
    cwd: root,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      ...options.env,
      PORT: String(port),
      HOST: "127.0.0.1",
      AUTOLOADER_BUILD_DIR: LOAD_BUILD_DIR,
      AUTOLOADER_SUPERVISOR_PID: String(process.pid),
      NEXT_TELEMETRY_DISABLED: "1",
      NODE_ENV: "production",
    },
  });
  const keep = (chunk: Buffer) => {
    log.write(chunk);
    recent.push(...chunk.toString("utf8").split("\n").filter(Boolean));
    if (recent.length > 400) recent.splice(0, recent.length - 400);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once("exit", () => ((exited = true), resolve())));
  const url = `http://127.0.0.1:${port}`;
  const tail = (lines = 40) => recent.slice(-lines).join("\n");

  const stop = async () => {
    if (!exited && child.pid !== undefined) {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        // Already gone.
      }
      const killed = await Promise.race([exit.then(() => true), sleep(15_000).then(() => false)]);
      if (!killed) {
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch {
          // Gone meanwhile.
        }
        await exit;
      }
    }
    for (let i = 0; i < 50 && (await portAnswers(port)); i++) await sleep(200);
    await new Promise<void>((resolve) => log.end(resolve));
    if (await portAnswers(port)) throw new Error(`port ${port} is still in use after the server stopped`);
  };

  const deadline = Date.now() + (options.timeoutMs ?? 180_000);
  while (Date.now() < deadline) {
    if (exited) throw new Error(`the server exited before it was ready; its log (${logFile}) ends:\n${tail()}`);
    try {
      const res = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(5_000) });
      if (res.status === 200) return { url, port, logFile, tail, stop };
    } catch {
      // Not listening yet.
    }
    await sleep(250);
  }
  await stop();
  throw new Error(`the server did not answer /api/health within ${(options.timeoutMs ?? 180_000) / 1000} s; its log ends:\n${tail()}`);
}
