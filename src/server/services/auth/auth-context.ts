// Who is calling: resolved from an API key or a session, never from request input.
import { Role } from "@/generated/prisma/enums";

export { Role };
export const ROLES = Object.values(Role);

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
