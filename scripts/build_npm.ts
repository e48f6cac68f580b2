/**
 * Builds the npm package (what dnt would do; dnt itself is on JSR) and tests it as a user
 * would get it:
 *
 * 1. TypeScript's compiler emits ESM `.js` + `.d.ts` of mod.ts, redis.ts, src/, cli.ts and
 *    examples/ into `npm/` (relative `.ts` imports rewritten to `.js`); then the library's
 *    own `.js` (mod.js, redis.js, src/) is replaced by its bundle (scripts/bundle.ts: a Node
 *    worker loads one module per file, at about a millisecond each).
 * 2. `npm/package.json` (version from deno.json, `exports`, `types`, `bin`, Node >= 20, no
 *    dependencies; `redis` an optional peer, for `./redis`), README.md and LICENSE; then
 *    `npm pack` into `dist/`.
 * 3. Unless `--no-test`: installs the tarball (and the `redis` client, the `./redis` entry's
 *    optional peer) into a temporary project, checks that a consumer compiles against its
 *    types in a default Node TypeScript project (no `skipLibCheck`, no `@types/node`, a
 *    target below ESNext), copies the tests (of the Redis suite only its smoke test: the
 *    suite runs from sources), the cli and the examples there with their imports of the
 *    library pointed at the installed package (their imports of the library's internals
 *    pointed at its `src/internals.js`), compiles them against its types, and runs them on
 *    Node and on Bun.
 *
 * Run it with Deno or Bun (Node 20 cannot run TypeScript):
 * `npx deno run -A scripts/build_npm.ts [--no-test] [--keep]` (`--keep` leaves the test project).
 * @module
 */
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { bundleLibrary } from "./bundle.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const OUT = join(ROOT, "npm");
/** Where the tarball goes (beside the binary; npm/ is what it packs). */
const DIST = join(ROOT, "dist");
const BIN = join(ROOT, "node_modules", ".bin");
const NAME = "@seed/multiprocessing";
/** What the package ships, besides package.json, README.md and LICENSE. */
const PACKAGE_SOURCES = ["mod.ts", "redis.ts", "cli.ts", "src", "examples"];
/** What the test project copies from the repository and compiles against the package. */
const TEST_SOURCES = ["cli.ts", "examples", "tests", "tests_redis/_server.ts", "tests_redis/package_smoke_test.ts"];
/** The Redis suite runs once per runtime from sources: the package gets only its smoke test. */
const REDIS_SMOKE_TEST = "build/tests_redis/package_smoke_test.js";
/** The versions of the development tooling that the repository pins. */
const PINNED = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { devDependencies: Record<string, string> })
  .devDependencies;
/**
 * What the tests import besides the library, at the versions the repository pins: the
 * property tests' fast-check, and the `redis` client (the `./redis` entry's optional peer).
 */
const TEST_DEPENDENCIES = ["fast-check", "redis"].map((name) => `${name}@${PINNED[name]}`);
/** Bun's default 5 s per test is too short for the scenario tests. */
const BUN_TEST_TIMEOUT_MS = 120_000;

/** The compiler options both compilations share: the repository's tsconfig.json, minus its paths. */
const COMPILER_OPTIONS = {
  target: "ES2022",
  module: "NodeNext",
  moduleResolution: "NodeNext",
  strict: true,
  allowImportingTsExtensions: true,
  rewriteRelativeImportExtensions: true,
  skipLibCheck: true,
  lib: ["ES2024", "DOM"],
  types: ["node"],
  typeRoots: [join(ROOT, "node_modules", "@types")],
};

/** Runs a command, streaming its output; throws if it fails. */
function run(command: string, args: string[], cwd: string = ROOT): void {
  const result = spawnSync(command, args, { cwd, stdio: "inherit" });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed (status ${result.status}) in ${cwd}`);
}

/** Runs a command with its output (stdout and stderr, interleaved) kept for later. */
function runCaptured(command: string, args: string[], cwd: string): Promise<{ status: number | null; output: string; seconds: number }> {
  const started = performance.now();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    const chunks: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => chunks.push(chunk));
    child.on("error", reject);
    child.on("close", (status) =>
      resolvePromise({ status, output: Buffer.concat(chunks).toString("utf8"), seconds: (performance.now() - started) / 1000 }));
  });
}

/** The trimmed standard output of a command. */
function commandOutput(command: string, args: string[]): string {
  return spawnSync(command, args, { encoding: "utf8" }).stdout.trim();
}

/** Runs `work`, then prints how long it took. */
function step<T>(what: string, work: () => T): T {
  console.log(`\n--- ${what}`);
  const started = performance.now();
  const value = work();
  console.log(`--- ${what}: done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return value;
}

/** Every `.ts` file under the given files and directories, relative to `root`. */
function typeScriptFiles(root: string, paths: string[]): string[] {
  return paths.flatMap((path) => {
    const absolute = join(root, path);
    if (!statSync(absolute).isDirectory()) return path.endsWith(".ts") ? [path] : [];
    return typeScriptFiles(root, readdirSync(absolute).sort().map((name) => join(path, name)));
  });
}

/** Compiles with a tsconfig written for the occasion (tsc takes no file list with -p). */
function compile(projectDir: string, include: string[], outDir: string, declaration: boolean, rootDir = "."): void {
  const config = { compilerOptions: { ...COMPILER_OPTIONS, rootDir, outDir, declaration }, include };
  const configFile = join(projectDir, "tsconfig.build.json");
  writeFileSync(configFile, JSON.stringify(config, null, 2));
  try {
    run(join(BIN, "tsc"), ["-p", configFile], projectDir);
  } finally {
    rmSync(configFile);
  }
}

const TS_SPECIFIER = /((?:\bfrom\s*|\bimport\s*\(\s*)["']\.{1,2}\/[^"']+)\.ts(["'])/g;

/**
 * TypeScript rewrites `.ts` imports to `.js` in the JavaScript it emits, not in declaration
 * files: do it there too, so the types work for users without `allowImportingTsExtensions`.
 */
function rewriteDeclarationImports(dir: string): void {
  for (const name of readdirSync(dir, { recursive: true, encoding: "utf8" })) {
    if (!name.endsWith(".d.ts")) continue;
    const file = join(dir, name);
    writeFileSync(file, readFileSync(file, "utf8").replace(TS_SPECIFIER, "$1.js$2"));
  }
}

/**
 * The types use `Disposable`, `AsyncDisposable` and `Symbol.dispose`/`asyncDispose`, which
 * TypeScript declares in its `esnext.disposable` lib: a project whose target is below ESNext
 * loads it only through `@types/node`, and without it fails with "Cannot find name
 * 'Disposable'". The entries' declarations reference that lib themselves (TypeScript 5.2+).
 */
function referenceDisposableLib(): void {
  for (const entry of ["mod.d.ts", "cli.d.ts"]) {
    const file = join(OUT, entry);
    writeFileSync(file, `/// <reference lib="esnext.disposable" />\n${readFileSync(file, "utf8")}`);
  }
}

/** Deletes what tsc emitted as the library's JavaScript (mod.js, redis.js, src/**.js); types stay. */
function removeLibraryJavaScript(): void {
  rmSync(join(OUT, "mod.js"));
  rmSync(join(OUT, "redis.js"));
  for (const name of readdirSync(join(OUT, "src"), { recursive: true, encoding: "utf8" })) {
    if (name.endsWith(".js")) rmSync(join(OUT, "src", name));
  }
}

/** The package's manifest: the library's entry, the cli as `./cli` and as the `mp-demo` command. */
function packageManifest(version: string): Record<string, unknown> {
  const entry = (path: string) => ({ types: `./${path}.d.ts`, default: `./${path}.js` });
  return {
    name: NAME,
    version,
    description:
      "Python's multiprocessing for Deno, Bun and Node: processes on workers, queues, pipes, locks, shared memory and a pool.",
    license: "MIT",
    type: "module",
    main: "./mod.js",
    types: "./mod.d.ts",
    exports: {
      ".": entry("mod"),
      "./managers": entry("src/managers"),
      "./shared_memory": entry("src/shared_memory"),
      "./futures": entry("src/futures"),
      "./context": entry("src/context"),
      "./connection": entry("src/connection"),
      "./redis": entry("redis"),
      "./cli": entry("cli"),
      "./package.json": "./package.json",
    },
    bin: { "mp-demo": "./cli.js", "mp-worker": "./cli.js" },
    engines: { node: ">=20" },
    // Only the `./redis` entry loads it; the rest of the library has no dependency.
    peerDependencies: { redis: `^${PINNED.redis}` },
    peerDependenciesMeta: { redis: { optional: true } },
    keywords: ["multiprocessing", "worker", "process", "queue", "pool", "shared-memory", "atomics", "deno", "bun"],
  };
}

/** Emits the package into npm/ and packs it; returns the tarball's path. */
function buildPackage(): string {
  const { version } = JSON.parse(readFileSync(join(ROOT, "deno.json"), "utf8")) as { version: string };
  rmSync(OUT, { recursive: true, force: true });
  step("emit .js + .d.ts into npm/", () => compile(ROOT, typeScriptFiles(ROOT, PACKAGE_SOURCES), OUT, true));
  rewriteDeclarationImports(OUT);
  referenceDisposableLib();
  step("bundle the library over its emitted .js", () => {
    removeLibraryJavaScript();
    bundleLibrary(OUT);
  });
  // `npm install -g` / `npx` run the cli as a command.
  const cli = join(OUT, "cli.js");
  writeFileSync(cli, `#!/usr/bin/env node\n${readFileSync(cli, "utf8")}`);
  writeFileSync(join(OUT, "package.json"), `${JSON.stringify(packageManifest(version), null, 2)}\n`);
  for (const file of ["README.md", "LICENSE"]) {
    if (!existsSync(join(ROOT, file))) throw new Error(`${file} is missing: the package ships it`);
    copyFileSync(join(ROOT, file), join(OUT, file));
  }
  return step("npm pack", () => {
    mkdirSync(DIST, { recursive: true });
    const packed = spawnSync("npm", ["pack", "--json", "--pack-destination", DIST], { cwd: OUT, encoding: "utf8" });
    if (packed.status !== 0) throw new Error(`npm pack failed:\n${packed.stderr}`);
    const [info] = JSON.parse(packed.stdout) as { filename: string; size: number; unpackedSize: number; entryCount: number }[];
    const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;
    console.log(`${info.filename}: ${kib(info.size)} packed, ${kib(info.unpackedSize)} unpacked, ${info.entryCount} files`);
    return join(DIST, info.filename);
  });
}

/**
 * The specifier a copied file uses for `specifier` (as written in the repository): the
 * library's entry becomes the package name; its internals (which some tests import) become
 * the path of the installed package's `src/internals.js`, which exports them from the
 * bundle; everything else is copied along and stays as it is.
 */
function redirect(specifier: string, file: string, sourceDir: string, projectDir: string): string {
  if (!specifier.startsWith(".")) return specifier;
  const target = relative(ROOT, resolve(dirname(join(ROOT, file)), specifier));
  if (target === "mod.ts") return NAME;
  if (target === "redis.ts") return `${NAME}/redis`;
  if (!target.startsWith(`src/`)) return specifier;
  const installed = join(projectDir, "node_modules", NAME, "src", "internals.js");
  const fromFile = relative(dirname(join(sourceDir, file)), installed);
  return fromFile.startsWith(".") ? fromFile : `./${fromFile}`;
}

const SPECIFIERS = /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(["'])(\.{1,2}\/[^"']+)\2/g;

/**
 * Copies the tests, cli and examples into `<project>/ts/`, their imports of the library
 * redirected. They compile to `<project>/build/`, at the same depth, so the paths into
 * node_modules hold for both.
 */
function copyTestSources(projectDir: string): void {
  const sourceDir = join(projectDir, "ts");
  for (const file of typeScriptFiles(ROOT, TEST_SOURCES)) {
    const source = readFileSync(join(ROOT, file), "utf8");
    const rewritten = source.replace(
      SPECIFIERS,
      (_, before: string, quote: string, specifier: string) =>
        `${before}${quote}${redirect(specifier, file, sourceDir, projectDir)}${quote}`,
    );
    mkdirSync(dirname(join(sourceDir, file)), { recursive: true });
    writeFileSync(join(sourceDir, file), rewritten);
  }
}

/** A user's module, compiled against the installed package's types. */
const CONSUMER = `import { isMain, type IMapIterator, Lock, Pool, Queue, Value } from "${NAME}";

export function square(x: number): number {
  return x * x;
}

if (isMain(import.meta)) {
  const lock = new Lock();
  await lock.acquire();
  try {
    console.log(String(lock), new Value("i", 1).value, new Queue<number>().qsize());
  } finally {
    lock.release();
  }
  const pool = new Pool({ processes: 1 });
  try {
    const results: IMapIterator<number> = pool.imap(square, [1, 2]);
    for await (const y of results) console.log(y);
  } finally {
    await pool.terminate();
  }
}
`;

/**
 * Compiles {@link CONSUMER} in a default Node TypeScript project: TypeScript's defaults
 * (no `skipLibCheck`), a Node module system, a target below ESNext, no `@types/node`.
 */
function compileConsumer(projectDir: string): void {
  const dir = join(projectDir, "consumer");
  mkdirSync(dir);
  writeFileSync(join(dir, "index.ts"), CONSUMER);
  const compilerOptions = { module: "nodenext", target: "es2022", strict: true, types: [], noEmit: true };
  writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions, include: ["index.ts"] }));
  run(join(BIN, "tsc"), ["-p", join(dir, "tsconfig.json")], dir);
}

/** Installs the tarball into a new project and runs the test suite against it on Node and Bun. */
async function testPackage(tarball: string, keep: boolean): Promise<void> {
  const projectDir = mkdtempSync(join(tmpdir(), "mp-npm-test-"));
  console.log(`\ntest project: ${projectDir}`);
  try {
    writeFileSync(join(projectDir, "package.json"), JSON.stringify({ name: "npm-package-test", private: true, type: "module" }));
    step("npm install the tarball (and the tests' pinned fast-check and redis client)", () =>
      run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error", tarball, ...TEST_DEPENDENCIES], projectDir));
    step("compile a consumer in a default Node TypeScript project against the package's types", () =>
      compileConsumer(projectDir));
    copyTestSources(projectDir);
    step("compile the tests, cli and examples against the installed package", () =>
      compile(projectDir, TEST_SOURCES.map((path) => `ts/${path.endsWith(".ts") ? path : `${path}/**/*.ts`}`), "build", false, "ts"));
    const suites: [string, string, string[]][] = [
      [`Node ${commandOutput("node", ["--version"])}`, "node", ["--test", "--test-reporter=spec", "build/tests/", REDIS_SMOKE_TEST]],
      [`Bun ${commandOutput(join(BIN, "bun"), ["--version"])}`, join(BIN, "bun"), ["test", "--timeout", String(BUN_TEST_TIMEOUT_MS), "./build/tests/", `./${REDIS_SMOKE_TEST}`]],
    ];
    // Both runtimes run side by side (test suites mostly wait on child processes: on 2 cores
    // that nearly halves the step), each printed whole once both ended; the report names
    // every failing one.
    const started = performance.now();
    const outcomes = await Promise.all(suites.map(([, command, args]) => runCaptured(command, args, projectDir)));
    const failed = suites.filter(([name], i) => {
      console.log(`\n--- tests on ${name} against the installed package (side by side)`);
      process.stdout.write(outcomes[i].output);
      console.log(`--- tests on ${name}: status ${outcomes[i].status} after ${outcomes[i].seconds.toFixed(1)} s`);
      return outcomes[i].status !== 0;
    });
    console.log(`--- both suites: ${((performance.now() - started) / 1000).toFixed(1)} s`);
    if (failed.length > 0) throw new Error(`the installed package failed its tests on ${failed.map(([name]) => name).join(" and ")}`);
  } finally {
    if (!keep) rmSync(projectDir, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const started = performance.now();
  const tarball = buildPackage();
  if (!process.argv.includes("--no-test")) await testPackage(tarball, process.argv.includes("--keep"));
  console.log(`\nnpm package ${relative(ROOT, tarball)}: built${process.argv.includes("--no-test") ? "" : " and tested"} in ${((performance.now() - started) / 1000).toFixed(0)} s`);
}
