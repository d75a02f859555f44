// Reads a request body up to a byte limit: a declared Content-Length over it is refused before
// anything is read, and a streamed body is cancelled at the first chunk that crosses it, so an
// oversized body is never held in memory whole.

export type LimitedBody = { ok: true; bytes: Uint8Array<ArrayBuffer> } | { ok: false; reason: "content-length" | "streamed"; bytesRead: number };

export async function readBodyWithLimit(req: Request, maxBytes: number): Promise<LimitedBody> {
  const declared = req.headers.get("content-length");
  if (declared !== null && /^\d+$/.test(declared.trim()) && Number(declared) > maxBytes) {
    // Not read at all; cancelling tells the server it may drop the rest.
    await req.body?.cancel().catch(() => undefined);
    return { ok: false, reason: "content-length", bytesRead: 0 };
  }
  if (!req.body) return { ok: true, bytes: new Uint8Array(0) };
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return { ok: false, reason: "streamed", bytesRead: total };
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return { ok: true, bytes };
}
