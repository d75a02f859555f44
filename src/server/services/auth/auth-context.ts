// Who is calling: resolved from an API key or a session, never from request input.

export const ROLES = ["ADMIN", "EDITOR", "VIEWER"] as const;
export type Role = (typeof ROLES)[number];

/** ADMIN can do everything EDITOR can, EDITOR everything VIEWER can. */
const RANK: Record<Role, number> = { VIEWER: 0, EDITOR: 1, ADMIN: 2 };

export function roleAllows(held: Role, needed: Role): boolean {
  return RANK[held] >= RANK[needed];
}

export interface AuthContext {
  tenantId: string;
  apiKeyId: string;
  /** The key's role; a session carries its key's role, read again on every request. */
  role: Role;
  via: "api-key" | "session";
  sessionId?: string;
}
