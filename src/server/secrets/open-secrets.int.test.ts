// The secrets key at start against a real database: generated into the data directory (0600) on
// the embedded default, refused when stored secrets exist and the key is missing or wrong, and
// rotated: AUTOLOADER_SECRETS_KEY_PREVIOUS decrypts, start-up re-encrypts with the new key.
import { stat } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTestDatabase, describeEachDatabase, type TestDatabase } from "@/test/world";
import { makeTempDir, type TempDir } from "@/test/temp-dirs";
import { generateSecretKey, keyIdOf, SecretBox } from "./secret-box";
import { openSecrets, SECRETS_KEY_FILE } from "./open-secrets";

describeEachDatabase("secrets key at start", (kind) => {
  let t: TestDatabase;
  let tmp: TempDir;
  const log = { info: () => {} };

  beforeAll(async () => {
    [t, tmp] = await Promise.all([createTestDatabase(kind), makeTempDir("secrets")]);
  });
  afterAll(async () => {
    await t.destroy();
    await tmp.remove();
  });

  it("generates a key into the data directory on the embedded default; without it and no secrets, none", async () => {
    const dataDir = path.join(tmp.path, "data");
    const box = await openSecrets(t.database.prisma, { key: undefined, previous: [], dataDir, generate: true }, log);
    expect(box).not.toBeNull();
    expect((await stat(path.join(dataDir, SECRETS_KEY_FILE))).mode & 0o777).toBe(0o600);
    // The same key on the next start.
    const again = await openSecrets(t.database.prisma, { key: undefined, previous: [], dataDir, generate: true }, log);
    expect(again?.current.id).toBe(box?.current.id);
    expect(await openSecrets(t.database.prisma, { key: undefined, previous: [], dataDir: path.join(tmp.path, "none"), generate: false }, log)).toBeNull();
  });

  it("refuses to start when stored secrets exist and the key is missing or wrong; rotates with the previous key", async () => {
    const old = generateSecretKey();
    const tenant = await t.database.prisma.tenant.create({ data: { slug: `s-${Date.now()}`, name: "s" } });
    const ct = new SecretBox(old.key).encrypt('{"accessKeyId":"AKIA","secretAccessKey":"shh"}');
    const c = await t.database.prisma.connection.create({
      data: { tenantId: tenant.id, name: "s3", type: "S3", bucket: "b", credentialsKind: "KEYS", secretCiphertext: ct },
    });
    const empty = path.join(tmp.path, "empty");
    await expect(openSecrets(t.database.prisma, { key: undefined, previous: [], dataDir: empty, generate: false }, log)).rejects.toThrow(
      `1 connection secret(s) are encrypted (key ${old.key.id}) but no secrets key is set: set AUTOLOADER_SECRETS_KEY to that key`,
    );
    const next = generateSecretKey();
    await expect(openSecrets(t.database.prisma, { key: next.text, previous: [], dataDir: empty, generate: false }, log)).rejects.toThrow(
      `Cannot decrypt the stored connection secrets: A stored secret was encrypted with key ${old.key.id}, which is neither AUTOLOADER_SECRETS_KEY (key ${next.key.id}) nor one of AUTOLOADER_SECRETS_KEY_PREVIOUS.`,
    );
    const box = await openSecrets(t.database.prisma, { key: next.text, previous: [old.text], dataDir: empty, generate: false }, log);
    const after = await t.database.prisma.connection.findUniqueOrThrow({ where: { id: c.id } });
    expect(keyIdOf(after.secretCiphertext ?? "")).toBe(next.key.id);
    expect(box?.decrypt(after.secretCiphertext ?? "")).toBe('{"accessKeyId":"AKIA","secretAccessKey":"shh"}');
    // The old key is no longer needed.
    await expect(openSecrets(t.database.prisma, { key: next.text, previous: [], dataDir: empty, generate: false }, log)).resolves.not.toBeNull();
    await t.database.prisma.connection.delete({ where: { id: c.id } });
  });
});
