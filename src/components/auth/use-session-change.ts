// Signing in and signing out both end with another session (or none) in this browser.
import { useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";

/** Returns a function that opens `path` for the new session, dropping what was cached for the old one. */
export function useSessionChange(): (path: string) => void {
  const queryClient = useQueryClient();
  const router = useRouter();
  return (path) => {
    // Whatever was cached belonged to whoever was signed in before.
    queryClient.clear();
    router.push(path);
    router.refresh();
  };
}
