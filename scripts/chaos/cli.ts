/**
 * What the chaos scripts share on the command line: their arguments on any runtime, numeric
 * `--name value` options, the runtime's name for their figures, and a failing exit code.
 * @module
 */

/** The script's arguments (after the script's path), on Deno, Bun and Node. */
export function commandLineArgs(): string[] {
  return "Deno" in globalThis
    ? (globalThis as unknown as { Deno: { args: string[] } }).Deno.args
    : (globalThis as unknown as { process: { argv: string[] } }).process.argv.slice(2);
}

/** The number after `--name` in `args`, or `fallback`. */
export function numberOption(args: string[], name: string, fallback: number): number {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? Number(args[at + 1]) : fallback;
}

/** "deno", "bun" or "node". */
export function runtimeName(): string {
  return "Deno" in globalThis ? "deno" : "Bun" in globalThis ? "bun" : "node";
}

/** Makes the program exit with code 1 when it ends, if `failed`. */
export function failIf(failed: boolean): void {
  if (failed) (globalThis as unknown as { process: { exitCode: number } }).process.exitCode = 1;
}
