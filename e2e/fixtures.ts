// Shared e2e setup: the admin key the server wrote at first start, and a signed-in page that
// gets its session through the API (not by clicking through the sign-in form each time).
import { readFileSync } from "node:fs";
import path from "node:path";
import { test as base, expect, type Page } from "@playwright/test";
import { E2E_DATA_DIR, E2E_LOCAL_ROOT } from "../playwright.config";

export function adminKey(): string {
  return readFileSync(path.join(E2E_DATA_DIR, "admin-key"), "utf8").trim();
}

export const localRoot = E2E_LOCAL_ROOT;

export const test = base.extend<{ signedIn: Page }>({
  signedIn: async ({ page }, use) => {
    const res = await page.request.post("/api/trpc/auth.signIn", {
      data: { json: { apiKey: adminKey() } },
    });
    expect(res.status()).toBe(200);
    await use(page);
  },
});

export { expect };
