import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { API_KEY_PREFIX, generateApiKey, hashSecret, looksLikeApiKey } from "./api-key-secret";

describe("generateApiKey", () => {
  it("makes an al_ key of 24 random bytes in base64url", () => {
    const { key } = generateApiKey();
    expect(API_KEY_PREFIX).toBe("al_");
    expect(key).toMatch(/^al_[A-Za-z0-9_-]{32}$/);
    expect(Buffer.from(key.slice(3), "base64url")).toHaveLength(24);
  });

  it("shows the first 9 characters as the prefix", () => {
    const { key, prefix } = generateApiKey();
    expect(prefix).toHaveLength(9);
    expect(prefix).toBe(key.slice(0, 9));
    expect(prefix.startsWith("al_")).toBe(true);
  });

  it("stores the SHA-256 of the key in hex", () => {
    const { key, hash } = generateApiKey();
    expect(hash).toBe(createHash("sha256").update(key).digest("hex"));
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hashSecret(key)).toBe(hash);
  });

  it("never makes the same key twice", () => {
    const keys = Array.from({ length: 200 }, () => generateApiKey());
    expect(new Set(keys.map((k) => k.key)).size).toBe(200);
    expect(new Set(keys.map((k) => k.hash)).size).toBe(200);
  });

  it("makes keys that look like API keys", () => {
    expect(looksLikeApiKey(generateApiKey().key)).toBe(true);
  });
});

describe("hashSecret", () => {
  it("is the SHA-256 hex digest", () => {
    expect(hashSecret("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });
});

describe("looksLikeApiKey", () => {
  it.each([
    ["the shortest accepted", `al_${"x".repeat(16)}`],
    ["the longest accepted", `al_${"x".repeat(125)}`],
  ])("accepts %s", (_label, value) => {
    expect(looksLikeApiKey(value)).toBe(true);
  });

  it.each([
    ["an empty value", ""],
    ["the prefix alone", "al_"],
    ["15 characters after the prefix", `al_${"x".repeat(15)}`],
    ["129 characters", `al_${"x".repeat(126)}`],
    ["another prefix", `sk_${"x".repeat(32)}`],
    ["an upper-case prefix", `AL_${"x".repeat(32)}`],
    ["a leading space", ` al_${"x".repeat(32)}`],
  ])("refuses %s", (_label, value) => {
    expect(looksLikeApiKey(value)).toBe(false);
  });
});
