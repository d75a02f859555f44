// Storage connections in the dashboard: an admin creates a local connection (a directory outside
// the granted roots is refused beside the field), tests it, creates an ingestion through it, and
// cannot delete it while the ingestion uses it; a viewer sees the list without the admin actions.
import { mkdirSync, writeFileSync } from "node:fs";
import { createAutoloaderClient } from "../src/client";
import { adminKey, expect, localRoot, test } from "./fixtures";

test("an admin creates a local connection, ingests through it, and cannot delete it while in use", async ({
  signedIn: page,
  baseURL,
}) => {
  const dir = `${localRoot}/connection-e2e`;
  mkdirSync(`${dir}/2026`, { recursive: true });
  writeFileSync(`${dir}/2026/a.json`, '{"id":1}\n');

  await page.goto("/ingestions");
  await page.getByRole("link", { name: "Connections", exact: true }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Connections" })).toBeVisible();
  const table = page.getByRole("table", { name: "Connections" });
  // The one the first start created on the default root.
  await expect(table.getByTestId("connection-files")).toContainText(localRoot);

  const form = page.getByRole("form", { name: "New connection" });
  await form.getByLabel("Connection name").fill("orders-dir");
  await form.getByLabel("Directory").fill("/etc");
  await form.getByRole("button", { name: "Create connection" }).click();
  await expect(page.locator("#location-path-error")).toContainText("is not under a root granted to this tenant");
  // Editing the field clears its error.
  await form.getByLabel("Directory").fill(dir);
  await expect(page.locator("#location-path-error")).toHaveCount(0);
  await form.getByRole("button", { name: "Create connection" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Connection ‘orders-dir’ created" })).toBeVisible();
  const row = table.getByTestId("connection-orders-dir");
  await expect(row).toContainText(dir);
  await expect(row).toContainText("local");

  // The same name again is refused beside the name.
  await form.getByLabel("Connection name").fill("orders-dir");
  await form.getByLabel("Directory").fill(dir);
  await form.getByRole("button", { name: "Create connection" }).click();
  await expect(page.locator("#name-error")).toContainText("orders-dir");

  await row.getByRole("button", { name: "Test" }).click();
  await expect(table.getByTestId("connection-orders-dir-test")).toContainText(`Works: ${dir} is reachable: 1 file(s)`);
  await expect(table.getByTestId("connection-orders-dir-test")).toContainText("2026/a.json");

  await page.goto("/ingestions/new");
  await page.getByLabel("Name", { exact: true }).fill("through a connection");
  await page.getByLabel("Connection", { exact: true }).selectOption("orders-dir");
  await page.getByLabel("Path", { exact: true }).fill("2026");
  await expect(page.getByTestId("source-location")).toHaveText(`${dir}/2026`);
  await page.getByLabel("Destination table").fill("through_connection");
  await page.getByRole("button", { name: "Create ingestion" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "through a connection" })).toBeVisible();
  await expect(page.getByTestId("source-connection")).toHaveText("orders-dir");
  await expect(page.getByTestId("source-path")).toHaveText("2026");
  const ingestionUrl = page.url();

  await page.goto("/connections");
  await expect(row.getByRole("cell").nth(4)).toHaveText("1");
  await row.getByRole("button", { name: "Delete" }).click();
  const dialog = page.getByRole("dialog", { name: "Delete connection ‘orders-dir’?" });
  await expect(dialog).toContainText("One ingestion reads through it");
  await dialog.getByRole("button", { name: "Delete connection" }).click();
  await expect(dialog.getByRole("alert")).toHaveText(
    "Connection 'orders-dir' is used by 1 ingestion(s) ('through a connection'); delete them first",
  );
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(row).toBeVisible();

  // Once no ingestion uses it, it goes.
  const autoloader = createAutoloaderClient({ url: baseURL ?? "", apiKey: adminKey() });
  await autoloader.ingestions.delete.mutate({ id: ingestionUrl.split("/").pop() ?? "" });
  await page.reload();
  await row.getByRole("button", { name: "Delete" }).click();
  await expect(dialog).toContainText("the files it points at are not touched");
  await dialog.getByRole("button", { name: "Delete connection" }).click();
  await expect(row).toHaveCount(0);
  await expect(table.getByTestId("connection-files")).toBeVisible();
});

test("a viewer sees the connections without the admin's actions", async ({ browser, baseURL }) => {
  const admin = createAutoloaderClient({ url: baseURL ?? "", apiKey: adminKey() });
  const viewer = await admin.keys.create.mutate({ name: "connections viewer", role: "VIEWER" });
  const context = await browser.newContext();
  const page = await context.newPage();
  const signIn = await page.request.post("/api/trpc/auth.signIn", { data: { json: { apiKey: viewer.key } } });
  expect(signIn.status()).toBe(200);

  await page.goto("/connections");
  await expect(page.getByRole("table", { name: "Connections" }).getByTestId("connection-files")).toBeVisible();
  await expect(page.getByTestId("connections-admin-only")).toContainText("needs the admin role; your key has the viewer role");
  await expect(page.getByRole("form", { name: "New connection" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Delete" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Test" })).toHaveCount(0);
  await context.close();
});
