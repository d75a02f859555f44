// Validates the environment at build and start (src/env.ts), builds into AUTOLOADER_BUILD_DIR
// (`npm test` builds into its own, never the `.next` that `npm start` serves), and leaves the
// native and WebAssembly server packages unbundled: Next cannot bundle DuckDB's bindings or PGlite.
import { tsImport } from "tsx/esm/api";

const { loadConfig } = await tsImport("./src/env.ts", import.meta.url);
const config = loadConfig();
const { STATIC_SECURITY_HEADERS, API_CONTENT_SECURITY_POLICY } = await tsImport("./src/server/api/edge/security-headers.ts", import.meta.url);

/** @type {import('next').NextConfig} */
const nextConfig = {
  distDir: config.buildDir,
  reactStrictMode: true,
  poweredByHeader: false,
  // Security headers on every response; pages get their nonce CSP from src/proxy.ts.
  async headers() {
    return [
      { source: "/:path*", headers: STATIC_SECURITY_HEADERS },
      { source: "/api/:path*", headers: [{ key: "Content-Security-Policy", value: API_CONTENT_SECURITY_POLICY }] },
    ];
  },
  experimental: {
    // The proxy buffers a request body it sees (pages only; nothing posts to them): keep that small.
    proxyClientMaxBodySize: config.edge.maxRequestBytes,
  },
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
