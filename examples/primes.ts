/**
 * Scenario `primes` (beyond the tutorial): the `ProcessPoolExecutor` example of Python's
 * `concurrent.futures` documentation, ported line for line: `isPrime` over six large
 * numbers in worker processes. Each number is a `submit`, and `asCompleted` prints a
 * progress line as each answer comes (in the order they finish); then the answers in the
 * numbers' order, as the docs print them with `executor.map`.
 * @module
 */
import { asCompleted, isMain, ProcessPoolExecutor } from "../mod.ts";
import { parseFlags } from "./_shared.ts";

/** The numbers of Python's example (all below 2^53, so exact as JavaScript numbers). */
export const PRIMES = [
  112272535095293,
  112582705942171,
  112272535095293,
  115280095190773,
  115797848077099,
  1099726899285419,
];

/**
 * Whether `n` is prime, by trial division (Python's `is_prime`).
 * @example Usage
 * ```ts
 * import { isPrime } from "./primes.ts";
 * console.log(isPrime(97), isPrime(1099726899285419)); // true false
 * ```
 */
export function isPrime(n: number): boolean {
  if (n < 2) return false;
  if (n === 2) return true;
  if (n % 2 === 0) return false;
  const sqrtN = Math.floor(Math.sqrt(n));
  for (let i = 3; i <= sqrtN; i += 2) {
    if (n % i === 0) return false;
  }
  return true;
}

/**
 * Runs the scenario: one worker process per CPU (Python's default), a progress line per
 * answer, then every answer in order.
 * @example Usage
 * ```ts
 * import { main } from "./primes.ts";
 * await main(); // [1/6] 112272535095293 is prime: true … 1099726899285419 is prime: false
 * ```
 */
export async function main(): Promise<void> {
  await using executor = new ProcessPoolExecutor();
  const started = performance.now();
  const futureToNumber = new Map(PRIMES.map((n) => [executor.submit(isPrime, n), n]));
  let done = 0;
  for await (const future of asCompleted(futureToNumber.keys())) {
    const seconds = ((performance.now() - started) / 1000).toFixed(2);
    console.log(`[${++done}/${PRIMES.length}] ${futureToNumber.get(future)} is prime: ${await future.result()} (${seconds} s)`);
  }
  console.log("in order:");
  for (const [future, number] of futureToNumber) console.log(`${number} is prime: ${await future.result()}`);
}

if (isMain(import.meta)) {
  parseFlags();
  await main();
}
