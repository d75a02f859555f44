// Prisma CLI configuration. The app never needs the CLI at run time: migrations are applied
// by src/server/db/migrate.ts and the client is generated at install (scripts/generate.ts).
import { defineConfig } from "prisma/config";

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
});
