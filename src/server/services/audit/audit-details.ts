// What an audit row keeps of a call's input and output: small, and never a secret. Pure.

/** Field names that hold secrets (credentials, keys, tokens): dropped wherever they appear. */
const SECRET_FIELD = /secret|passw|token|accesskey|privatekey|ciphertext|key$/i;
/** An API key or anything shaped like one, wherever it appears as a value. */
const SECRET_VALUE = /al_[A-Za-z0-9_-]{16,}/g;

const MAX_STRING = 200;
const MAX_ITEMS = 20;
const MAX_DEPTH = 4;
/** Above this (as JSON), only the input's field names are kept. */
const MAX_DETAILS_CHARS = 2000;

export const REDACTED = "[redacted]";

export function isSecretField(name: string): boolean {
  return SECRET_FIELD.test(name);
}

/** A copy of `value` with secret fields removed, secret-looking strings redacted, and sizes bounded. */
export function sanitizeForAudit(value: unknown, depth = 0): unknown {
  if (value === null || typeof value === "boolean" || typeof value === "number") return value;
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "string") {
    const clean = value.replace(SECRET_VALUE, REDACTED);
    return clean.length > MAX_STRING ? `${clean.slice(0, MAX_STRING)}…` : clean;
  }
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (depth >= MAX_DEPTH) return "…";
  if (Array.isArray(value)) {
    const items = value.slice(0, MAX_ITEMS).map((v) => sanitizeForAudit(v, depth + 1));
    return value.length > MAX_ITEMS ? [...items, `… ${value.length - MAX_ITEMS} more`] : items;
  }
  if (typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (isSecretField(k) || v === undefined || typeof v === "function") continue;
      out[k] = sanitizeForAudit(v, depth + 1);
    }
    return out;
  }
  return undefined;
}

/** Fields that name the target: recorded as targetId, not again in the details. */
const TARGET_FIELDS = new Set(["id", "ingestionId", "connectionId"]);

/** The input without its target ids and secrets; undefined when nothing is left. */
export function inputDetails(rawInput: unknown): unknown {
  if (rawInput === undefined || rawInput === null) return undefined;
  let rest: unknown = rawInput;
  if (typeof rawInput === "object" && !Array.isArray(rawInput) && !(rawInput instanceof Date)) {
    rest = Object.fromEntries(Object.entries(rawInput).filter(([k]) => !TARGET_FIELDS.has(k)));
    if (Object.keys(rest as object).length === 0) return undefined;
  }
  const clean = sanitizeForAudit(rest);
  if (clean !== null && typeof clean === "object" && Object.keys(clean).length === 0) return undefined;
  if (JSON.stringify(clean).length <= MAX_DETAILS_CHARS) return clean;
  return clean !== null && typeof clean === "object" ? { fields: Object.keys(clean), truncated: true } : "…";
}

/** The output's top-level numbers, booleans, dates and short strings (counts, modes, messages, new run ids). */
export function resultDetails(output: unknown): Record<string, unknown> | undefined {
  if (output === null || typeof output !== "object" || Array.isArray(output)) return undefined;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(output)) {
    if (k === "id" || k === "name" || isSecretField(k)) continue;
    if (typeof v === "number" || typeof v === "boolean" || typeof v === "string" || v instanceof Date) out[k] = sanitizeForAudit(v);
  }
  return Object.keys(out).length ? out : undefined;
}

/** The audit row's details: what was asked (input) and what came of it (result). */
export function auditDetails(rawInput: unknown, output: unknown): Record<string, unknown> {
  const input = inputDetails(rawInput);
  const result = resultDetails(output);
  return { ...(input === undefined ? {} : { input }), ...(result ? { result } : {}) };
}
