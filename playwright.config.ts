// Browser tests against the test's own production build (E2E_BUILD_DIR), served by `npm start`'s
// script on a fresh data directory bound to 127.0.0.1. Runs the system Chromium when there is one
// (`npm test` installs Debian's when it can: scripts/chromium.ts), else Playwright's own browser.
import os from "node:os";
import path from "node:path";
import { defineConfig, devices } from "@playwright/test";
import { findSystemChromium } from "./scripts/chromium";

export const E2E_PORT = Number(process.env.E2E_PORT ?? 3100);
export const E2E_DATA_DIR = path.join(os.tmpdir(), `autoloader-e2e-${E2E_PORT}`);
export const E2E_LOCAL_ROOT = path.join(E2E_DATA_DIR, "files");
/** The browser tests' production build: its own directory, so `npm test` never rebuilds the `.next` that `npm start` serves. */
export const E2E_BUILD_DIR = ".next-test";

const systemChromium = findSystemChromium();

export default defineConfig({
  testDir: "e2e",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: !!process.env.CI,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [["list"], ["json", { outputFile: "test-results/e2e-results.json" }]],
  outputDir: "test-results/e2e",
  use: {
    baseURL: `http://127.0.0.1:${E2E_PORT}`,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    ...devices["Desktop Chrome"],
    ...(systemChromium
      ? {
          launchOptions: {
            executablePath: systemChromium,
            args: [
              "--headless",
              "--no-sandbox",
              "--disable-gpu",
              "--disable-quic",
              "--no-first-run",
              "--disable-background-networking",
              "--disable-component-update",
              "--disable-sync",
              "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
            ],
          },
        }
      : {}),
  },
  webServer: {
    // A fresh data directory each run, so the first start creates the admin key the tests read.
    command: `rm -rf '${E2E_DATA_DIR}' && mkdir -p '${E2E_LOCAL_ROOT}/landing' && node --import tsx scripts/start.ts`,
    url: `http://127.0.0.1:${E2E_PORT}/api/health`,
    reuseExistingServer: false,
    timeout: 240_000,
    stdout: "pipe",
    stderr: "pipe",
    gracefulShutdown: { signal: "SIGTERM", timeout: 15_000 },
    env: {
      PORT: String(E2E_PORT),
      HOST: "127.0.0.1",
      AUTOLOADER_BUILD_DIR: E2E_BUILD_DIR,
      AUTOLOADER_DATA_DIR: E2E_DATA_DIR,
      AUTOLOADER_LOCAL_ROOTS: E2E_LOCAL_ROOT,
      NEXT_TELEMETRY_DISABLED: "1",
      DATABASE_URL: "",
    },
  },
});
