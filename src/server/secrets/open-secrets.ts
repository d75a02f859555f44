// The secrets key at start: from AUTOLOADER_SECRETS_KEY, or <data dir>/secrets-key (generated there
// on the embedded database). Refuses to start when stored secrets cannot be decrypted, and
// re-encrypts those made with a previous key (AUTOLOADER_SECRETS_KEY_PREVIOUS) with the current one.
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Db } from "@/server/db/database";
import { generateSecretKey, keyIdOf, parseSecretKey, SecretBox, SecretsError, type SecretKey } from "./secret-box";

export const SECRETS_KEY_FILE = "secrets-key";

export interface SecretsSettings {
  /** AUTOLOADER_SECRETS_KEY. */
  key: string | undefined;
  /** AUTOLOADER_SECRETS_KEY_PREVIOUS: older keys that still decrypt. */
  previous: string[];
  dataDir: string;
  /** The embedded database (one process): a missing key is generated into the data directory. */
  generate: boolean;
}

async function currentKey(s: SecretsSettings): Promise<SecretKey | null> {
  if (s.key) return parseSecretKey(s.key, "AUTOLOADER_SECRETS_KEY");
  const file = path.join(s.dataDir, SECRETS_KEY_FILE);
  const text = (await readFile(file, "utf8").catch(() => "")).trim();
  if (text) return parseSecretKey(text, file);
  if (!s.generate) return null;
  const generated = generateSecretKey();
  await mkdir(s.dataDir, { recursive: true, mode: 0o700 });
  await writeFile(file, `${generated.text}\n`, { mode: 0o600, flag: "wx" }).catch(async (error: unknown) => {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  });
  await chmod(file, 0o600);
  return parseSecretKey(await readFile(file, "utf8"), file);
}

/**
 * The box that encrypts and decrypts connection secrets, or null when no key is configured and
 * none is stored (then connections with their own keys cannot be created). Throws SecretsError
 * with what to set when stored secrets exist and the key is missing or wrong.
 */
export async function openSecrets(db: Db, s: SecretsSettings, log: { info(m: string): void }): Promise<SecretBox | null> {
  const previous = s.previous.map((k, i) => parseSecretKey(k, `AUTOLOADER_SECRETS_KEY_PREVIOUS (entry ${i + 1})`));
  const current = await currentKey(s);
  const stored = await db.connection.findMany({
    where: { secretCiphertext: { not: null } },
    select: { id: true, secretCiphertext: true },
  });
  if (!current) {
    if (stored.length === 0) return null;
    const ids = [...new Set(stored.map((r) => keyIdOf(r.secretCiphertext ?? "") ?? "?"))].join(", ");
    throw new SecretsError(
      `${stored.length} connection secret(s) are encrypted (key ${ids}) but no secrets key is set: set AUTOLOADER_SECRETS_KEY to that key`,
    );
  }
  const box = new SecretBox(current, previous);
  // One sample per key: a wrong key fails here, at start, not at a tenant's next run.
  const sampled = new Set<string>();
  for (const row of stored) {
    const id = keyIdOf(row.secretCiphertext ?? "") ?? "?";
    if (sampled.has(id)) continue;
    sampled.add(id);
    try {
      box.decrypt(row.secretCiphertext ?? "");
    } catch (error) {
      throw new SecretsError(
        `Cannot decrypt the stored connection secrets: ${(error as Error).message}. Set AUTOLOADER_SECRETS_KEY to the key they were encrypted with (after a rotation: the new key in AUTOLOADER_SECRETS_KEY, the old one in AUTOLOADER_SECRETS_KEY_PREVIOUS)`,
      );
    }
  }
  const rotated = await reencryptSecrets(db, box);
  if (rotated > 0) log.info(`[secrets] re-encrypted ${rotated} connection secret(s) with key ${box.current.id}`);
  return box;
}

/** Re-encrypts every secret made with a previous key; compare-and-set, so concurrent starts are harmless. */
export async function reencryptSecrets(db: Db, box: SecretBox): Promise<number> {
  const stored = await db.connection.findMany({
    where: { secretCiphertext: { not: null } },
    select: { id: true, secretCiphertext: true },
  });
  let n = 0;
  for (const row of stored) {
    const old = row.secretCiphertext;
    if (old === null || !box.isStale(old)) continue;
    const r = await db.connection.updateMany({
      where: { id: row.id, secretCiphertext: old },
      data: { secretCiphertext: box.encrypt(box.decrypt(old)) },
    });
    n += r.count;
  }
  return n;
}
