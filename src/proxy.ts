// Next's proxy (formerly middleware), for pages only: a fresh CSP nonce per request, sent to the
// renderer (which puts it on Next's scripts) and to the browser. API routes are not matched, so
// their bodies are never buffered here (the tRPC route limits them itself).
import { NextResponse, type NextRequest } from "next/server";
import { pageContentSecurityPolicy } from "@/server/api/edge/security-headers";

export function proxy(request: NextRequest) {
  const nonce = btoa(crypto.randomUUID());
  const policy = pageContentSecurityPolicy(nonce, process.env.NODE_ENV === "development");
  const headers = new Headers(request.headers);
  headers.set("x-nonce", nonce);
  headers.set("content-security-policy", policy);
  const response = NextResponse.next({ request: { headers } });
  response.headers.set("Content-Security-Policy", policy);
  return response;
}

export const config = {
  matcher: ["/((?!api/|_next/static/|_next/image/|favicon.ico$).*)"],
};
