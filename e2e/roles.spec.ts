// Roles in the dashboard: the admin creates a viewer and an editor key; the viewer sees no button
// it cannot use and the server refuses its mutations anyway (403, recorded); the admin's audit log
// lists all of it, newest first, and filters by outcome. Then the Cancel button, on a server of
// this test's own whose S3 endpoint holds every request until the test lets go: two runs hold the
// tenant's two slots, so a third stays queued, and a cancel ends each at a known moment.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http, { type ServerResponse } from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { E2E_BUILD_DIR } from "../playwright.config";
import { createAutoloaderClient } from "../src/client";
import { adminKey, expect, localRoot, test } from "./fixtures";

const ADMIN_NAME = "admin (created at first start)";
const VIEWER_REFUSAL = "This needs the editor role; your key has the viewer role";

test.describe.serial("roles and the audit log", () => {
  const secrets = { viewer: "", editor: "" };
  let ingestionId = "";

  test.beforeAll(async ({ baseURL }) => {
    mkdirSync(`${localRoot}/roles-e2e`, { recursive: true });
    const admin = createAutoloaderClient({ url: baseURL ?? "", apiKey: adminKey() });
    const ingestion = await admin.ingestions.create.mutate({
      name: "roles e2e",
      source: { connection: "files", path: "roles-e2e" },
      format: { type: "JSON" },
      destination: { schema: "raw", table: "roles_e2e" },
    });
    ingestionId = ingestion.id;
  });

  // The specs after this one share the server: leave no ingestion behind.
  test.afterAll(async ({ baseURL }) => {
    if (!ingestionId) return;
    await createAutoloaderClient({ url: baseURL ?? "", apiKey: adminKey() }).ingestions.delete.mutate({ id: ingestionId });
  });

  test("the admin creates a viewer and an editor key; each secret is shown once", async ({ signedIn: page }) => {
    await page.goto("/ingestions");
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "API keys" }).click();
    await expect(page.getByRole("heading", { level: 1, name: "API keys" })).toBeVisible();
    const form = page.getByRole("form", { name: "Create key" });
    const newKey = page.getByTestId("new-api-key");

    for (const [role, name] of [
      ["VIEWER", "roles viewer"],
      ["EDITOR", "roles editor"],
    ] as const) {
      await form.getByLabel("Key name").fill(name);
      await form.getByLabel("Role").selectOption(role);
      await form.getByRole("button", { name: "Create key" }).click();
      await expect(page.getByRole("status").filter({ hasText: `Key ‘${name}’ created.` })).toContainText(
        "Copy this key now; it will not be shown again.",
      );
      await expect(newKey).toHaveText(/^al_/);
      const secret = (await newKey.textContent()) ?? "";
      secrets[role === "VIEWER" ? "viewer" : "editor"] = secret;

      const row = page.getByRole("row", { name: new RegExp(name) });
      const cells = row.getByRole("cell");
      await expect(cells.nth(0)).toHaveText(name);
      await expect(cells.nth(2)).toHaveText(role.toLowerCase());
      await expect(cells.nth(4)).toHaveText("never");
      await expect(cells.nth(5)).toHaveText("never");
      await expect(cells.nth(6)).toHaveText("active");
      await expect(row.getByRole("button", { name: "Revoke" })).toBeVisible();
      // The list shows the key's prefix, never the key.
      const prefix = ((await cells.nth(1).textContent()) ?? "").replace(/…$/, "");
      expect(prefix.length).toBeGreaterThan(3);
      expect(secret.startsWith(prefix)).toBe(true);
      await expect(page.getByRole("table")).not.toContainText(secret);
    }
    // The second key's box replaced the first's; after a reload neither secret is anywhere.
    await expect(page.locator("body")).not.toContainText(secrets.viewer);
    await page.reload();
    await expect(page.getByRole("row", { name: /roles editor/ })).toBeVisible();
    await expect(newKey).toHaveCount(0);
    await expect(page.locator("body")).not.toContainText(secrets.viewer);
    await expect(page.locator("body")).not.toContainText(secrets.editor);
  });

  test("a viewer sees no buttons it cannot use, and the server refuses its mutations", async ({ browser }) => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const signIn = await page.request.post("/api/trpc/auth.signIn", { data: { json: { apiKey: secrets.viewer } } });
    expect(signIn.status()).toBe(200);

    await page.goto("/ingestions");
    const nav = page.getByRole("navigation", { name: "Main" });
    await expect(nav.getByRole("link", { name: "Ingestions" })).toBeVisible();
    await expect(nav.getByRole("link", { name: "Connections" })).toBeVisible();
    await expect(nav.getByRole("link", { name: "API keys" })).toHaveCount(0);
    await expect(nav.getByRole("link", { name: "Audit log" })).toHaveCount(0);
    await expect(page.getByRole("row", { name: /roles e2e/ })).toBeVisible();
    await expect(page.getByRole("link", { name: "New ingestion" })).toHaveCount(0);

    await page.getByRole("row", { name: /roles e2e/ }).getByRole("link", { name: "roles e2e" }).click();
    await expect(page.getByRole("heading", { level: 1, name: "roles e2e" })).toBeVisible();
    await expect(page.getByTestId("ingestion-status")).toHaveText("Active");
    for (const name of ["Run now", "Pause", "Resume", "Delete", /^Refresh/]) {
      await expect(page.getByRole("button", { name })).toHaveCount(0);
    }

    // What the page would send if it had the button: the session cookie, the page's Origin, JSON.
    const answer = await page.evaluate(async (id) => {
      const res = await fetch("/api/trpc/runs.trigger", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ json: { ingestionId: id } }),
      });
      return { status: res.status, body: (await res.json()) as { error?: { json?: { message?: string; data?: { code?: string } } } } };
    }, ingestionId);
    expect(answer.status).toBe(403);
    expect(answer.body.error?.json?.message).toBe(VIEWER_REFUSAL);
    expect(answer.body.error?.json?.data?.code).toBe("FORBIDDEN");
    // Nothing ran.
    await page.reload();
    await expect(page.getByText("No runs yet")).toBeVisible();

    await page.goto("/keys");
    await expect(page.getByTestId("keys-admin-only")).toContainText(
      "Managing API keys needs the admin role; your key has the viewer role",
    );
    await expect(page.getByRole("form", { name: "Create key" })).toHaveCount(0);
    await page.goto("/audit");
    await expect(page.getByRole("status").filter({ hasText: "audit log needs" })).toHaveText(
      "The audit log needs the admin role; your key has the viewer role.",
    );
    await expect(page.getByTestId("audit-events")).toHaveCount(0);
    await context.close();
  });

  test("an editor changes ingestions but sees neither keys nor the audit log", async ({ browser }) => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const signIn = await page.request.post("/api/trpc/auth.signIn", { data: { json: { apiKey: secrets.editor } } });
    expect(signIn.status()).toBe(200);

    await page.goto("/ingestions");
    const nav = page.getByRole("navigation", { name: "Main" });
    await expect(nav.getByRole("link", { name: "Connections" })).toBeVisible();
    await expect(nav.getByRole("link", { name: "API keys" })).toHaveCount(0);
    await expect(nav.getByRole("link", { name: "Audit log" })).toHaveCount(0);
    await expect(page.getByRole("link", { name: "New ingestion" })).toBeVisible();
    await page.goto(`/ingestions/${ingestionId}`);
    await expect(page.getByRole("button", { name: "Run now" })).toBeVisible();
    await page.getByRole("button", { name: "Pause" }).click();
    await expect(page.getByTestId("ingestion-status")).toHaveText("Paused");
    await page.getByRole("button", { name: "Resume" }).click();
    await expect(page.getByTestId("ingestion-status")).toHaveText("Active");
    await page.goto("/keys");
    await expect(page.getByTestId("keys-admin-only")).toContainText("your key has the editor role");
    await context.close();
  });

  test("the admin's audit log lists the key creations and the viewer's refusal, newest first, and filters", async ({
    signedIn: page,
  }) => {
    await page.goto("/ingestions");
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Audit log" }).click();
    await expect(page.getByRole("heading", { level: 1, name: "Audit log" })).toBeVisible();
    const events = page.getByTestId("audit-events");
    const rows = events.locator("tbody tr");
    const createdViewer = rows.filter({ hasText: "key.create" }).filter({ hasText: "roles viewer" });
    const createdEditor = rows.filter({ hasText: "key.create" }).filter({ hasText: "roles editor" });
    const refused = rows.filter({ hasText: "run.trigger" }).filter({ hasText: "roles viewer (viewer, dashboard)" });

    for (const row of [createdViewer, createdEditor]) {
      await expect(row).toHaveCount(1);
      await expect(row.getByRole("cell").nth(1)).toHaveText(`${ADMIN_NAME} (admin, dashboard)`);
      await expect(row.getByRole("cell").nth(4)).toHaveText("success");
    }
    await expect(refused).toHaveCount(1);
    await expect(refused.getByRole("cell").nth(3)).toContainText(`roles e2e ${ingestionId}`);
    await expect(refused.getByRole("cell").nth(4)).toHaveText(`failure FORBIDDEN: ${VIEWER_REFUSAL}`);

    // Newest first: the refusal, then the editor key, then the viewer key.
    const texts = await rows.allInnerTexts();
    const at = (action: string, what: string) => texts.findIndex((t) => t.includes(action) && t.includes(what));
    expect(at("run.trigger", "roles viewer")).toBeLessThan(at("key.create", "roles editor"));
    expect(at("key.create", "roles editor")).toBeLessThan(at("key.create", "roles viewer"));

    // Failures only: the refusal stays, the creations go, and the filter is in the address.
    await page.getByLabel("Outcome").selectOption("FAILURE");
    await page.getByRole("button", { name: "Apply" }).click();
    await expect(page).toHaveURL(/\/audit\?outcome=FAILURE$/);
    await expect(createdEditor).toHaveCount(0);
    await expect(createdViewer).toHaveCount(0);
    await expect(refused).toHaveCount(1);
    const outcomes = await rows.locator("td:nth-child(5)").allInnerTexts();
    expect(outcomes.length).toBeGreaterThan(0);
    expect(outcomes.filter((o) => !o.startsWith("failure"))).toEqual([]);

    // Successful key creations only, also straight from the address.
    await page.goto("/audit?action=key.create&outcome=SUCCESS");
    await expect(page.getByLabel("Action")).toHaveValue("key.create");
    await expect(createdViewer).toHaveCount(1);
    await expect(createdEditor).toHaveCount(1);
    await expect(refused).toHaveCount(0);
    expect((await rows.locator("td:nth-child(3)").allInnerTexts()).filter((a) => a !== "key.create")).toEqual([]);
  });
});

// ---- Cancel: a server of this test's own, reading from an S3 endpoint the test holds ----

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function eventually<T>(ms: number, what: string, check: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${ms / 1000} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * An S3 endpoint that answers every listing with no objects, except while `holding`: then it keeps
 * each request open until `release` (the runs reading from it stay RUNNING, in their discover step).
 */
async function startHoldingS3() {
  const held: { bucket: string; prefix: string; res: ServerResponse }[] = [];
  let holding = false;
  let requests = 0;
  const answer = (bucket: string, prefix: string, res: ServerResponse) => {
    res.writeHead(200, { "content-type": "application/xml" });
    res.end(
      `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` +
        `<Name>${bucket}</Name><Prefix>${prefix}</Prefix><KeyCount>0</KeyCount><MaxKeys>1000</MaxKeys>` +
        `<IsTruncated>false</IsTruncated></ListBucketResult>`,
    );
  };
  const server = http.createServer((req, res) => {
    requests += 1;
    const url = new URL(req.url ?? "/", "http://s3.test");
    const bucket = url.pathname.split("/")[1] ?? "";
    const prefix = url.searchParams.get("prefix") ?? "";
    if (holding) held.push({ bucket, prefix, res });
    else answer(bucket, prefix, res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    hold: () => {
      holding = true;
    },
    held: () => held.length,
    requests: () => requests,
    release: () => {
      holding = false;
      for (const h of held.splice(0)) answer(h.bucket, h.prefix, h.res);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const h of held.splice(0)) h.res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** `npm start`'s script on the test's build, a fresh data directory and the default run limits. */
function startServer(port: number, dataDir: string, s3Endpoint: string) {
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", path.join("scripts", "start.ts")], {
    cwd: process.cwd(),
    env: {
      ...process.env,
      PORT: String(port),
      HOST: "127.0.0.1",
      AUTOLOADER_BUILD_DIR: E2E_BUILD_DIR,
      AUTOLOADER_DATA_DIR: dataDir,
      AUTOLOADER_LOCAL_ROOTS: path.join(dataDir, "files"),
      AUTOLOADER_S3_ENDPOINTS: s3Endpoint,
      DATABASE_URL: "",
      NEXT_TELEMETRY_DISABLED: "1",
    },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (c: Buffer) => (output += c.toString()));
  child.stderr!.on("data", (c: Buffer) => (output += c.toString()));
  const gone = () => child.exitCode !== null || child.signalCode !== null;
  return {
    url: `http://127.0.0.1:${port}`,
    output: () => output,
    async healthy() {
      await eventually(120_000, `the cancel test's server answering /api/health`, async () => {
        if (gone()) throw new Error(`the cancel test's server exited (${child.exitCode ?? child.signalCode}):\n${output}`);
        const res = await fetch(`http://127.0.0.1:${port}/api/health`).catch(() => null);
        return res?.status === 200 ? true : undefined;
      });
    },
    async stop() {
      if (gone()) return;
      process.kill(-child.pid!, "SIGTERM");
      await eventually(20_000, "the cancel test's server stopping", () => (gone() ? true : undefined)).catch(() => {
        process.kill(-child.pid!, "SIGKILL");
      });
    },
  };
}

test("Cancel: a queued run ends at once, a running one at its next batch boundary", async ({ browser }) => {
  test.setTimeout(240_000);
  const s3 = await startHoldingS3();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "autoloader-roles-e2e-"));
  mkdirSync(path.join(dataDir, "files", "waiting"), { recursive: true });
  writeFileSync(path.join(dataDir, "files", "waiting", "a.jsonl"), '{"id":1}\n');
  const server = startServer(await freePort(), dataDir, s3.endpoint);
  try {
    await server.healthy();
    const keyFile = path.join(dataDir, "admin-key");
    const key = await eventually(10_000, "the admin key file", () =>
      existsSync(keyFile) ? readFileSync(keyFile, "utf8").trim() : undefined,
    );
    const admin = createAutoloaderClient({ url: server.url, apiKey: key });
    await admin.connections.create.mutate({
      name: "held",
      location: { type: "S3", bucket: "held", endpoint: s3.endpoint, forcePathStyle: true, credentials: { kind: "NONE" } },
    });
    const create = (name: string, connection: string, dir?: string) =>
      admin.ingestions.create.mutate({
        name,
        source: { connection, ...(dir ? { path: dir } : {}) },
        format: { type: "JSON" },
        destination: { schema: "raw", table: name.replaceAll(" ", "_") },
      });
    const first = await create("held one", "held");
    const second = await create("held two", "held");
    const third = await create("waits", "files", "waiting");

    // Two runs take the tenant's two slots and stay in discover until the endpoint answers.
    s3.hold();
    const running = [
      (await admin.runs.trigger.mutate({ ingestionId: first.id })).runId,
      (await admin.runs.trigger.mutate({ ingestionId: second.id })).runId,
    ];
    await eventually(30_000, "both runs listing the held bucket", () => (s3.held() === 2 ? true : undefined));
    for (const id of running) expect((await admin.runs.get.query({ id })).run.status).toBe("RUNNING");
    const queued = (await admin.runs.trigger.mutate({ ingestionId: third.id })).runId;

    const context = await browser.newContext({ baseURL: server.url });
    const page = await context.newPage();
    expect((await page.request.post("/api/trpc/auth.signIn", { data: { json: { apiKey: key } } })).status()).toBe(200);

    // The queued run: its place and reason, then Cancel ends it at once.
    await page.goto(`/runs/${queued}`);
    await expect(page.getByTestId("run-status")).toHaveText("Queued");
    await expect(page.getByTestId("run-step")).toHaveText("#1 in queue (waiting for a slot: tenant limit 2 reached)");
    await page.getByRole("button", { name: "Cancel run" }).click();
    const dialog = page.getByRole("dialog", { name: "Cancel this run?" });
    await expect(dialog).toContainText("A queued run ends now.");
    await dialog.getByRole("button", { name: "Cancel the run" }).click();
    await expect(dialog).toBeHidden();
    await expect(page.getByTestId("run-status")).toHaveText("Cancelled");
    await expect(page.getByTestId("run-error")).toContainText("Cancelled on request before it started");
    await expect(page.getByTestId("cancel-run")).toHaveCount(0);
    // The held runs did not move.
    expect(s3.held()).toBe(2);

    // A running run: "Cancelling…" until its next boundary, which comes once the listing returns.
    await page.goto(`/runs/${running[0]}`);
    await expect(page.getByTestId("run-status")).toHaveText("Running");
    await expect(page.getByTestId("run-step")).toHaveText("discover");
    await page.getByRole("button", { name: "Cancel run" }).click();
    await dialog.getByRole("button", { name: "Cancel the run" }).click();
    await expect(dialog).toBeHidden();
    await expect(page.getByTestId("cancel-run")).toHaveText("Cancelling…");
    await expect(page.getByTestId("cancel-run")).toBeDisabled();
    await expect(page.getByTestId("run-step")).toHaveText("cancelling…");
    await expect(page.getByTestId("run-status")).toHaveText("Running");
    // Its page reloads as it was: the request is stored, not only the button's state.
    await page.reload();
    await expect(page.getByTestId("cancel-run")).toHaveText("Cancelling…");

    s3.release();
    await expect(page.getByTestId("run-status")).toHaveText("Cancelled", { timeout: 30_000 });
    await expect(page.getByTestId("cancel-run")).toHaveCount(0);
    // The run not cancelled finishes as usual: nothing listed, nothing to load.
    await eventually(30_000, "the other held run finishing", async () => {
      const { run } = await admin.runs.get.query({ id: running[1]! });
      return run.status === "QUEUED" || run.status === "RUNNING" ? undefined : run.status;
    }).then((status) => expect(status).toBe("NO_NEW_FILES"));
    expect((await admin.runs.get.query({ id: queued })).run.status).toBe("CANCELLED");
    await context.close();
  } catch (error) {
    // The server's own account of what went wrong, next to the failure.
    console.error(server.output().slice(-4000));
    throw error;
  } finally {
    s3.release();
    await server.stop();
    await s3.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
