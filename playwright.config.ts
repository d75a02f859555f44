// Browser tests against the production build, served by `npm start`'s script on a fresh data
// directory. Uses Debian's Chromium when present (npx playwright install cannot work offline).
import { existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { defineConfig, devices } from "@playwright/test";

export const E2E_PORT = Number(process.env.E2E_PORT ?? 3100);
export const E2E_DATA_DIR = path.join(os.tmpdir(), `autoloader-e2e-${E2E_PORT}`);
export const E2E_LOCAL_ROOT = path.join(E2E_DATA_DIR, "files");

const systemChromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => existsSync(p));

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
    command: `rm -rf '${E2E_DATA_DIR}' && mkdir -p '${E2E_LOCAL_ROOT}/landing' && node node_modules/tsx/dist/cli.mjs scripts/start.ts`,
    url: `http://127.0.0.1:${E2E_PORT}/api/health`,
    reuseExistingServer: false,
    timeout: 240_000,
    stdout: "pipe",
    stderr: "pipe",
    gracefulShutdown: { signal: "SIGTERM", timeout: 15_000 },
    env: {
      PORT: String(E2E_PORT),
      AUTOLOADER_DATA_DIR: E2E_DATA_DIR,
      AUTOLOADER_LOCAL_ROOTS: E2E_LOCAL_ROOT,
      NEXT_TELEMETRY_DISABLED: "1",
      DATABASE_URL: "",
    },
  },
});
