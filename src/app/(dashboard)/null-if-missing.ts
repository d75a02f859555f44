// The detail pages show "not found" for an id this tenant has nothing under, whatever the id.
import { TRPCError } from "@trpc/server";

/** What `result` resolves to, or null when the API has none with that id (or the id is malformed). */
export async function nullIfMissing<T>(result: Promise<T>): Promise<T | null> {
  try {
    return await result;
  } catch (error) {
    if (error instanceof TRPCError && (error.code === "NOT_FOUND" || error.code === "BAD_REQUEST")) return null;
    throw error;
  }
}
