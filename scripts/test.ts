// `npm test`: lint, typecheck, unit, integration and browser tests, in that order. Every step runs
// even if an earlier one failed, so one run shows everything; the exit code is non-zero on any
// failure. The last line totals the tests of all runners. The browser tests get their own build
// directory (never the `.next` that `npm start` serves) and a Chromium provisioned here.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { E2E_BUILD_DIR } from "../playwright.config";
import { ChromiumUnavailableError, provisionChromium } from "./chromium";

const root = process.cwd();
const results = path.join(root, "test-results");
rmSync(path.join(results, "unit.json"), { force: true });
rmSync(path.join(results, "integration.json"), { force: true });
rmSync(path.join(results, "e2e-results.json"), { force: true });
mkdirSync(results, { recursive: true });

const bin = (p: string) => path.join(root, "node_modules", p);
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: "1", FORCE_COLOR: process.env.FORCE_COLOR ?? "1" };
const only = process.argv.slice(2);

interface Step {
  name: string;
  /** One command, or several run in order (each runs; the step fails if any fails). */
  args: string[] | string[][];
  env?: Record<string, string>;
  /** Runs first; false fails the step without running it. */
  prepare?: () => Promise<boolean>;
}

/** The browser tests need a Chromium: find or install one, or say in one line what to install. */
async function chromiumReady(): Promise<boolean> {
  try {
    await provisionChromium();
    return true;
  } catch (error) {
    if (!(error instanceof ChromiumUnavailableError)) throw error;
    console.error(error.message);
    return false;
  }
}

const steps: Step[] = [
  {
    name: "lint",
    args: [
      [bin("eslint/bin/eslint.js"), "--max-warnings=0", "."],
      // Import cycles, which a per-file linter cannot see (.dependency-cruiser.cjs).
      [bin("dependency-cruiser/bin/dependency-cruise.mjs"), "src", "scripts", "e2e", "--config", ".dependency-cruiser.cjs", "--output-type", "err"],
    ],
  },
  { name: "typecheck", args: [bin("typescript/bin/tsc"), "--noEmit"] },
  {
    name: "unit",
    args: [bin("vitest/vitest.mjs"), "run", "--project", "unit", "--reporter=default", "--reporter=json", `--outputFile.json=${path.join(results, "unit.json")}`],
  },
  {
    name: "integration",
    args: [bin("vitest/vitest.mjs"), "run", "--project", "integration", "--reporter=default", "--reporter=json", `--outputFile.json=${path.join(results, "integration.json")}`],
  },
  // The browser tests run against a production build of the current code, in its own directory.
  { name: "build", args: [bin("next/dist/bin/next"), "build"], env: { AUTOLOADER_BUILD_DIR: E2E_BUILD_DIR } },
  { name: "e2e", args: [bin("@playwright/test/cli.js"), "test"], prepare: chromiumReady },
];

const outcome: { name: string; ok: boolean; seconds: number }[] = [];
for (const step of steps) {
  if (only.length > 0 && !only.includes(step.name)) continue;
  if (step.name === "e2e" && outcome.some((o) => o.name === "build" && !o.ok)) {
    outcome.push({ name: "e2e", ok: false, seconds: 0 });
    continue;
  }
  console.log(`\n━━ ${step.name} ━━`);
  const started = Date.now();
  const ready = step.prepare ? await step.prepare() : true;
  const commands = (Array.isArray(step.args[0]) ? step.args : [step.args]) as string[][];
  let ok = ready;
  if (ready) {
    for (const args of commands) {
      const r = spawnSync(process.execPath, args, { stdio: "inherit", env: { ...env, ...step.env } });
      ok = ok && r.status === 0;
    }
  }
  outcome.push({ name: step.name, ok, seconds: (Date.now() - started) / 1000 });
}

interface VitestJson {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
  testResults?: {
    name: string;
    message?: string;
    assertionResults: { fullName: string; status: string; failureMessages?: string[] }[];
  }[];
}
interface PlaywrightSuite {
  suites?: PlaywrightSuite[];
  specs?: { title: string; file: string; tests: { status: string; results: { error?: { message?: string } }[] }[] }[];
}
interface PlaywrightJson extends PlaywrightSuite {
  stats: { expected: number; unexpected: number; flaky: number; skipped: number };
}
function playwrightFailures(suite: PlaywrightSuite): string[] {
  const own = (suite.specs ?? []).flatMap((spec) =>
    spec.tests
      .filter((t) => t.status === "unexpected")
      .map((t) => `e2e/${spec.file} › ${spec.title}: ${firstLine(t.results.at(-1)?.error?.message)}`),
  );
  return [...own, ...(suite.suites ?? []).flatMap(playwrightFailures)];
}
let passed = 0;
let failed = 0;
let skipped = 0;
/** Each failed test with the first line of its error, so the end of the log names what failed. */
const failures: string[] = [];
// eslint-disable-next-line no-control-regex -- removes the terminal colours from the message
const firstLine = (m: string | undefined) => (m ?? "").replace(/\x1b\[[0-9;]*m/g, "").trim().split("\n")[0]?.slice(0, 300) ?? "";
for (const file of ["unit.json", "integration.json"]) {
  const p = path.join(results, file);
  if (!existsSync(p)) continue;
  const j = JSON.parse(readFileSync(p, "utf8")) as VitestJson;
  passed += j.numPassedTests;
  failed += j.numFailedTests;
  skipped += j.numPendingTests + j.numTodoTests;
  for (const suite of j.testResults ?? []) {
    const file = path.relative(root, suite.name);
    const failedTests = suite.assertionResults.filter((a) => a.status === "failed");
    for (const a of failedTests) failures.push(`${file} › ${a.fullName}: ${firstLine(a.failureMessages?.[0])}`);
    // A file that fails outside any test (an import error, a hook) has no failed assertion.
    if (failedTests.length === 0 && suite.message) failures.push(`${file}: ${firstLine(suite.message)}`);
  }
}
const e2e = path.join(results, "e2e-results.json");
if (existsSync(e2e)) {
  const j = JSON.parse(readFileSync(e2e, "utf8")) as PlaywrightJson;
  passed += j.stats.expected + j.stats.flaky;
  failed += j.stats.unexpected;
  skipped += j.stats.skipped;
  failures.push(...playwrightFailures(j));
}

console.log("\n━━ summary ━━");
for (const o of outcome) console.log(`${o.ok ? "✔" : "✘"} ${o.name.padEnd(12)} ${o.seconds.toFixed(1)} s`);
const failedSteps = outcome.filter((o) => !o.ok).map((o) => o.name);
for (const f of failures) console.log(`✘ ${f}`);
if (failedSteps.length > 0) console.log(`failed steps: ${failedSteps.join(", ")}`);
// Steps that fail without a test count (lint, typecheck, build) still count as a failure here.
console.log(`tests: ${passed} passed, ${failed + (failedSteps.length > 0 && failed === 0 ? 1 : 0)} failed, ${skipped} skipped`);
process.exit(failedSteps.length > 0 ? 1 : 0);
