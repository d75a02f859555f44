// Who is calling: resolved from an API key or a session, never from request input.

export interface AuthContext {
  tenantId: string;
  apiKeyId: string;
  isAdmin: boolean;
  via: "api-key" | "session";
  sessionId?: string;
}
