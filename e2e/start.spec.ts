// `npm start` as operators and supervisors use it, without a browser: the browser tests' server
// runs the test's own build, the first start prints the key before pointing to it, HOST binds one
// address, and however the start command is SIGKILLed the server goes with it (port and embedded
// database lock free within seconds, and the next start works).
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { stripVTControlCharacters } from "node:util";
import { expect, test } from "@playwright/test";
import { E2E_BUILD_DIR } from "../playwright.config";
import { processExists } from "../src/server/supervisor";

const root = process.cwd();
const FRESH_START_MS = 90_000;

interface Started {
  process: ChildProcess;
  /** Everything the start command and the server printed so far, without colours. */
  output(): string;
}

const running: Started[] = [];
const dataDirs: string[] = [];

function lockHolder(dataDir: string): number | undefined {
  const file = path.join(dataDir, "pglite.lock");
  if (!existsSync(file)) return undefined;
  const pid = Number.parseInt(readFileSync(file, "utf8"), 10);
  return Number.isInteger(pid) ? pid : undefined;
}

function newDataDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "autoloader-start-e2e-"));
  dataDirs.push(dir);
  return dir;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** True when a new server could listen on the port on every interface (nothing holds it). */
async function portIsFree(port: number): Promise<boolean> {
  const server = net.createServer();
  return new Promise((resolve) => {
    server.once("error", () => resolve(false));
    server.listen(port, "0.0.0.0", () => server.close(() => resolve(true)));
  });
}

/** How a connection to host:port ends: "open", or the error code (ECONNREFUSED …). */
function connect(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.once("connect", () => {
      socket.destroy();
      resolve("open");
    });
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

async function eventually<T>(ms: number, what: string, check: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${ms / 1000} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Starts `npm start` (or `node scripts/start.ts` directly) in a process group of its own, as a
 * supervisor would, on the test's build.
 */
function start(options: { via: "npm" | "node"; port: number; dataDir: string; host?: string }): Started {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(options.port),
    AUTOLOADER_DATA_DIR: options.dataDir,
    AUTOLOADER_LOCAL_ROOTS: "",
    AUTOLOADER_BUILD_DIR: E2E_BUILD_DIR,
    HOST: options.host ?? "",
    DATABASE_URL: "",
    NEXT_TELEMETRY_DISABLED: "1",
    NO_COLOR: "1",
  };
  delete env.FORCE_COLOR;
  const [command, args] =
    options.via === "npm" ? ["npm", ["start"]] : [process.execPath, ["--import", "tsx", path.join("scripts", "start.ts")]];
  const child = spawn(command, args, { cwd: root, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const collect = (chunk: Buffer) => (output += chunk.toString());
  child.stdout!.on("data", collect);
  child.stderr!.on("data", collect);
  const started = { process: child, output: () => stripVTControlCharacters(output) };
  running.push(started);
  return started;
}

async function healthy(host: string, port: number, server: Started, ms = FRESH_START_MS): Promise<void> {
  await eventually(ms, `http://${host}:${port}/api/health answering 200\n--- output ---\n${server.output()}`, async () => {
    if (server.process.exitCode !== null) throw new Error(`the start command exited (${server.process.exitCode}):\n${server.output()}`);
    const res = await fetch(`http://${host}:${port}/api/health`).catch(() => null);
    return res?.status === 200 ? true : undefined;
  });
}

/** Stops a start command the polite way (SIGTERM to its group) and waits until it is gone. */
async function stopGracefully(server: Started): Promise<void> {
  if (server.process.exitCode === null && server.process.signalCode === null) {
    process.kill(-server.process.pid!, "SIGTERM");
    await eventually(20_000, "the start command's exit", () => (server.process.exitCode !== null || server.process.signalCode !== null ? true : undefined));
  }
}

/** After the start command died: the server process, the port and the database lock are free. */
async function expectAllReleased(serverPid: number, port: number, dataDir: string, ms: number): Promise<void> {
  await eventually(ms, `the server (process ${serverPid}) exiting`, () => (processExists(serverPid) ? undefined : true));
  await eventually(ms, `port ${port} being free`, async () => ((await portIsFree(port)) ? true : undefined));
  const holder = lockHolder(dataDir);
  expect(holder === undefined || !processExists(holder), `the database lock is held by live process ${holder}`).toBe(true);
}

test.afterEach(async () => {
  for (const server of running.splice(0)) {
    try {
      process.kill(-server.process.pid!, "SIGKILL");
    } catch {
      // already gone
    }
  }
  // A server that outlived its start command (the bug these tests catch) is found by its lock.
  for (const dir of dataDirs) {
    const holder = lockHolder(dir);
    if (holder !== undefined && holder !== process.pid && processExists(holder)) process.kill(holder, "SIGKILL");
  }
});
test.afterAll(() => {
  for (const dir of dataDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A data directory that has been started once (set by the first-start test), or a fresh one. */
let startedOnce: string | undefined;

test("the browser tests' server runs the test's own build, not the .next that npm start serves", async ({ baseURL }) => {
  const testBuild = path.join(root, E2E_BUILD_DIR, "BUILD_ID");
  expect(existsSync(testBuild), `${testBuild} exists`).toBe(true);
  const buildId = readFileSync(testBuild, "utf8").trim();
  expect(E2E_BUILD_DIR).not.toBe(".next");
  // Every page carries the id of the build it was rendered by, in its (escaped) flight data.
  const res = await fetch(`${baseURL}/no-such-page`);
  expect(res.status).toBe(404);
  expect(await res.text()).toContain(`\\"b\\":\\"${buildId}\\"`);
  const production = path.join(root, ".next", "BUILD_ID");
  if (existsSync(production)) expect(readFileSync(production, "utf8").trim()).not.toBe(buildId);
});

test("the first start prints the admin key before it says where to sign in; later starts only point to the saved key", async () => {
  test.setTimeout(FRESH_START_MS + 60_000);
  const dataDir = newDataDir();
  const port = await freePort();
  const first = start({ via: "node", port, dataDir, host: "127.0.0.1" });
  await healthy("127.0.0.1", port, first);
  const keyFile = path.join(dataDir, "admin-key");
  const key = await eventually(10_000, "the admin key file", () => (existsSync(keyFile) ? readFileSync(keyFile, "utf8").trim() : undefined));
  const lines = await eventually(10_000, "the sign-in line", () => {
    const out = first.output().split("\n");
    return out.some((l) => l.includes("/sign-in")) ? out : undefined;
  });
  const keyLine = lines.findIndex((l) => l.includes(key));
  const signInLines = lines.filter((l) => l.includes("/sign-in"));
  expect(keyLine, first.output()).toBeGreaterThan(-1);
  expect(signInLines, first.output()).toEqual([`[server] sign in at http://127.0.0.1:${port}/sign-in with an API key (the first one is saved in ${keyFile})`]);
  expect(lines.indexOf(signInLines[0]!), first.output()).toBeGreaterThan(keyLine);
  await stopGracefully(first);
  startedOnce = dataDir;

  const again = start({ via: "node", port, dataDir, host: "127.0.0.1" });
  await healthy("127.0.0.1", port, again);
  await eventually(10_000, "the sign-in line", () => (again.output().includes("/sign-in") ? true : undefined));
  expect(again.output()).not.toContain("First start");
  expect(again.output()).not.toContain(key);
  expect(again.output()).toContain(`[server] sign in at http://127.0.0.1:${port}/sign-in with an API key (the first one is saved in ${keyFile})`);
  await stopGracefully(again);
});

test("SIGKILL of npm start's process group takes the server with it: port and database lock free, next start works", async () => {
  test.setTimeout(2 * FRESH_START_MS + 30_000);
  const dataDir = startedOnce ?? newDataDir();
  const port = await freePort();
  const server = start({ via: "npm", port, dataDir });
  await healthy("127.0.0.1", port, server);
  const serverPid = lockHolder(dataDir);
  expect(serverPid, "the server holds the database lock").toBeDefined();
  expect(processExists(serverPid!)).toBe(true);

  process.kill(-server.process.pid!, "SIGKILL");
  await expectAllReleased(serverPid!, port, dataDir, 5_000);

  const next = start({ via: "npm", port, dataDir });
  await healthy("127.0.0.1", port, next);
  await stopGracefully(next);
});

test("SIGKILL of npm alone (not its group) stops the start process and the server within seconds", async () => {
  test.setTimeout(2 * FRESH_START_MS + 30_000);
  const dataDir = startedOnce ?? newDataDir();
  const port = await freePort();
  const server = start({ via: "npm", port, dataDir, host: "127.0.0.1" });
  await healthy("127.0.0.1", port, server);
  const serverPid = lockHolder(dataDir);
  expect(serverPid, "the server holds the database lock").toBeDefined();

  // Only npm's own pid: its shell and the start process are left to notice.
  process.kill(server.process.pid!, "SIGKILL");
  await expectAllReleased(serverPid!, port, dataDir, 5_000);
  expect(server.output()).toMatch(/\[start\] the process that started this one \(\d+\) is gone: stopping the server/);

  const next = start({ via: "npm", port, dataDir, host: "127.0.0.1" });
  await healthy("127.0.0.1", port, next);
  await stopGracefully(next);
});

test("SIGKILL of the start process alone stops the server within seconds: it closes the database and frees the port", async () => {
  test.setTimeout(2 * FRESH_START_MS + 30_000);
  const dataDir = startedOnce ?? newDataDir();
  const port = await freePort();
  const server = start({ via: "node", port, dataDir, host: "127.0.0.1" });
  await healthy("127.0.0.1", port, server);
  const serverPid = lockHolder(dataDir);
  expect(serverPid, "the server holds the database lock").toBeDefined();
  expect(serverPid).not.toBe(server.process.pid);

  process.kill(server.process.pid!, "SIGKILL");
  await expectAllReleased(serverPid!, port, dataDir, 5_000);
  // It shut down, not died: the lock file is gone with the database closed.
  expect(existsSync(path.join(dataDir, "pglite.lock"))).toBe(false);
  expect(server.output()).toContain(`[server] the start command (process ${server.process.pid}) is gone: closing the database`);

  const next = start({ via: "node", port, dataDir, host: "127.0.0.1" });
  await healthy("127.0.0.1", port, next);
  await stopGracefully(next);
});

test("HOST binds the server to that address only, and the printed URLs name it", async () => {
  test.setTimeout(FRESH_START_MS + 30_000);
  const dataDir = startedOnce ?? newDataDir();
  const port = await freePort();
  // All of 127.0.0.0/8 is loopback on Linux: 127.0.0.2 is an address that is not 127.0.0.1.
  const server = start({ via: "node", port, dataDir, host: "127.0.0.2" });
  await healthy("127.0.0.2", port, server);
  expect(await connect("127.0.0.1", port)).toBe("ECONNREFUSED");
  const urls = [...server.output().matchAll(new RegExp(`https?://([^/\\s]+):${port}`, "g"))].map((m) => m[1]);
  expect(urls.length, server.output()).toBeGreaterThan(0);
  expect(new Set(urls), server.output()).toEqual(new Set(["127.0.0.2"]));
  expect(server.output()).toContain(`[start] Autoloader on http://127.0.0.2:${port}`);
  await stopGracefully(server);
});
