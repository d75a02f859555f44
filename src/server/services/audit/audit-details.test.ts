// What audit rows keep of inputs and outputs: no secret field or key-shaped value, bounded sizes.
import { describe, expect, it } from "vitest";
import { auditDetails, inputDetails, isSecretField, REDACTED, resultDetails, sanitizeForAudit } from "./audit-details";

describe("audit details", () => {
  it("drops every secret-named field at any depth, and keeps the rest", () => {
    const input = {
      name: "lake",
      location: {
        type: "S3",
        bucket: "acme-private",
        credentials: { kind: "KEYS", accessKeyId: "AKIAEXAMPLE1234", secretAccessKey: "wJalrXUtnFEMI/K7MDENG", sessionToken: "FwoGZX" },
      },
      apiKey: "whatever",
      password: "hunter2",
      key: "k",
    };
    expect(sanitizeForAudit(input)).toEqual({ name: "lake", location: { type: "S3", bucket: "acme-private", credentials: { kind: "KEYS" } } });
    for (const name of ["secretAccessKey", "accessKeyId", "sessionToken", "apiKey", "key", "password", "token", "secretCiphertext", "privateKey"]) {
      expect(isSecretField(name)).toBe(true);
    }
    for (const name of ["name", "mode", "dropTable", "role", "expiresAt", "bucket", "credentials", "kind", "ref"]) {
      expect(isSecretField(name)).toBe(false);
    }
  });

  it("redacts API-key-shaped strings wherever they appear", () => {
    const key = "al_AbCdEfGhIjKlMnOpQrStUvWxYz012345";
    expect(sanitizeForAudit({ description: `uses ${key} for CI`, tags: [key] })).toEqual({
      description: `uses ${REDACTED} for CI`,
      tags: [REDACTED],
    });
  });

  it("bounds strings, arrays, depth and the whole input", () => {
    expect(sanitizeForAudit("x".repeat(300))).toBe(`${"x".repeat(200)}…`);
    expect(sanitizeForAudit(Array.from({ length: 25 }, (_, i) => i))).toEqual([...Array.from({ length: 20 }, (_, i) => i), "… 5 more"]);
    expect(sanitizeForAudit({ a: { b: { c: { d: { e: 1 } } } } })).toEqual({ a: { b: { c: { d: "…" } } } });
    const big = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`field${i}`, "y".repeat(100)]));
    expect(inputDetails(big)).toEqual({ fields: Object.keys(big), truncated: true });
    expect(sanitizeForAudit({ at: new Date("2026-11-22T12:00:00.000Z"), n: 10n })).toEqual({ at: "2026-11-22T12:00:00.000Z", n: "10" });
  });

  it("keeps the input without its target ids, and the output's top-level counts and messages", () => {
    expect(
      auditDetails(
        { id: "i1", mode: "FULL", confirm: true, dryRun: false },
        { dryRun: false, executed: true, plan: { mode: "FULL" }, run: { runId: "r" }, message: "Refreshed", name: "orders" },
      ),
    ).toEqual({ input: { mode: "FULL", confirm: true, dryRun: false }, result: { dryRun: false, executed: true, message: "Refreshed" } });
    // A created key's secret is in the output's `key`: never kept.
    expect(resultDetails({ key: "al_AbCdEfGhIjKlMnOpQrStUvWxYz012345", apiKey: { id: "k" } })).toBeUndefined();
    expect(auditDetails({ id: "only-an-id" }, undefined)).toEqual({});
    expect(auditDetails(undefined, { signedOut: true })).toEqual({ result: { signedOut: true } });
  });
});
