import { mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createAutoloaderClient } from "../src/client";
import { adminKey, expect, localRoot, test } from "./fixtures";

test("a newcomer signs in with the admin key, creates, pauses, resumes and deletes an ingestion", async ({ page }) => {
  await page.goto("/");
  await expect(page).toHaveURL(/\/sign-in$/);
  await expect(page.getByRole("heading", { name: "Sign in to Autoloader" })).toBeVisible();

  await page.getByLabel("API key").fill("al_this-is-not-a-valid-key-at-all");
  await page.getByRole("button", { name: "Sign in" }).click();
  // Next adds an empty route-announcer alert to every page; ours is the one with text.
  await expect(page.getByRole("alert").filter({ hasText: "not valid" })).toHaveText(
    "That API key is not valid, has expired or has been revoked",
  );

  await page.getByLabel("API key").fill(adminKey());
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/ingestions$/);
  await expect(page.getByRole("heading", { name: "Ingestions" })).toBeVisible();
  await expect(page.getByText("No ingestions yet")).toBeVisible();

  await page.getByRole("link", { name: "New ingestion" }).click();
  await expect(page.getByRole("heading", { name: "New ingestion" })).toBeVisible();
  await page.getByLabel("Name", { exact: true }).fill("orders landing");
  await page.getByLabel("Path", { exact: true }).fill("landing");
  await page.getByLabel("Glob").fill("**/*.jsonl");
  await page.getByLabel("Format").selectOption("JSON");
  await page.getByLabel("Destination schema").fill("raw");
  await page.getByLabel("Destination table").fill("orders");
  await page.getByLabel("Schedule").selectOption("DAILY");
  await page.getByLabel("Time", { exact: true }).fill("14:30");
  await page.getByLabel("Time zone").fill("Europe/Berlin");
  await page.getByRole("button", { name: "Create ingestion" }).click();

  await expect(page.getByRole("heading", { level: 1, name: "orders landing" })).toBeVisible();
  await expect(page.getByTestId("ingestion-status")).toHaveText("Active");
  await expect(page.getByTestId("source-connection")).toHaveText("files");
  await expect(page.getByTestId("source-path")).toHaveText("landing");
  await expect(page.getByText("Daily at 14:30 (Europe/Berlin)")).toBeVisible();
  await expect(page.getByTestId("upcoming-runs").getByRole("listitem")).toHaveCount(5);

  await page.getByRole("link", { name: "Ingestions" }).first().click();
  const row = page.getByRole("row", { name: /orders landing/ });
  await expect(row).toContainText(`${localRoot}/landing`);
  await expect(row).toContainText("raw.orders");
  await expect(row).toContainText("Daily at 14:30 (Europe/Berlin)");
  await row.getByRole("link", { name: "orders landing" }).click();

  await page.getByRole("button", { name: "Pause" }).click();
  await expect(page.getByTestId("ingestion-status")).toHaveText("Paused");
  await page.getByRole("button", { name: "Resume" }).click();
  await expect(page.getByTestId("ingestion-status")).toHaveText("Active");

  await page.getByRole("button", { name: "Delete" }).click();
  const dialog = page.getByRole("dialog");
  await expect(dialog).toBeVisible();
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "orders landing" })).toBeVisible();
  await page.getByRole("button", { name: "Delete" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Delete ingestion" }).click();

  await expect(page).toHaveURL(/\/ingestions$/);
  await expect(page.getByText("No ingestions yet")).toBeVisible();
});

test("the create form shows validation errors next to the fields", async ({ signedIn: page }) => {
  await page.goto("/ingestions/new");
  await page.getByLabel("Name", { exact: true }).fill("bad one");
  await page.getByLabel("Path", { exact: true }).fill("/etc/passwd-dir");
  await page.getByLabel("Destination table").fill("Bad-Table");
  await page.getByRole("button", { name: "Create ingestion" }).click();
  await expect(page.locator("#source-path-error")).toContainText("Path is inside the connection: remove the leading /");
  await expect(page.locator("#destination-table-error")).toContainText(
    "Destination table must start with a lowercase letter or underscore",
  );

  // Passes the client checks but the server refuses it (a symlink out of the connection's root):
  // the message lands next to a source field too.
  const escape = `${localRoot}/create-escape`;
  rmSync(escape, { force: true });
  symlinkSync("/etc", escape);
  await page.getByLabel("Path", { exact: true }).fill("create-escape");
  await page.getByLabel("Destination table").fill("ok_table");
  await page.getByRole("button", { name: "Create ingestion" }).click();
  await expect(page.locator(".field-error").filter({ hasText: "outside the allowed roots" })).toBeVisible();
});

test("the API answers 401 without credentials; the typed client works with a key", async ({ request, baseURL }) => {
  const anonymous = await request.get("/api/trpc/ingestions.list");
  expect(anonymous.status()).toBe(401);

  const autoloader = createAutoloaderClient({ url: baseURL ?? "", apiKey: adminKey() });
  const created = await autoloader.ingestions.create.mutate({
    name: "from a service",
    source: { connection: "files", path: "landing" },
    format: { type: "CSV", options: { delimiter: ";" } },
    destination: { schema: "raw", table: "from_service" },
  });
  expect(created.format).toEqual({
    type: "CSV",
    // Quote and escape were not set: each file's are detected.
    options: { delimiter: ";", header: true, nullString: "", compression: "AUTO" },
  });
  const { items } = await autoloader.ingestions.list.query({ search: "service" });
  expect(items.map((i) => i.id)).toEqual([created.id]);
  await autoloader.ingestions.delete.mutate({ id: created.id });

  const wrongKey = createAutoloaderClient({ url: baseURL ?? "", apiKey: "al_revoked-or-never-issued-key" });
  await expect(wrongKey.ingestions.list.query({})).rejects.toMatchObject({
    data: { code: "UNAUTHORIZED", httpStatus: 401 },
    message: "The API key is not valid, has expired or has been revoked",
  });
});

test("signing out ends the session", async ({ signedIn: page }) => {
  await page.goto("/ingestions");
  await expect(page.getByRole("heading", { name: "Ingestions" })).toBeVisible();
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/sign-in$/);
  await page.goto("/ingestions");
  await expect(page).toHaveURL(/\/sign-in$/);
});

test("Run now loads the landing files and the run shows its outcome per file", async ({ signedIn: page }) => {
  const dir = `${localRoot}/runs-e2e`;
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}/a.jsonl`, '{"id":1,"name":"a"}\n{"id":2,"name":"b"}\n');
  writeFileSync(`${dir}/broken.jsonl`, '{"id":3,"name":\n');
  // One string id among numbers: the column becomes JSON, and the run page says why.
  writeFileSync(`${dir}/odd.jsonl`, '{"id":"x4","name":"d"}\n');

  await page.goto("/ingestions/new");
  await page.getByLabel("Name", { exact: true }).fill("runs e2e");
  await page.getByLabel("Path", { exact: true }).fill("runs-e2e");
  await page.getByLabel("Destination table").fill("runs_e2e");
  await page.getByRole("button", { name: "Create ingestion" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "runs e2e" })).toBeVisible();
  await expect(page.getByText("No runs yet")).toBeVisible();

  await page.getByRole("button", { name: "Run now" }).click();
  await expect(page.getByTestId("run-status").first()).toHaveText("Partial", { timeout: 30_000 });
  await page.getByRole("link", { name: "Details" }).first().click();
  await expect(page.getByTestId("run-status")).toHaveText("Partial");
  const failed = page.getByRole("row", { name: /broken\.jsonl/ });
  await expect(failed).toContainText("Failed");
  await expect(failed).toContainText("Malformed JSON");
  await expect(page.getByRole("row", { name: /^a\.jsonl/ })).toContainText("Loaded");
  await expect(page.getByTestId("run-warnings")).toContainText(
    `Column 'id' became JSON because its values have different types: number in 2 rows, string in 1 row (e.g. "x4" in ${dir}/odd.jsonl)`,
  );
  await expect(page.getByRole("list", { name: "Warnings of version 1" })).toContainText("Column 'id' became JSON");
});
