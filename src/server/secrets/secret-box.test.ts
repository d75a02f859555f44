import { describe, expect, it } from "vitest";
import { generateSecretKey, keyIdOf, parseSecretKey, SecretBox, SecretsError } from "./secret-box";

describe("SecretBox (AES-256-GCM)", () => {
  it("round-trips, with a fresh IV each time and the key's id in the ciphertext", () => {
    const { key } = generateSecretKey();
    const box = new SecretBox(key);
    const one = box.encrypt('{"secretAccessKey":"s3cr3t"}');
    const two = box.encrypt('{"secretAccessKey":"s3cr3t"}');
    expect(one).not.toBe(two);
    expect(one).not.toContain("s3cr3t");
    expect(keyIdOf(one)).toBe(key.id);
    expect(box.decrypt(one)).toBe('{"secretAccessKey":"s3cr3t"}');
  });

  it("refuses a wrong key and an altered ciphertext, saying which", () => {
    const a = new SecretBox(generateSecretKey().key);
    const b = new SecretBox(generateSecretKey().key);
    const ct = a.encrypt("x");
    expect(() => b.decrypt(ct)).toThrow(
      `A stored secret was encrypted with key ${a.current.id}, which is neither AUTOLOADER_SECRETS_KEY (key ${b.current.id}) nor one of AUTOLOADER_SECRETS_KEY_PREVIOUS`,
    );
    const parts = ct.split(":");
    parts[4] = Buffer.from("y").toString("base64url");
    expect(() => a.decrypt(parts.join(":"))).toThrow(SecretsError);
  });

  it("rotation: the previous key still decrypts, the current one encrypts", () => {
    const old = generateSecretKey().key;
    const next = generateSecretKey().key;
    const ct = new SecretBox(old).encrypt("x");
    const rotated = new SecretBox(next, [old]);
    expect(rotated.decrypt(ct)).toBe("x");
    expect(rotated.isStale(ct)).toBe(true);
    expect(rotated.isStale(rotated.encrypt("x"))).toBe(false);
  });

  it("parses 32-byte keys as hex or base64 and refuses anything else", () => {
    const hex = "ab".repeat(32);
    expect(parseSecretKey(hex, "K").key).toEqual(Buffer.from(hex, "hex"));
    expect(parseSecretKey(Buffer.alloc(32, 7).toString("base64"), "K").key).toEqual(Buffer.alloc(32, 7));
    expect(() => parseSecretKey("short", "AUTOLOADER_SECRETS_KEY")).toThrow(
      "AUTOLOADER_SECRETS_KEY must be 32 random bytes as 64 hex digits or base64 (e.g. the output of: openssl rand -base64 32)",
    );
  });
});
