"use client";
// The dashboard's main navigation; the link of the current section is marked for all users, and
// sections the caller's role cannot use (keys, the audit log: admins) are not shown.
import Link from "next/link";
import { usePathname } from "next/navigation";
import type { Role } from "@/generated/prisma/enums";

const LINKS: readonly { href: string; label: string; adminOnly?: boolean }[] = [
  { href: "/ingestions", label: "Ingestions" },
  { href: "/connections", label: "Connections" },
  { href: "/keys", label: "API keys", adminOnly: true },
  { href: "/audit", label: "Audit log", adminOnly: true },
];

export function NavLinks({ role }: { role: Role }) {
  const pathname = usePathname();
  return (
    <ul className="nav-links">
      {LINKS.filter((link) => role === "ADMIN" || !link.adminOnly).map((link) => {
        const current = pathname === link.href || pathname.startsWith(`${link.href}/`);
        return (
          <li key={link.href}>
            <Link href={link.href} aria-current={current ? "page" : undefined}>
              {link.label}
            </Link>
          </li>
        );
      })}
    </ul>
  );
}
