// Scratch directories on the real filesystem, one per suite, removed afterwards.
import { mkdtemp, realpath, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

export interface TempDir {
  /** Absolute and symlink-free, so it can serve as an allowed local root as it is. */
  path: string;
  remove(): Promise<void>;
}

export async function makeTempDir(label: string): Promise<TempDir> {
  const dir = await realpath(await mkdtemp(path.join(os.tmpdir(), `autoloader-${label}-`)));
  return { path: dir, remove: () => rm(dir, { recursive: true, force: true }) };
}
