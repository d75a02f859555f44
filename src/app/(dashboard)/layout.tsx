// The frame of every signed-in page: navigation, the tenant, and sign-out.
import Link from "next/link";
import { redirect } from "next/navigation";
import type { ReactNode } from "react";
import { RoleProvider } from "@/components/auth/role-context";
import { SignOutButton } from "@/components/auth/sign-out-button";
import { NavLinks } from "@/components/layout/nav-links";
import { getQueryClient, requireAuth, trpc } from "@/trpc/server";

export default async function DashboardLayout({ children }: { children: ReactNode }) {
  await requireAuth();
  const me = await getQueryClient()
    .fetchQuery(trpc.auth.me.queryOptions())
    .catch(() => null);
  // The session resolved but its key or tenant vanished since: start again.
  if (!me) redirect("/sign-in");
  return (
    <div className="shell">
      <header className="topbar">
        <nav className="topbar-inner" aria-label="Main">
          <Link href="/ingestions" className="brand">
            Autoloader
          </Link>
          <NavLinks role={me.apiKey.role} />
          <div className="topbar-account">
            <span className="tenant" title={`Signed in with the key "${me.apiKey.name}"`}>
              <span className="muted">Tenant</span> <strong data-testid="tenant-name">{me.tenant.name}</strong>
            </span>
            <SignOutButton />
          </div>
        </nav>
      </header>
      <main className="page">
        <RoleProvider role={me.apiKey.role}>{children}</RoleProvider>
      </main>
    </div>
  );
}
