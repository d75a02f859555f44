// The server's own files hold secrets (the embedded database, the warehouse, the session secret,
// the first admin key): this process creates everything owner-only (umask 077), and at start it
// tightens what an older release or another umask left readable. The operator's local source
// roots are not ours and keep their modes, even under the data directory.
import { chmod, lstat, readdir } from "node:fs/promises";
import path from "node:path";
import type { AppConfig } from "@/env";
import { isWithin } from "./sources/local-roots";

const OWNER_ONLY_UMASK = 0o077;

/** Sets this process's umask so files are created 0600 and directories 0700. */
export function restrictNewFiles(): void {
  try {
    process.umask(OWNER_ONLY_UMASK);
  } catch {
    // Worker threads cannot set the umask; the tightening below still applies at start.
  }
}

/** chmods `target` and everything under it to owner-only, skipping symlinks and `skip` trees. */
async function tighten(target: string, skip: string[]): Promise<void> {
  if (skip.some((s) => isWithin(target, s))) return;
  const stat = await lstat(target).catch(() => null);
  if (!stat || stat.isSymbolicLink()) return;
  const wanted = stat.isDirectory() ? (stat.mode & 0o700) | 0o700 : stat.mode & 0o700;
  if ((stat.mode & 0o777) !== wanted) await chmod(target, wanted).catch(() => undefined);
  if (!stat.isDirectory()) return;
  const names = await readdir(target).catch(() => [] as string[]);
  for (const name of names) await tighten(path.join(target, name), skip);
}

/** At start: owner-only new files from now on, and the existing data files made so. */
export async function protectDataFiles(
  config: Pick<AppConfig, "dataDir" | "warehouseDir" | "stagingDir" | "localRoots"> & Partial<Pick<AppConfig, "grants">>,
): Promise<void> {
  restrictNewFiles();
  // Local roots hold the operator's files: AUTOLOADER_LOCAL_ROOTS and every root the grants name.
  const granted = config.grants
    ? [...Object.values(config.grants.tenants), config.grants.fallback].flatMap((g) => g.localRoots ?? [])
    : [];
  const skip = [...config.localRoots, ...granted].map((r) => path.resolve(r));
  for (const dir of new Set([config.dataDir, config.warehouseDir, config.stagingDir])) await tighten(dir, skip);
}
