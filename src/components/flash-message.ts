// A message that outlives one client-side navigation: an action's outcome (e.g. "Deleted …"),
// shown once on the page the action leads to. Kept in this tab's memory only, so a reload or a
// shared link never shows it again.
let pending: string | null = null;

export function setFlashMessage(message: string): void {
  pending = message;
}

export function peekFlashMessage(): string | null {
  return pending;
}

export function clearFlashMessage(): void {
  pending = null;
}
