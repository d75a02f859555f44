"use client";
// The dashboard's main navigation; the link of the current section is marked for all users.
import Link from "next/link";
import { usePathname } from "next/navigation";

const LINKS = [
  { href: "/ingestions", label: "Ingestions" },
  { href: "/keys", label: "API keys" },
] as const;

export function NavLinks() {
  const pathname = usePathname();
  return (
    <ul className="nav-links">
      {LINKS.map((link) => {
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
