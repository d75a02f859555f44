import js from "@eslint/js";
import reactHooks from "eslint-plugin-react-hooks";
import tseslint from "typescript-eslint";
import { clientImportsShared } from "./eslint/client-imports-shared.mjs";

export default tseslint.config(
  {
    ignores: [
      "node_modules/**",
      ".next/**",
      ".next-test/**",
      ".next-load/**",
      ".data/**",
      "src/generated/**",
      "test-results/**",
      "playwright-report/**",
      "next-env.d.ts",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.{ts,tsx,mjs}"],
    languageOptions: {
      globals: {
        process: "readonly",
        console: "readonly",
        Buffer: "readonly",
        URL: "readonly",
        setTimeout: "readonly",
        clearTimeout: "readonly",
        fetch: "readonly",
        Request: "readonly",
        Response: "readonly",
        Headers: "readonly",
        AbortSignal: "readonly",
        window: "readonly",
        document: "readonly",
        navigator: "readonly",
      },
    },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
      "no-console": "off",
    },
  },
  {
    files: ["src/**/*.tsx"],
    plugins: { "react-hooks": reactHooks },
    rules: reactHooks.configs.recommended.rules,
  },
  {
    // No `any` in the server (STYLE.md); tests may use it where they walk the router generically.
    files: ["src/server/**/*.ts", "src/client/**/*.ts", "src/env.ts"],
    ignores: ["**/*.test.ts"],
    rules: { "@typescript-eslint/no-explicit-any": "error" },
  },
  // The layering (docs/architecture.md). A violation fails `npm run lint`; import cycles are
  // checked there too, by dependency-cruiser (.dependency-cruiser.cjs).
  {
    files: ["src/**/*.{ts,tsx}"],
    plugins: { local: { rules: { "client-imports-shared": clientImportsShared } } },
    rules: { "local/client-imports-shared": "error" },
  },
  {
    // The pipeline and what it runs on know nothing of the services that call them.
    files: ["src/server/{runs,engine,sources,domain}/**/*.ts"],
    ignores: ["**/*.test.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              regex: "^(@/server/services|@/server/api)(/|$)|^(\\.\\./)+(services|api)(/|$)",
              message: "runs/, engine/, sources/ and domain/ must not import services/ or api/: pass what they need in, or move it down.",
            },
          ],
        },
      ],
    },
  },
  {
    // domain/ is pure: rules and types, no database, engine or storage.
    files: ["src/server/domain/**/*.ts"],
    ignores: ["**/*.test.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              regex: "^@/server/(?!domain/)|^\\.\\./",
              message: "domain/ imports only domain/ and src/shared: it is pure.",
            },
          ],
        },
      ],
    },
  },
  {
    // Shared code (contracts, formatting) runs in the browser and on the server: it imports no server code.
    files: ["src/shared/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: [{ regex: "^@/server(/|$)", message: "src/shared must not import src/server." }] },
      ],
    },
  },
);
