/**
 * Python's `Process.sentinel`: a value that `wait()` (connection.ts) understands, ready once
 * its process ended, and from then on.
 * @module
 */

/**
 * The sentinel of a started process (`p.sentinel`): pass it to `wait()` beside connections
 * to wake up when the process ends.
 * @example Usage
 * ```ts
 * import { isMain, Process, waitConnections } from "@seed/multiprocessing";
 *
 * export function work(): void {}
 *
 * if (isMain(import.meta)) {
 *   const p = new Process({ target: work });
 *   p.start();
 *   const [ready] = await waitConnections([p.sentinel]);
 *   console.log(ready === p.sentinel, p.sentinel.ready); // true true
 * }
 * ```
 */
export class Sentinel {
  #ready = false;
  readonly #ended: Promise<void>;

  /**
   * @internal Made by `Process.sentinel`, from the promise that resolves when the process
   * ended, and whether it has.
   */
  constructor(ended: Promise<void>, hasEnded: boolean) {
    this.#ready = hasEnded;
    this.#ended = ended.then(() => {
      this.#ready = true;
    });
  }

  /** True once the process ended. */
  get ready(): boolean {
    return this.#ready;
  }

  /** @internal Resolves once the process ended (and {@link ready} is true). */
  get ended(): Promise<void> {
    return this.#ended;
  }

  /** `<Sentinel ready>` or `<Sentinel>`. */
  toString(): string {
    return this.#ready ? "<Sentinel ready>" : "<Sentinel>";
  }
}
