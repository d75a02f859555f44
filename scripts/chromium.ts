// The Chromium the browser tests run in. `npm test` provisions one before its e2e step: a system
// Chromium when there is one; else Playwright's own (its installer needs the internet, so it is
// given a bounded time); else, as root with apt, Debian's `chromium`; else it stops with one line
// saying what to install. playwright.config.ts uses the same lookup, so it runs what was provisioned.
import { spawn, spawnSync } from "node:child_process";
import { accessSync, constants, statSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

/** Where Debian and Ubuntu install Chromium. */
export const SYSTEM_CHROMIUM_PATHS: readonly string[] = ["/usr/bin/chromium", "/usr/bin/chromium-browser"];
const NAMES = ["chromium", "chromium-browser"];

export const NO_CHROMIUM =
  "[chromium] the browser tests need Chromium and none could be installed here: install Debian's chromium package (apt-get install -y chromium) or Playwright's browser (npx playwright install chromium)";

export class ChromiumUnavailableError extends Error {
  override name = "ChromiumUnavailableError";
}

function isExecutableFile(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string, searchPath: string): string | undefined {
  for (const dir of searchPath.split(path.delimiter).filter(Boolean)) {
    const file = path.join(dir, name);
    if (isExecutableFile(file)) return file;
  }
  return undefined;
}

/**
 * Whether the browser runs at all: Ubuntu's `chromium-browser` can be a shim that only says to
 * install a snap, and a broken install fails here rather than in every browser test.
 */
function answersVersion(file: string): boolean {
  return spawnSync(file, ["--version"], { stdio: "ignore", timeout: 15_000 }).status === 0;
}

/**
 * The system's Chromium: the first fixed path that is an executable that answers `--version`, else
 * `chromium` or `chromium-browser` on PATH.
 */
export function findSystemChromium(
  options: { fixedPaths?: readonly string[]; searchPath?: string } = {},
): string | undefined {
  const { fixedPaths = SYSTEM_CHROMIUM_PATHS, searchPath = process.env.PATH ?? "" } = options;
  const fixed = fixedPaths.find((f) => isExecutableFile(f) && answersVersion(f));
  if (fixed) return fixed;
  for (const name of NAMES) {
    const found = onPath(name, searchPath);
    if (found && answersVersion(found)) return found;
  }
  return undefined;
}

export interface ProvisionOptions {
  fixedPaths: readonly string[];
  /** The PATH to find Chromium and apt-get on. */
  searchPath: string;
  /** Playwright's installer, as a command and its arguments. */
  playwrightInstall: readonly string[];
  /** It downloads from the internet: where that is unreachable it may fail fast or hang. */
  playwrightTimeoutMs: number;
  isRoot: boolean;
  log: (line: string) => void;
}

export type ProvisionedChromium =
  | { source: "system"; executablePath: string }
  | { source: "playwright" }
  | { source: "apt"; executablePath: string };

interface Outcome {
  ok: boolean;
  /** The last line of output worth showing when it failed. */
  why: string;
}

/** Runs a command in a process group of its own, so a timeout stops everything it started. */
function run(command: readonly string[], env: NodeJS.ProcessEnv, timeoutMs?: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const [file, ...args] = command;
    const child = spawn(file!, args, { env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    const collect = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-16_384);
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    const killGroup = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    };
    // If `npm test` itself is stopped meanwhile, the installer goes too.
    process.once("exit", killGroup);
    let timedOut = false;
    const timer =
      timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            killGroup();
          }, timeoutMs);
    const finish = (ok: boolean, why: string) => {
      if (timer) clearTimeout(timer);
      process.removeListener("exit", killGroup);
      resolve({ ok, why });
    };
    child.once("error", (error) => finish(false, error.message));
    child.once("close", (code) => {
      if (timedOut) return finish(false, `no answer within ${(timeoutMs ?? 0) / 1000} s`);
      const lines = output.split("\n").map((l) => l.trim());
      const why = lines.find((l) => /^(Error|E):/.test(l)) ?? lines.filter(Boolean).at(-1) ?? `exit code ${code}`;
      finish(code === 0, why);
    });
  });
}

function defaults(): ProvisionOptions {
  const cli = createRequire(import.meta.url).resolve("@playwright/test/cli");
  return {
    fixedPaths: SYSTEM_CHROMIUM_PATHS,
    searchPath: process.env.PATH ?? "",
    // As root it also installs the system libraries the browser needs (Debian lacks some).
    playwrightInstall: [process.execPath, cli, "install", ...(process.getuid?.() === 0 ? ["--with-deps"] : []), "chromium"],
    playwrightTimeoutMs: 300_000,
    isRoot: process.getuid?.() === 0,
    log: (line) => console.log(line),
  };
}

/** Finds or installs a Chromium; throws ChromiumUnavailableError (NO_CHROMIUM) when nothing works. */
export async function provisionChromium(overrides: Partial<ProvisionOptions> = {}): Promise<ProvisionedChromium> {
  const o = { ...defaults(), ...overrides };
  const find = () => findSystemChromium({ fixedPaths: o.fixedPaths, searchPath: o.searchPath });
  const env = process.env;

  const system = find();
  if (system) {
    o.log(`[chromium] using ${system}`);
    return { source: "system", executablePath: system };
  }

  o.log("[chromium] no system Chromium: trying Playwright's installer (needs the internet)");
  const playwright = await run(o.playwrightInstall, env, o.playwrightTimeoutMs);
  if (playwright.ok) {
    o.log("[chromium] using Playwright's Chromium");
    return { source: "playwright" };
  }
  o.log(`[chromium] Playwright's installer failed: ${playwright.why}`);

  const aptGet = onPath("apt-get", o.searchPath);
  if (o.isRoot && aptGet) {
    o.log("[chromium] installing Debian's chromium with apt-get (about a minute)");
    const aptEnv = { ...env, DEBIAN_FRONTEND: "noninteractive" };
    const install = [aptGet, "install", "-y", "chromium"];
    let installed = await run(install, aptEnv);
    if (!installed.ok) {
      // Package lists that are missing or stale: refresh them once and try again.
      o.log(`[chromium] apt-get install -y chromium failed: ${installed.why}; running apt-get update`);
      await run([aptGet, "update"], aptEnv);
      installed = await run(install, aptEnv);
    }
    const executablePath = find();
    if (installed.ok && executablePath) {
      o.log(`[chromium] installed ${executablePath}`);
      return { source: "apt", executablePath };
    }
    o.log(`[chromium] apt-get install -y chromium failed: ${installed.why}`);
  }
  throw new ChromiumUnavailableError(NO_CHROMIUM);
}
