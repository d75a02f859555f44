// Generates the Prisma client (src/generated/prisma) offline; runs at `npm install`.
// `prisma generate` would download the native schema engine it never uses for this; pointing
// PRISMA_SCHEMA_ENGINE_BINARY at any executable, for this one command, stops the download.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const prismaCli = require.resolve("prisma/build/index.js");
const placeholder = ["/bin/true", "/usr/bin/true"].find((p) => existsSync(p)) ?? process.execPath;
const result = spawnSync(process.execPath, [prismaCli, "generate"], {
  stdio: "inherit",
  env: {
    ...process.env,
    PRISMA_SCHEMA_ENGINE_BINARY: placeholder,
    CHECKPOINT_DISABLE: "1",
    PRISMA_HIDE_UPDATE_MESSAGE: "1",
  },
});
process.exit(result.status ?? 1);
