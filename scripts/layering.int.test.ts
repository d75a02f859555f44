// The layering rules of the lint step, each shown to fail on a deliberate violation and to pass
// the code as it is: ESLint's own API on source text placed in the folder it would live in, and
// dependency-cruiser on a real two-file cycle. (An integration test: it loads the project's whole
// ESLint configuration with type information, which takes seconds.)
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ESLint } from "eslint";
import { afterAll, describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "..");
const eslint = new ESLint({ cwd: root });

/** The messages of the layering rules for `code` as if it were the file at `file` (relative to the project). */
async function layeringErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return (result?.messages ?? [])
    .filter((m) => m.ruleId === "no-restricted-imports" || m.ruleId === "local/client-imports-shared")
    .map((m) => m.message);
}

describe("layering lint rules", () => {
  it("runs/, engine/, sources/ and domain/ may not import services/ (by alias or relative path)", async () => {
    const message = "runs/, engine/, sources/ and domain/ must not import services/ or api/: pass what they need in, or move it down.";
    for (const file of ["src/server/runs/steps/x.ts", "src/server/engine/x.ts", "src/server/sources/x.ts"]) {
      expect(await layeringErrors(file, `import { createIngestion } from "@/server/services/ingestions/create-ingestion";\nexport const f = createIngestion;\n`)).toEqual([
        `'@/server/services/ingestions/create-ingestion' import is restricted from being used by a pattern. ${message}`,
      ]);
    }
    expect(await layeringErrors("src/server/runs/x.ts", `import { listRuns } from "../services/runs/list-runs";\nexport const f = listRuns;\n`)).toEqual([
      `'../services/runs/list-runs' import is restricted from being used by a pattern. ${message}`,
    ]);
    expect(await layeringErrors("src/server/runs/x.ts", `import { claimFiles } from "./file-state";\nexport const f = claimFiles;\n`)).toEqual([]);
  });

  it("domain/ imports only domain/ and src/shared", async () => {
    const message = "domain/ imports only domain/ and src/shared: it is pure.";
    expect(await layeringErrors("src/server/domain/x.ts", `import type { Db } from "@/server/db/database";\nexport type D = Db;\n`)).toEqual([
      `'@/server/db/database' import is restricted from being used by a pattern. ${message}`,
    ]);
    expect(await layeringErrors("src/server/domain/x.ts", `import { formatBytes } from "@/shared/format";\nimport { notFound } from "./errors";\nexport const f = [formatBytes, notFound];\n`)).toEqual([]);
  });

  it("browser code (src/components, any 'use client' module) imports src/shared, never src/server; type-only imports pass", async () => {
    const message = (source: string) => `Browser code must not import '${source}' (src/server): move what it needs to src/shared.`;
    expect(await layeringErrors("src/components/x.tsx", `import { grantsForAll } from "@/server/domain/grants";\nexport const f = grantsForAll;\n`)).toEqual([
      message("@/server/domain/grants"),
    ]);
    expect(await layeringErrors("src/app/(dashboard)/x.tsx", `"use client";\nimport { grantsForAll } from "../../server/domain/grants";\nexport const f = grantsForAll;\n`)).toEqual([
      message("../../server/domain/grants"),
    ]);
    // A server component in src/app may import the server; so may a type-only import anywhere.
    expect(await layeringErrors("src/app/(dashboard)/x.tsx", `import { grantsForAll } from "@/server/domain/grants";\nexport const f = grantsForAll;\n`)).toEqual([]);
    expect(await layeringErrors("src/components/x.tsx", `import type { AppRouter } from "@/server/api/root";\nexport type R = AppRouter;\n`)).toEqual([]);
  });

  it("src/shared imports no server code", async () => {
    expect(await layeringErrors("src/shared/x.ts", `import { grantsForAll } from "@/server/domain/grants";\nexport const f = grantsForAll;\n`)).toEqual([
      "'@/server/domain/grants' import is restricted from being used by a pattern. src/shared must not import src/server.",
    ]);
  });
});

describe("the import-cycle check", () => {
  // Outside src/, so neither the project's own check below nor tsc ever sees the deliberate cycle.
  mkdirSync(path.join(root, "test-results"), { recursive: true });
  const dir = mkdtempSync(path.join(root, "test-results", "cycle-check-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const cruise = (target: string) =>
    spawnSync(process.execPath, [path.join(root, "node_modules/dependency-cruiser/bin/dependency-cruise.mjs"), target, "--config", ".dependency-cruiser.cjs", "--output-type", "err"], {
      cwd: root,
      encoding: "utf8",
      // Plain text to compare (npm test forces colours for its steps).
      env: { ...process.env, FORCE_COLOR: "0", NO_COLOR: "1" },
    });

  it("fails on a cycle, even one made of a type-only import, naming its modules", () => {
    writeFileSync(path.join(dir, "a.ts"), `import { b } from "./b";\nexport const a = () => b;\n`);
    writeFileSync(path.join(dir, "b.ts"), `import type { a } from "./a";\nexport const b: typeof a | null = null;\n`);
    const r = cruise(path.relative(root, dir));
    expect(r.status).not.toBe(0);
    const rel = path.relative(root, dir);
    expect(r.stdout).toContain(`error no-circular: ${rel}/a.ts → `);
    expect(r.stdout).toContain(`${rel}/b.ts`);
  });

  it("passes the project's own code", () => {
    const r = cruise("src");
    expect(r.stdout).toContain("no dependency violations found");
    expect(r.status).toBe(0);
  }, 120_000);
});
