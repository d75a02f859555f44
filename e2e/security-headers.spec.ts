// The edge against the production build over real HTTP: security headers on pages and API
// responses, a nonce CSP that the dashboard runs under without a single violation (sign-in and
// navigation need its scripts), no paths in /api/health, and the body limit and JSON-only rule of
// /api/trpc — measured on the server process itself (its RSS, read from /proc).
import { readFileSync } from "node:fs";
import path from "node:path";
import { E2E_DATA_DIR } from "../playwright.config";
import { adminKey, expect, test } from "./fixtures";

const MiB = 1024 * 1024;

function expectStaticHeaders(headers: Record<string, string>) {
  expect(headers["x-content-type-options"]).toBe("nosniff");
  expect(headers["referrer-policy"]).toBe("strict-origin-when-cross-origin");
  expect(headers["x-frame-options"]).toBe("DENY");
}

/** The server's resident memory, from the pid the embedded database's lock names. */
function serverRssMiB(): number {
  const pid = Number(readFileSync(path.join(E2E_DATA_DIR, "pglite.lock"), "utf8"));
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1]) / 1024;
}

test("pages carry a nonce CSP without unsafe-eval, frame-ancestors 'none' and the other headers", async ({ page }) => {
  const response = await page.goto("/sign-in");
  const headers = response!.headers();
  const csp = headers["content-security-policy"] ?? "";
  expect(csp).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+' 'strict-dynamic'/);
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).toContain("object-src 'none'");
  expect(csp).not.toContain("unsafe-eval");
  expect(csp).not.toContain("'unsafe-inline'");
  expectStaticHeaders(headers);
  // A new nonce per request.
  const again = (await page.request.get("/sign-in")).headers()["content-security-policy"];
  expect(again).not.toBe(csp);
});

test("the dashboard signs in and navigates under the CSP with no violation", async ({ page }) => {
  const violations: string[] = [];
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      (window as unknown as { __csp: string[] }).__csp ??= [];
      (window as unknown as { __csp: string[] }).__csp.push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  page.on("console", (m) => {
    if (m.type() === "error" && /Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text());
  });
  await page.goto("/");
  await expect(page.getByRole("heading", { name: "Sign in to Autoloader" })).toBeVisible();
  await page.getByLabel("API key").fill(adminKey());
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Ingestions" })).toBeVisible();
  await page.getByRole("link", { name: "New ingestion" }).click();
  await expect(page).toHaveURL(/\/ingestions\/new$/);
  await page.goto("/keys");
  await expect(page.getByRole("heading", { name: /API keys/ })).toBeVisible();
  // A cookie-authenticated mutation from the dashboard itself passes the Origin check.
  const signOut = page.waitForResponse((r) => r.url().includes("/api/trpc/auth.signOut"));
  await page.getByRole("button", { name: "Sign out" }).click();
  expect((await signOut).status()).toBe(200);
  await expect(page.getByRole("heading", { name: "Sign in to Autoloader" })).toBeVisible();
  const recorded = await page.evaluate(() => (window as unknown as { __csp?: string[] }).__csp ?? []);
  expect([...recorded, ...violations]).toEqual([]);
  // The listener works: injected markup with an inline handler (what an XSS would add) is blocked and reported.
  await page.evaluate(() => {
    document.body.insertAdjacentHTML("beforeend", '<img src="/no-such-image.png" onerror="window.__injected = true">');
  });
  await expect
    .poll(() => page.evaluate(() => (window as unknown as { __csp?: string[] }).__csp ?? []))
    .toEqual([expect.stringMatching(/^script-src(-attr)? inline$/)]);
  expect(await page.evaluate(() => (window as unknown as { __injected?: boolean }).__injected)).toBeUndefined();
});

test("API responses carry a CSP that allows nothing, and /api/health names no path", async ({ request }) => {
  const trpc = await request.get("/api/trpc/health.check");
  expect(trpc.status()).toBe(200);
  expect(trpc.headers()["content-security-policy"]).toBe("default-src 'none'; frame-ancestors 'none'");
  expectStaticHeaders(trpc.headers());

  const health = await request.get("/api/health");
  expect(health.status()).toBe(200);
  expect(health.headers()["content-security-policy"]).toBe("default-src 'none'; frame-ancestors 'none'");
  expectStaticHeaders(health.headers());
  const text = await health.text();
  expect(text).not.toContain(E2E_DATA_DIR);
  expect(text).not.toMatch(/"\/[^"]*"/);
  expect(JSON.parse(text)).toMatchObject({ status: "ok", warehouse: { status: "ok" } });
});

test("/api/trpc refuses non-JSON mutations (415) and oversized bodies (413) without the server buffering them", async ({ request }) => {
  const form = await request.post("/api/trpc/auth.signOut", { multipart: { a: "1" } });
  expect(form.status()).toBe(415);
  const text = await request.post("/api/trpc/auth.signIn", { data: "{}", headers: { "content-type": "text/plain" } });
  expect(text.status()).toBe(415);
  expect((await text.json()).error.json.data.code).toBe("UNSUPPORTED_MEDIA_TYPE");

  const before = serverRssMiB();
  const big = Buffer.alloc(100 * MiB, 0x61);
  const started = Date.now();
  const answers = await Promise.all(
    Array.from({ length: 4 }, () =>
      request.post("/api/trpc/auth.signIn", { data: big, headers: { "content-type": "application/json" } }).then((r) => r.status()),
    ),
  );
  expect(answers).toEqual([413, 413, 413, 413]);
  const health = await request.get("/api/health");
  expect(health.status()).toBe(200);
  expect(Date.now() - started).toBeLessThan(10_000);
  const grown = serverRssMiB() - before;
  console.log(`[edge] 4 × 100 MiB sign-in bodies: server RSS ${before.toFixed(0)} → ${(before + grown).toFixed(0)} MiB`);
  expect(grown).toBeLessThan(100);
});
