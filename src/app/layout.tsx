import type { Metadata } from "next";
import type { ReactNode } from "react";
import { TRPCReactProvider } from "@/trpc/react";
import "./globals.css";

// Every page is rendered per request: its CSP nonce (src/proxy.ts) is new each time, and Next
// can put it on its scripts only while rendering.
export const dynamic = "force-dynamic";

export const metadata: Metadata = {
  title: { default: "Autoloader", template: "%s · Autoloader" },
  description: "Load files that land in object storage into queryable tables, exactly once per file.",
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <TRPCReactProvider>{children}</TRPCReactProvider>
      </body>
    </html>
  );
}
