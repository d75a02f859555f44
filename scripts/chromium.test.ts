// How `npm test` gets a Chromium for the browser tests, on real files and real processes: the
// lookup of a system Chromium, and the order system → Playwright's installer → apt → one-line
// refusal. The installers are small shell scripts on a PATH of their own, which record how they
// were called; the real ones run in `npm test` itself.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ChromiumUnavailableError, NO_CHROMIUM, findSystemChromium, provisionChromium, type ProvisionOptions } from "./chromium";

let dir: string;
let bin: string;
let calls: string;

function executable(file: string, script = "#!/bin/sh\nexit 0\n"): string {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, script);
  chmodSync(file, 0o755);
  return file;
}

/** A stand-in installer: appends its name and arguments to the calls file, then runs `body`. */
function installer(name: string, body: string): string {
  return executable(path.join(bin, name), `#!/bin/sh\necho "${name} $*" >> '${calls}'\n${body}\n`);
}

function recordedCalls(): string[] {
  return existsSync(calls) ? readFileSync(calls, "utf8").trimEnd().split("\n").map((l) => l.trimEnd()) : [];
}

/** Options that see only this test's directory: no fixed paths, PATH = its bin directory. */
function options(overrides: Partial<ProvisionOptions> = {}): Partial<ProvisionOptions> {
  return {
    fixedPaths: [],
    searchPath: bin,
    playwrightInstall: [path.join(bin, "playwright-install")],
    playwrightTimeoutMs: 10_000,
    isRoot: true,
    log: () => {},
    ...overrides,
  };
}

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "autoloader-chromium-"));
  bin = path.join(dir, "bin");
  mkdirSync(bin);
  calls = path.join(dir, "calls");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("findSystemChromium", () => {
  it("takes the first fixed path that is an executable file", () => {
    const notExecutable = path.join(dir, "usr/bin/chromium");
    mkdirSync(path.dirname(notExecutable), { recursive: true });
    writeFileSync(notExecutable, "");
    const directory = path.join(dir, "opt/chromium");
    mkdirSync(directory, { recursive: true });
    const browser = executable(path.join(dir, "usr/bin/chromium-browser"));
    expect(findSystemChromium({ fixedPaths: [notExecutable, directory, browser], searchPath: "" })).toBe(browser);
  });

  it("then looks for chromium on PATH, in PATH order, and only then for chromium-browser", () => {
    const first = path.join(dir, "first");
    const second = path.join(dir, "second");
    const third = path.join(dir, "third");
    executable(path.join(first, "chromium-browser"));
    const chromium = executable(path.join(second, "chromium"));
    executable(path.join(third, "chromium"));
    const searchPath = [path.join(dir, "missing"), first, second, third].join(":");
    expect(findSystemChromium({ fixedPaths: [], searchPath })).toBe(chromium);
    rmSync(chromium);
    expect(findSystemChromium({ fixedPaths: [], searchPath })).toBe(path.join(third, "chromium"));
    rmSync(path.join(third, "chromium"));
    expect(findSystemChromium({ fixedPaths: [], searchPath })).toBe(path.join(first, "chromium-browser"));
  });

  it("skips a Chromium that does not run, such as a snap shim that only says to install the snap", () => {
    const shim = executable(path.join(dir, "usr/bin/chromium-browser"), '#!/bin/sh\necho "Command requires the chromium snap"; exit 1\n');
    const real = executable(path.join(bin, "chromium"), '#!/bin/sh\n[ "$1" = "--version" ] && echo "Chromium 156.0"; exit 0\n');
    expect(findSystemChromium({ fixedPaths: [shim], searchPath: bin })).toBe(real);
    rmSync(real);
    expect(findSystemChromium({ fixedPaths: [shim], searchPath: bin })).toBeUndefined();
  });

  it("finds nothing where there is nothing", () => {
    expect(findSystemChromium({ fixedPaths: [path.join(dir, "none")], searchPath: bin })).toBeUndefined();
  });
});

describe("provisionChromium", () => {
  it("uses a system Chromium without running any installer", async () => {
    const system = executable(path.join(dir, "usr/bin/chromium"));
    installer("playwright-install", "exit 0");
    installer("apt-get", "exit 0");
    expect(await provisionChromium(options({ fixedPaths: [system] }))).toEqual({ source: "system", executablePath: system });
    expect(recordedCalls()).toEqual([]);
  });

  it("uses Playwright's own browser when its installer succeeds, and leaves apt alone", async () => {
    installer("playwright-install", "exit 0");
    installer("apt-get", "exit 0");
    expect(await provisionChromium(options())).toEqual({ source: "playwright" });
    expect(recordedCalls()).toEqual(["playwright-install"]);
  });

  it("installs Debian's chromium with apt when Playwright's installer fails and it runs as root", async () => {
    installer("playwright-install", "echo 'Error: getaddrinfo ENOTFOUND cdn.playwright.dev' >&2; exit 1");
    installer("apt-get", `[ "$1" = install ] && printf '#!/bin/sh\\n' > '${bin}/chromium' && chmod 755 '${bin}/chromium'`);
    const lines: string[] = [];
    expect(await provisionChromium(options({ log: (l) => lines.push(l) }))).toEqual({
      source: "apt",
      executablePath: path.join(bin, "chromium"),
    });
    expect(recordedCalls()).toEqual(["playwright-install", "apt-get install -y chromium"]);
    expect(lines).toContain("[chromium] Playwright's installer failed: Error: getaddrinfo ENOTFOUND cdn.playwright.dev");
  });

  it("refreshes apt's package lists when the first install fails, then installs again", async () => {
    installer("playwright-install", "exit 1");
    installer(
      "apt-get",
      `case "$1" in update) touch '${dir}/updated' ;; install) [ -e '${dir}/updated' ] || exit 100; printf '#!/bin/sh\\n' > '${bin}/chromium'; chmod 755 '${bin}/chromium' ;; esac`,
    );
    expect(await provisionChromium(options())).toEqual({ source: "apt", executablePath: path.join(bin, "chromium") });
    expect(recordedCalls()).toEqual(["playwright-install", "apt-get install -y chromium", "apt-get update", "apt-get install -y chromium"]);
  });

  it("gives up on a Playwright installer that hangs once its time is up", async () => {
    installer("playwright-install", "sleep 30");
    installer("apt-get", `printf '#!/bin/sh\\n' > '${bin}/chromium'; chmod 755 '${bin}/chromium'`);
    const lines: string[] = [];
    const started = Date.now();
    expect(await provisionChromium(options({ playwrightTimeoutMs: 500, log: (l) => lines.push(l) }))).toMatchObject({ source: "apt" });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(lines).toContain("[chromium] Playwright's installer failed: no answer within 0.5 s");
  });

  it("refuses in one line naming what to install when it is not root", async () => {
    installer("playwright-install", "exit 1");
    installer("apt-get", "exit 0");
    await expect(provisionChromium(options({ isRoot: false }))).rejects.toThrow(new ChromiumUnavailableError(NO_CHROMIUM));
    expect(recordedCalls()).toEqual(["playwright-install"]);
  });

  it("refuses in one line when there is no apt-get", async () => {
    installer("playwright-install", "exit 1");
    await expect(provisionChromium(options())).rejects.toThrow(new ChromiumUnavailableError(NO_CHROMIUM));
  });

  it("refuses in one line when apt cannot install it either", async () => {
    installer("playwright-install", "exit 1");
    installer("apt-get", "echo 'E: Unable to locate package chromium' >&2; exit 100");
    const lines: string[] = [];
    await expect(provisionChromium(options({ log: (l) => lines.push(l) }))).rejects.toThrow(new ChromiumUnavailableError(NO_CHROMIUM));
    expect(recordedCalls()).toEqual(["playwright-install", "apt-get install -y chromium", "apt-get update", "apt-get install -y chromium"]);
    expect(lines).toContain("[chromium] apt-get install -y chromium failed: E: Unable to locate package chromium");
  });

  it("says what to install in one line", () => {
    expect(NO_CHROMIUM).toBe(
      "[chromium] the browser tests need Chromium and none could be installed here: install Debian's chromium package (apt-get install -y chromium) or Playwright's browser (npx playwright install chromium)",
    );
    expect(NO_CHROMIUM).not.toContain("\n");
  });
});
