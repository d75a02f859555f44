"use client";
// Ends the session on the server (which clears the cookie) and returns to the sign-in page.
import { useMutation } from "@tanstack/react-query";
import { useTRPC } from "@/trpc/react";
import { useSessionChange } from "./use-session-change";

export function SignOutButton() {
  const trpc = useTRPC();
  const changeSession = useSessionChange();
  const signOut = useMutation(
    trpc.auth.signOut.mutationOptions({
      // Even when the session had already ended on the server, the way forward is to sign in.
      onSettled: () => changeSession("/sign-in"),
    }),
  );
  return (
    <button type="button" className="button button-quiet" onClick={() => signOut.mutate()} disabled={signOut.isPending}>
      Sign out
    </button>
  );
}
