// Mutations take JSON only: forms (multipart, urlencoded) and text/plain are what a cross-site page
// can send without a CORS preflight, and tRPC would otherwise hand FormData to procedures.

/** Whether a Content-Type header is application/json (any parameters, e.g. charset, allowed). */
export function isJsonContentType(header: string | null): boolean {
  if (header === null) return false;
  const essence = header.split(";")[0]?.trim().toLowerCase();
  return essence === "application/json";
}
