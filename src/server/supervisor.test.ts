// The server's tie to `npm start`, on real processes: the watcher calls back when the watched
// process is SIGKILLed, and a process that watches its parent exits when the parent is SIGKILLed.
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { isLauncher, watchSupervisor } from "./supervisor";

const started: ChildProcess[] = [];
afterEach(() => {
  for (const child of started.splice(0)) child.kill("SIGKILL");
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function within<T>(ms: number, what: string, check: () => T | undefined): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("watchSupervisor", () => {
  it("calls back once the watched process is SIGKILLed, and not before", async () => {
    const watched = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
    started.push(watched);
    await once(watched, "spawn");
    let gone = 0;
    const stop = watchSupervisor(watched.pid!, () => gone++, 50);
    try {
      await new Promise((r) => setTimeout(r, 300));
      expect(gone).toBe(0);
      watched.kill("SIGKILL");
      await within(2_000, "the callback", () => (gone > 0 ? true : undefined));
      await new Promise((r) => setTimeout(r, 200));
      expect(gone).toBe(1);
    } finally {
      stop();
    }
  });

  it("lets a process that watches its parent exit when the parent is SIGKILLed", async () => {
    const module = path.join(import.meta.dirname, "supervisor.ts");
    // The parent starts the watcher as its child and prints the child's pid; the child prints
    // "watching" once it watches, and "gone" when it notices, then exits.
    const childCode = `import(${JSON.stringify(module)}).then(({ watchSupervisor }) => { watchSupervisor(process.ppid, () => { console.log("gone"); process.exit(0); }, 50); console.log("watching"); setInterval(() => {}, 1000); });`;
    const parentCode = `const c = require("node:child_process").spawn(process.execPath, ["--import", "tsx", "-e", ${JSON.stringify(childCode)}], { stdio: "inherit" }); process.stdout.write(c.pid + "\\n"); setInterval(() => {}, 1000);`;
    const parent = spawn(process.execPath, ["-e", parentCode], { stdio: ["ignore", "pipe", "inherit"] });
    started.push(parent);
    let output = "";
    parent.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const childPid = await within(30_000, "the child's pid", () => {
      const m = /^(\d+)\n/.exec(output);
      return m ? Number(m[1]) : undefined;
    });
    await within(30_000, "the child's watcher", () => (output.includes("watching") ? true : undefined));
    await new Promise((r) => setTimeout(r, 300));
    expect(isAlive(childPid)).toBe(true);
    parent.kill("SIGKILL");
    await within(5_000, "the child's exit", () => (isAlive(childPid) ? undefined : true));
    expect(output).toContain("gone");
  }, 90_000);
});

describe("isLauncher", () => {
  it("knows npm and the shell npm runs the start script in, and nothing else", () => {
    expect(isLauncher(["npm", "start"], "scripts/start.ts")).toBe(true);
    expect(isLauncher(["/usr/bin/node", "/usr/lib/node_modules/npm/bin/npm-cli.js", "start"], "scripts/start.ts")).toBe(true);
    expect(isLauncher(["sh", "-c", "node --import tsx scripts/start.ts"], "scripts/start.ts")).toBe(true);
    expect(isLauncher(["/bin/bash"], "scripts/start.ts")).toBe(false);
    expect(isLauncher(["sh", "-c", "something else"], "scripts/start.ts")).toBe(false);
    expect(isLauncher(["/usr/lib/systemd/systemd", "--user"], "scripts/start.ts")).toBe(false);
  });
});
