/**
 * Builds the demo as one standalone executable, `dist/mp-demo`, with `bun build --compile`
 * (works offline, unlike `deno compile`, which downloads `denort`).
 *
 * Every module of the program (cli.ts, mod.ts, redis.ts, src/**, examples/**) is an entrypoint, and
 * every relative import between them stays an import of the embedded copy instead of being
 * inlined. So each module keeps its own URL inside the binary (`file:///$bunfs/root/<path>.js`)
 * and the binary behaves like the sources: a child worker can start `src/child.js`, the child
 * can import the example module that exports its target, and the library's own modules are
 * told apart from the user's by their URLs. A bundle that inlines modules breaks all three.
 *
 * Run with Bun: `npx bun scripts/build_binary.ts [--outfile dist/mp-demo]`.
 * @module
 */

interface BunBuildOutput {
  success: boolean;
  logs: unknown[];
}
interface BunResolveArgs {
  path: string;
  importer: string;
}
interface BunPluginBuilder {
  onResolve(
    options: { filter: RegExp },
    callback: (args: BunResolveArgs) => { path: string; external: boolean } | undefined,
  ): void;
}
declare const Bun: {
  build(options: {
    entrypoints: string[];
    compile: { outfile: string };
    plugins: { name: string; setup(build: BunPluginBuilder): void }[];
  }): Promise<BunBuildOutput>;
};

import { readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
/** The program's entry comes first: Bun names it after the output file. */
const SOURCES = ["cli.ts", "mod.ts", "redis.ts", "src", "examples"];

/** Every TypeScript module under the given files and directories, as absolute paths. */
function modulesUnder(paths: string[]): string[] {
  return paths.flatMap((path) => {
    const absolute = join(ROOT, path);
    if (!statSync(absolute).isDirectory()) return absolute.endsWith(".ts") ? [absolute] : [];
    return modulesUnder(readdirSync(absolute).sort().map((name) => join(path, name)));
  });
}

/** Resolves imports of embedded modules to their embedded `.js` copies, relative as written. */
function keepEntrypointsSeparate(entrypoints: Set<string>) {
  return {
    name: "keep-entrypoints-separate",
    setup(build: BunPluginBuilder): void {
      build.onResolve({ filter: /^\.\.?\/.*\.ts$/ }, ({ path, importer }) => {
        const target = resolve(dirname(importer), path);
        if (!entrypoints.has(target) || target === importer) return undefined;
        return { path: path.replace(/\.ts$/, ".js"), external: true };
      });
    },
  };
}

/** Builds the executable at `outfile`; returns its path. Throws with Bun's messages on failure. */
export async function buildBinary(outfile: string = join(ROOT, "dist", "mp-demo")): Promise<string> {
  const entrypoints = modulesUnder(SOURCES);
  const result = await Bun.build({
    entrypoints,
    compile: { outfile },
    plugins: [keepEntrypointsSeparate(new Set(entrypoints))],
  });
  if (!result.success) throw new Error(`bun build --compile failed:\n${result.logs.join("\n")}`);
  return outfile;
}

if (import.meta.main) {
  const flag = process.argv.indexOf("--outfile");
  const outfile = flag === -1 ? undefined : resolve(process.argv[flag + 1]);
  const started = performance.now();
  const built = await buildBinary(outfile);
  const size = (statSync(built).size / 2 ** 20).toFixed(1);
  console.log(`built ${relative(process.cwd(), built)} (${size} MiB) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
