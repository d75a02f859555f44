"use client";
// The signed-in key's role, set once by the dashboard layout, so client components can leave out
// buttons the role cannot use (the server refuses them anyway).
import { createContext, useContext, type ReactNode } from "react";
import type { Role } from "@/generated/prisma/enums";

export type DashboardRole = Role;

const RoleContext = createContext<DashboardRole>("VIEWER");

export function RoleProvider({ role, children }: { role: DashboardRole; children: ReactNode }) {
  return <RoleContext.Provider value={role}>{children}</RoleContext.Provider>;
}

/** Whether the caller may change ingestions, runs and files (editor or admin). */
export function useCanEdit(): boolean {
  return useContext(RoleContext) !== "VIEWER";
}

/** The caller's role, for components that need more than useCanEdit (admin-only actions). */
export function useRole(): DashboardRole {
  return useContext(RoleContext);
}
