// API key material: generation and hashing. Keys carry 192 random bits, so a plain SHA-256 is
// enough to store them (no salt or slow hash needed: nothing to brute-force).
import { createHash, randomBytes } from "node:crypto";

export const API_KEY_PREFIX = "al_";

export function generateApiKey(): { key: string; prefix: string; hash: string } {
  const key = `${API_KEY_PREFIX}${randomBytes(24).toString("base64url")}`;
  return { key, prefix: key.slice(0, API_KEY_PREFIX.length + 6), hash: hashSecret(key) };
}

export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

export function looksLikeApiKey(value: string): boolean {
  return value.startsWith(API_KEY_PREFIX) && value.length >= API_KEY_PREFIX.length + 16 && value.length <= 128;
}
