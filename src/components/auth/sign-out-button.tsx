"use client";
// Ends the session on the server (which clears the cookie) and returns to the sign-in page.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useTRPC } from "@/trpc/react";

export function SignOutButton() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  const signOut = useMutation(
    trpc.auth.signOut.mutationOptions({
      // Even when the session had already ended on the server, the way forward is to sign in.
      onSettled: () => {
        queryClient.clear();
        router.push("/sign-in");
        router.refresh();
      },
    }),
  );
  return (
    <button type="button" className="button button-quiet" onClick={() => signOut.mutate()} disabled={signOut.isPending}>
      Sign out
    </button>
  );
}
