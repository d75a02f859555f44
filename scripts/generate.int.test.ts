// What `npm install` runs of Prisma's CLI (scripts/generate.ts → `prisma generate`), on a copy of
// the real schema, never loads @prisma/streams-local: the one installed package that wants
// Node ≥ 22 (npm's EBADENGINE warning), which only `prisma dev` uses. README "Requirements" says
// so; this fails if a Prisma upgrade makes it untrue.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { stripVTControlCharacters } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "..");
let dir: string;
let log: string;
let probe: string;

/** Runs `args` with a probe that logs every `@prisma/…` module that is required or imported. */
function runProbed(args: string[], cwd: string): { status: number | null; output: string; loaded: string[] } {
  rmSync(log, { force: true });
  const r = spawnSync(process.execPath, args, {
    cwd,
    encoding: "utf8",
    env: { ...process.env, NODE_OPTIONS: `--require ${probe}`, CHECKPOINT_DISABLE: "1" },
  });
  const loaded = existsSync(log) ? readFileSync(log, "utf8").trim().split("\n") : [];
  return { status: r.status, output: stripVTControlCharacters(`${r.stdout}${r.stderr}`), loaded };
}

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "autoloader-generate-"));
  log = path.join(dir, "loaded.log");
  probe = path.join(dir, "probe.cjs");
  const hook = `import { appendFileSync } from "node:fs";
export async function resolve(specifier, context, next) {
  if (specifier.startsWith("@prisma/")) appendFileSync(${JSON.stringify(log)}, "import " + specifier + "\\n");
  return next(specifier, context);
}`;
  writeFileSync(
    probe,
    `const Module = require("node:module");
const { appendFileSync } = require("node:fs");
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request.startsWith("@prisma/")) appendFileSync(${JSON.stringify(log)}, "require " + request + "\\n");
  return resolveFilename.call(this, request, ...rest);
};
Module.register("data:text/javascript," + encodeURIComponent(${JSON.stringify(hook)}));
`,
  );
  const project = path.join(dir, "project");
  cpSync(path.join(root, "prisma"), path.join(project, "prisma"), { recursive: true });
  cpSync(path.join(root, "prisma.config.ts"), path.join(project, "prisma.config.ts"));
  cpSync(path.join(root, "package.json"), path.join(project, "package.json"));
  symlinkSync(path.join(root, "node_modules"), path.join(project, "node_modules"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the Prisma CLI as npm install runs it", () => {
  it("the probe sees an import of @prisma/streams-local when something does import it", () => {
    const r = runProbed(["-e", 'import("@prisma/streams-local").catch(() => {})'], root);
    expect(r.loaded).toContain("import @prisma/streams-local");
  });

  it("prisma generate loads part of @prisma/dev but never @prisma/streams-local", () => {
    const r = runProbed(["--import", "tsx", path.join(root, "scripts", "generate.ts")], path.join(dir, "project"));
    expect(r.status, r.output).toBe(0);
    expect(r.output).toContain("Generated Prisma Client");
    expect(r.loaded).toContain("require @prisma/dev/internal/state");
    expect(r.loaded.filter((l) => l.includes("@prisma/streams-local"))).toEqual([]);
  });
});
