// The maintenance features end to end: retry a partial run, the file history (attempts,
// reprocess), a FULL refresh from its dry-run plan, and delete with the table.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { createAutoloaderClient } from "../src/client";
import { shortRunId } from "../src/components/runs/run-types";
import { adminKey, expect, localRoot, test } from "./fixtures";

test("retry a partial run, reprocess a file, refresh FULL and delete with the table", async ({ signedIn: page, baseURL }) => {
  const dir = `${localRoot}/maintenance-e2e`;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}/good.jsonl`, '{"id":1,"name":"a"}\n{"id":2,"name":"b"}\n');
  writeFileSync(`${dir}/broken.jsonl`, '{"id":3,"name":\n');

  // Seeded through the API: the create form is not what this test is about.
  const autoloader = createAutoloaderClient({ url: baseURL ?? "", apiKey: adminKey() });
  const ingestion = await autoloader.ingestions.create.mutate({
    name: "maintenance e2e",
    // The default tenant's "files" connection is on the local root (created at first start).
    source: { connection: "files", path: path.relative(localRoot, dir) },
    format: { type: "JSON" },
    destination: { schema: "raw", table: "maintenance_e2e" },
  });

  await page.goto(`/ingestions/${ingestion.id}`);
  const runs = page.getByRole("region", { name: "Runs", exact: true });
  const files = page.getByRole("region", { name: "Files", exact: true });
  await expect(files.getByText("No files yet — they appear after the first run")).toBeVisible();

  // One good file, one corrupt: the run is PARTIAL.
  await page.getByRole("button", { name: "Run now" }).click();
  await expect(runs.getByTestId("run-status").first()).toHaveText("Partial", { timeout: 30_000 });
  await expect(runs.getByRole("row").nth(1)).toContainText("(est.");
  await expect(files.getByRole("row", { name: /^broken\.jsonl/ }).getByTestId("file-status")).toHaveText("Failed");

  // Fix the file, then retry the run from its page: a new run, linked to the original.
  writeFileSync(`${dir}/broken.jsonl`, '{"id":3,"name":"c"}\n');
  await runs.getByRole("link", { name: "Details" }).first().click();
  await expect(page.getByTestId("run-status")).toHaveText("Partial");
  await expect(page.getByTestId("estimate-duration")).toContainText("est.");
  const originalId = new URL(page.url()).pathname.split("/").pop() ?? "";
  await page.getByRole("button", { name: "Retry failed files" }).click();
  await expect(page).not.toHaveURL(new RegExp(`/runs/${originalId}$`));
  await expect(page.getByTestId("run-status")).toHaveText("Succeeded", { timeout: 30_000 });
  await expect(page.getByTestId("retry-of")).toHaveText(`Retry of run ${shortRunId(originalId)}`);
  await expect(page.getByRole("row", { name: /^broken\.jsonl/ })).toContainText("Loaded");
  const retryId = new URL(page.url()).pathname.split("/").pop() ?? "";
  await page.getByTestId("retry-of").getByRole("link").click();
  await expect(page).toHaveURL(new RegExp(`/runs/${originalId}$`));
  await expect(page.getByTestId("retried-by")).toHaveText(`Retried by run ${shortRunId(retryId)}`);

  // The file history: both files loaded; the once-broken one shows its failed and loaded attempts.
  await page.getByRole("link", { name: "Back to maintenance e2e" }).click();
  const good = files.getByRole("row", { name: /^good\.jsonl/ });
  const broken = files.getByRole("row", { name: /^broken\.jsonl/ });
  await expect(good.getByTestId("file-status")).toHaveText("Loaded");
  await expect(broken.getByTestId("file-status")).toHaveText("Loaded");
  await expect(files.getByRole("button", { name: /^Loaded/ })).toHaveText("Loaded 2");
  await broken.getByRole("button", { name: "Attempts of broken.jsonl" }).click();
  await expect(files.getByRole("table", { name: "Load attempts of broken.jsonl" }).getByTestId("attempt-outcome")).toHaveText([
    "Loaded",
    "Failed",
  ]);
  await files.getByLabel("Search paths").fill("good");
  await expect(broken).toBeHidden();
  await expect(good).toBeVisible();
  await files.getByLabel("Search paths").fill("");
  await expect(broken).toBeVisible();

  // Reprocess one file: PENDING until the next run loads it again.
  await good.getByRole("button", { name: "Reprocess good.jsonl" }).click();
  await expect(files.getByTestId("files-notice")).toContainText("1 file reset to PENDING");
  await expect(good.getByTestId("file-status")).toHaveText("Pending");
  await page.getByRole("button", { name: "Run now" }).click();
  await expect(runs.getByRole("row")).toHaveCount(4);
  await expect(runs.getByTestId("run-status").first()).toHaveText("Succeeded", { timeout: 30_000 });
  await expect(good.getByTestId("file-status")).toHaveText("Loaded");

  // Refresh: the dry-run plan first, then FULL with a run afterwards.
  await page.getByRole("button", { name: "Refresh…" }).click();
  const refresh = page.getByRole("dialog", { name: "Refresh ‘maintenance e2e’" });
  await expect(refresh.getByTestId("refresh-plan-rows")).toHaveText("raw.maintenance_e2e holds 3 rows, all dropped");
  await expect(refresh.getByTestId("refresh-steps")).toContainText("Forget the history of 2 files");
  await expect(refresh.getByTestId("refresh-plan-load")).toContainText("2 files");
  // The default JSON rate (no calibration file on the test server).
  await expect(refresh.getByTestId("refresh-plan-estimate")).toContainText(/^about .+ at [\d,.]+ MB\/s; compute /);
  await refresh.getByLabel("New files only").check();
  await expect(refresh.getByTestId("refresh-steps")).toContainText("Keep the history of 2 files");
  await refresh.getByLabel("Full refresh").check();
  await expect(refresh.getByTestId("refresh-steps")).toContainText("Forget the history of 2 files");
  await refresh.getByLabel("Also start a run afterwards").check();
  const confirm = refresh.getByRole("button", { name: "Refresh: reload everything" });
  await expect(confirm).toBeDisabled();
  await refresh.getByLabel("Type raw.maintenance_e2e to confirm").fill("raw.maintenance_e2e");
  await confirm.click();
  await expect(refresh).toBeHidden();
  await expect(page.getByTestId("refresh-result")).toContainText("Refreshed FULL");
  await expect(runs.getByRole("row")).toHaveCount(5);
  const refreshRun = runs.getByRole("row").nth(1);
  await expect(refreshRun).toContainText("Refresh");
  await expect(refreshRun.getByTestId("run-status")).toHaveText("Succeeded", { timeout: 30_000 });
  await expect(refreshRun.getByRole("cell").nth(5)).toHaveText("3");
  await expect(files.getByRole("button", { name: /^Loaded/ })).toHaveText("Loaded 2");

  // The detail page prices the existing ingestion: everything is loaded, so nothing to backfill.
  const cost = page.getByTestId("ingestion-cost");
  await cost.getByRole("button", { name: "Estimate cost" }).click();
  await expect(cost.getByTestId("cost-backfill")).toContainText("Backfill (not loaded yet)");
  await expect(cost.getByTestId("cost-backfill")).toContainText("0 files");

  // Delete, dropping the table: the list says what was dropped.
  await page.getByRole("button", { name: "Delete", exact: true }).click();
  const remove = page.getByRole("dialog", { name: "Delete ingestion ‘maintenance e2e’?" });
  await remove.getByLabel("Also drop table raw.maintenance_e2e and its data").check();
  await remove.getByRole("button", { name: "Delete ingestion and table" }).click();
  await expect(page).toHaveURL(/\/ingestions$/);
  await expect(page.getByRole("status").filter({ hasText: "Deleted ingestion" })).toContainText(
    "Deleted ingestion 'maintenance e2e' and dropped table raw.maintenance_e2e (3 rows)",
  );
});
