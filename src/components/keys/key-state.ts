// A key's state as the list shows it: revoked wins over expired, which wins over active.
export type KeyState = "active" | "expired" | "revoked";

export function keyState(key: { revokedAt: Date | null; expiresAt: Date | null }, now: Date): KeyState {
  if (key.revokedAt) return "revoked";
  if (key.expiresAt && key.expiresAt <= now) return "expired";
  return "active";
}
