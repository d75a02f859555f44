// The health router's contract: the server answers, and whether its database does.
import { z } from "zod";

export const healthCheckOutput = z.object({ status: z.literal("ok"), database: z.enum(["ok", "error"]) });
