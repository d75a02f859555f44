import { redirect } from "next/navigation";
import { createServerContext } from "@/trpc/server";

export default async function HomePage() {
  const { auth } = await createServerContext();
  redirect(auth ? "/ingestions" : "/sign-in");
}
