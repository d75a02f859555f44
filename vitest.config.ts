import path from "node:path";
import { defineConfig } from "vitest/config";

const alias = { "@": path.resolve(import.meta.dirname, "src") };

export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      {
        resolve: { alias },
        test: {
          name: "unit",
          // Projects with different worker settings need their own group to run in one command.
          sequence: { groupOrder: 0 },
          include: ["src/**/*.test.ts", "scripts/**/*.test.ts"],
          exclude: ["**/*.int.test.ts", "node_modules/**"],
          environment: "node",
        },
      },
      {
        resolve: { alias },
        test: {
          name: "integration",
          sequence: { groupOrder: 1 },
          include: ["src/**/*.int.test.ts", "scripts/**/*.int.test.ts"],
          environment: "node",
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // Two cores: each file opens PGlite (WebAssembly) and/or a PostgreSQL database.
          maxWorkers: 2,
          globalSetup: ["src/test/global-setup.ts"],
        },
      },
    ],
  },
});
