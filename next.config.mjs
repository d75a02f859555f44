// Validates the environment at build and start (src/env.ts), builds into AUTOLOADER_BUILD_DIR
// (`npm test` builds into its own, never the `.next` that `npm start` serves), and leaves the
// native and WebAssembly server packages unbundled: Next cannot bundle DuckDB's bindings or PGlite.
import { tsImport } from "tsx/esm/api";

const { loadConfig } = await tsImport("./src/env.ts", import.meta.url);
const config = loadConfig();

/** @type {import('next').NextConfig} */
const nextConfig = {
  distDir: config.buildDir,
  reactStrictMode: true,
  poweredByHeader: false,
  serverExternalPackages: [
    "@duckdb/node-api",
    "@duckdb/node-bindings",
    "@aws-sdk/client-s3",
    "@electric-sql/pglite",
    "pglite-prisma-adapter",
    "@prisma/client",
    "@prisma/adapter-pg",
    "@prisma/driver-adapter-utils",
    "pg",
  ],
};

export default nextConfig;
