// The create form's optional checks: previewing the source (schema with hints, sample rows,
// warnings) and estimating the cost, before creating the ingestion.
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { expect, localRoot, test } from "./fixtures";

test("the create form previews the source and estimates its cost, then creates", async ({ signedIn: page }) => {
  const dir = `${localRoot}/preview-e2e`;
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}/a.json`, '{"id":1,"name":"alpha","amount":"12.50"}\n{"id":2,"name":"beta","amount":"3"}\n');
  writeFileSync(`${dir}/b.json`, '{"id":3,"country":"DE","amount":"7.25"}\n');
  writeFileSync(`${dir}/c.json`, '{"id":4,"name":\n');

  await page.goto("/ingestions/new");
  await page.getByLabel("Name", { exact: true }).fill("preview e2e");
  // The default tenant's "files" connection is on the local root (created at first start).
  await expect(page.getByLabel("Connection", { exact: true })).toHaveValue("files");
  await page.getByLabel("Path", { exact: true }).fill("preview-e2e");
  await expect(page.getByTestId("source-location")).toHaveText(dir);
  await page.getByLabel("Glob").fill("*.json");
  await page.getByLabel("Destination table").fill("preview_e2e");
  await page.getByRole("button", { name: "Add a schema hint" }).click();
  await expect(page.getByLabel("Column of hint 1")).toBeFocused();
  await page.getByLabel("Column of hint 1").fill("amount");
  await page.getByLabel("Type of hint 1").fill("DECIMAL(18,2)");

  await page.getByRole("button", { name: "Preview source" }).click();
  const preview = page.getByRole("region", { name: "Preview" });
  await expect(preview.getByTestId("preview-summary")).toContainText("3 files");
  await expect(preview.getByTestId("preview-summary")).toContainText("sampled 3 files");
  await expect(preview.getByTestId("preview-summary")).toContainText("1 unreadable");

  const schema = preview.getByRole("table", { name: "Schema" });
  const amount = schema.getByRole("row", { name: /^amount/ });
  await expect(amount).toContainText("DECIMAL(18,2)");
  await expect(amount).toContainText("inferred VARCHAR");
  await expect(amount).toContainText("hint");
  await expect(amount).toContainText("2/2 files");
  await expect(schema.getByRole("row", { name: /^country/ })).toContainText("inferred");
  await expect(schema.getByRole("row", { name: /^country/ })).toContainText("1/2 files");

  const rows = preview.getByRole("table", { name: "Sample rows" });
  await expect(rows.getByRole("row")).toHaveCount(4); // the header and 3 rows
  await expect(rows).toContainText("alpha");
  await expect(rows).toContainText("12.50");
  // a.json has no country, b.json no name: NULLs, shown as such.
  await expect(rows.getByText("NULL", { exact: true }).first()).toBeVisible();

  const warnings = preview.getByRole("region", { name: /Warnings/ });
  await expect(warnings).toContainText("Cannot read c.json");

  // A changed hint makes the preview out of date until it is asked again.
  await page.getByLabel("Type of hint 1").fill("DOUBLE");
  await expect(preview).toContainText("have changed since this preview");
  await page.getByRole("button", { name: "Preview source" }).click();
  await expect(preview.getByRole("table", { name: "Schema" }).getByRole("row", { name: /^amount/ })).toContainText(
    "DOUBLE",
  );
  await expect(preview).not.toContainText("have changed since this preview");

  await page.getByRole("button", { name: "Estimate cost" }).click();
  const cost = page.getByRole("region", { name: "Cost estimate" });
  await expect(cost.getByTestId("cost-backfill")).toContainText("3 files");
  await expect(cost.getByTestId("cost-backfill")).toContainText("Total");
  await expect(cost.getByTestId("cost-monthly")).toContainText("Manual only");
  await expect(cost.getByTestId("cost-rate")).toContainText("MB/s for JSON");
  const assumptions = cost.getByRole("list", { name: "Assumptions" }).getByRole("listitem");
  await expect(assumptions.filter({ hasText: "Backfill now" })).toContainText("3 files");
  await expect(assumptions.filter({ hasText: "A local directory has no request charges" })).toHaveCount(1);

  await page.getByRole("button", { name: "Create ingestion" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "preview e2e" })).toBeVisible();
});

test("a preview says when nothing matches, and a refused source shows beside the field", async ({ signedIn: page }) => {
  const dir = `${localRoot}/preview-empty`;
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}/notes.txt`, "not data\n");

  await page.goto("/ingestions/new");
  await page.getByLabel("Path", { exact: true }).fill("preview-empty");
  await page.getByLabel("Glob").fill("*.json");
  await page.getByRole("button", { name: "Preview source" }).click();
  const preview = page.getByRole("region", { name: "Preview" });
  await expect(preview.getByTestId("preview-summary")).toContainText("0 files");
  await expect(preview.getByRole("region", { name: /Warnings/ })).toContainText(`No files under ${dir} match '*.json'`);
  await expect(preview.getByRole("table")).toHaveCount(0);

  // A path inside the connection that leaves the granted root through a symlink is refused.
  const escape = `${localRoot}/preview-escape`;
  rmSync(escape, { force: true });
  symlinkSync("/etc", escape);
  await page.getByLabel("Path", { exact: true }).fill("preview-escape");
  await page.getByRole("button", { name: "Preview source" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "Could not preview the source" })).toContainText(
    "outside the allowed roots",
  );
  await expect(page.locator(".field-error").filter({ hasText: "outside the allowed roots" })).toBeVisible();

  await page.getByLabel("Path", { exact: true }).fill("preview-missing");
  await page.getByRole("button", { name: "Preview source" }).click();
  await expect(page.locator("#source-path-error")).toContainText(`Local source directory ${localRoot}/preview-missing does not exist`);
  await expect(page.getByRole("alert").filter({ hasText: "Could not preview the source" })).toBeVisible();
  // Editing the field clears its error.
  await page.getByLabel("Path", { exact: true }).fill("preview-empty");
  await expect(page.locator("#source-path-error")).toHaveCount(0);
});

test("Preview, Estimate and Create wait until the tenant's connections have loaded, so they never go out without one", async ({ signedIn: page }) => {
  const dir = `${localRoot}/preview-slow-connections`;
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}/a.json`, '{"id":1}\n');
  // The connection list answers late (a busy server): a click before it arrives must not send an empty connection.
  let answered = false;
  await page.route(
    (url) => url.pathname.startsWith("/api/trpc/") && url.pathname.includes("connections.list"),
    async (route) => {
      await new Promise((r) => setTimeout(r, 2_000));
      answered = true;
      await route.continue();
    },
  );
  await page.goto("/ingestions/new");
  await page.getByLabel("Path", { exact: true }).fill("preview-slow-connections");
  await page.getByLabel("Glob").fill("*.json");
  const previewButton = page.getByRole("button", { name: "Preview source" });
  await expect(previewButton).toBeDisabled();
  await expect(page.getByRole("button", { name: "Estimate cost" })).toBeDisabled();
  await expect(page.getByRole("button", { name: "Create ingestion" })).toBeDisabled();
  await previewButton.click();
  expect(answered).toBe(true);
  const preview = page.getByRole("region", { name: "Preview" });
  await expect(preview.getByTestId("preview-summary")).toContainText("1 file");
  await expect(page.getByRole("alert").filter({ hasText: "Could not preview the source" })).toHaveCount(0);
});
