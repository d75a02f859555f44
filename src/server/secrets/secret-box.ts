// Encrypts connection credentials at rest: AES-256-GCM, "v1:<key id>:<iv>:<tag>:<ciphertext>"
// (base64url parts). The key id is a fingerprint of the key, so a ciphertext names the key it needs.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";

export class SecretsError extends Error {
  override name = "SecretsError";
}

export interface SecretKey {
  /** First 8 hex digits of SHA-256 of the key: names it without revealing it. */
  id: string;
  key: Buffer;
}

const VERSION = "v1";

export function secretKeyOf(key: Buffer): SecretKey {
  if (key.length !== 32) throw new SecretsError(`A secrets key must be 32 bytes; this one is ${key.length}`);
  return { id: createHash("sha256").update(key).digest("hex").slice(0, 8), key };
}

/** A key as configured: 64 hex digits, or base64 / base64url of 32 bytes. */
export function parseSecretKey(text: string, name: string): SecretKey {
  const t = text.trim();
  const bytes = /^[0-9a-fA-F]{64}$/.test(t) ? Buffer.from(t, "hex") : /^[A-Za-z0-9+/_-]{43}=?$/.test(t) ? Buffer.from(t, "base64") : null;
  if (!bytes || bytes.length !== 32) {
    throw new SecretsError(
      `${name} must be 32 random bytes as 64 hex digits or base64 (e.g. the output of: openssl rand -base64 32)`,
    );
  }
  return secretKeyOf(bytes);
}

export function generateSecretKey(): { key: SecretKey; text: string } {
  const bytes = randomBytes(32);
  return { key: secretKeyOf(bytes), text: bytes.toString("base64") };
}

/** The key id a ciphertext was made with, or null when it is not one of ours. */
export function keyIdOf(ciphertext: string): string | null {
  const parts = ciphertext.split(":");
  return parts.length === 5 && parts[0] === VERSION ? (parts[1] ?? null) : null;
}

export class SecretBox {
  private readonly keys: Map<string, Buffer>;

  /** `current` encrypts; it and `previous` decrypt. */
  constructor(
    readonly current: SecretKey,
    previous: SecretKey[] = [],
  ) {
    this.keys = new Map([...previous, current].map((k) => [k.id, k.key]));
  }

  encrypt(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.current.key, iv);
    const ct = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    const b = (x: Buffer) => x.toString("base64url");
    return [VERSION, this.current.id, b(iv), b(cipher.getAuthTag()), b(ct)].join(":");
  }

  decrypt(ciphertext: string): string {
    const [version, keyId, iv, tag, ct] = ciphertext.split(":");
    if (version !== VERSION || !keyId || iv === undefined || tag === undefined || ct === undefined) {
      throw new SecretsError("A stored secret is not in the v1 format");
    }
    const key = this.keys.get(keyId);
    if (!key) {
      throw new SecretsError(
        `A stored secret was encrypted with key ${keyId}, which is neither AUTOLOADER_SECRETS_KEY (key ${this.current.id}) nor one of AUTOLOADER_SECRETS_KEY_PREVIOUS`,
      );
    }
    try {
      const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"));
      decipher.setAuthTag(Buffer.from(tag, "base64url"));
      return Buffer.concat([decipher.update(Buffer.from(ct, "base64url")), decipher.final()]).toString("utf8");
    } catch {
      throw new SecretsError(`A stored secret encrypted with key ${keyId} does not decrypt: it was altered, or the key is wrong`);
    }
  }

  /** Whether `ciphertext` is made with an older key (re-encrypt it with the current one). */
  isStale(ciphertext: string): boolean {
    return keyIdOf(ciphertext) !== this.current.id;
  }
}
