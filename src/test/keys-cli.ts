// `npm run keys` as a user runs it: a real child process on a real data directory (the embedded
// database), its exit code and both outputs.
import { spawnSync } from "node:child_process";
import path from "node:path";

const root = process.cwd();

export function runKeysCli(dataDir: string, ...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [path.join(root, "node_modules/tsx/dist/cli.mjs"), "scripts/keys.ts", ...args], {
    cwd: root,
    env: { ...process.env, AUTOLOADER_DATA_DIR: dataDir, DATABASE_URL: "" },
    encoding: "utf8",
  });
  return { code: r.status, stdout: r.stdout.trim(), stderr: r.stderr.trim() };
}
