// Inngest calls this endpoint to sync the app's functions and to run their steps.
import { createInngestRoute } from "@/server/inngest";
import { getRuntime } from "@/server/runtime";

export const dynamic = "force-dynamic";

export const { GET, POST, PUT } = createInngestRoute(getRuntime);
