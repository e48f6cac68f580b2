/**
 * Bundles the library for Node (the npm package, and the Node benchmarks), with esbuild.
 *
 * Why: Node's ESM loader costs about a millisecond per module in every new worker, and the
 * child bootstrap alone reaches 16 of the library's modules (the whole library, some 45, once
 * the target's module imports it). Measured on this 2-core machine: a worker that loads the
 * bootstrap's modules starts ~20 ms later than an empty one; bundled, ~2 ms.
 *
 * How: one build with several entry points, split into shared chunks, so that every module
 * has one instance whichever entry a program reaches it from:
 * - `mod.js`: the API, where users import it, and its subpaths (`src/managers.js`,
 *   `src/shared_memory.js`, `src/futures.js`, `src/context.js`, `src/connection.js`);
 * - `redis.js`: the `./redis` entry (its `redis` npm client stays an import: the package's
 *   optional peer dependency, which only this entry loads);
 * - `src/child.js`, `src/pool_worker.js`, `src/registry_worker.js` and
 *   `src/manager_server.js`: the modules that workers start with or import by URL;
 * - `src/internals.js`: the internals the test suite imports (not part of the API).
 *
 * The chunks go to `src/`, beside the two worker entries: src/target.ts finds the library's
 * own modules (and tells them apart from the user's) relative to the file its code runs from,
 * which must therefore sit directly in `src/`.
 *
 * Usage: `import { bundleLibrary } from "./bundle.ts"` (build_npm.ts, bench/run.ts), or
 * `npx deno run -A scripts/bundle.ts <outDir>`.
 * @module
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
/** The entry points, relative to the repository; each keeps its path in the output. */
export const BUNDLE_ENTRIES = [
  "mod.ts",
  "redis.ts",
  "src/managers.ts",
  "src/shared_memory.ts",
  "src/futures.ts",
  "src/context.ts",
  "src/connection.ts",
  "src/child.ts",
  "src/pool_worker.ts",
  "src/registry_worker.ts",
  "src/manager_server.ts",
  "src/internals.ts",
];

/**
 * Writes the bundled library into `outDir` (`mod.js`, `redis.js`, `src/child.js`,
 * `src/pool_worker.js`, `src/internals.js` and their chunks in `src/`). Throws with esbuild's output if it fails.
 */
export function bundleLibrary(outDir: string): void {
  const result = spawnSync(join(ROOT, "node_modules", ".bin", "esbuild"), [
    ...BUNDLE_ENTRIES,
    "--bundle",
    "--splitting",
    "--format=esm",
    "--platform=node",
    "--target=es2022",
    `--outdir=${outDir}`,
    `--outbase=${ROOT}`,
    "--chunk-names=src/[name]-[hash]",
    // Names matter: errors take theirs from their class, targets are looked up by theirs.
    // (Bun's bundler renames classes that collide and loses their names, hence esbuild.)
    "--keep-names",
    "--external:redis",
    "--log-level=warning",
  ], { cwd: ROOT, encoding: "utf8" });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`esbuild failed (status ${result.status}):\n${result.stdout}${result.stderr}`);
}

// Deno and Bun set `import.meta.main` (Node 20 does not: there, use the export).
if ((import.meta as ImportMeta & { main?: boolean }).main) {
  const outDir = process.argv[2];
  if (!outDir) {
    console.error("usage: deno run -A scripts/bundle.ts <outDir>");
    process.exit(2);
  }
  bundleLibrary(outDir);
  console.log(`bundled the library into ${outDir}`);
}
