/**
 * How a handle's class is rebuilt from its description in another process, through its
 * ordinary constructor: the reviver sets the carried state aside with {@link rebuildWith},
 * and the constructor, finding it with {@link takeRebuildState}, adopts that shared memory
 * instead of allocating new memory. (Constructors keep their user-facing signatures.)
 * @module
 */

let pending: unknown;

/**
 * Calls `make` (which calls a handle's constructor) with `state` set aside for it.
 * @example Usage
 * ```ts
 * import { rebuildWith, takeRebuildState } from "./rebuild.ts";
 * class Flag {
 *   readonly cell: Int32Array;
 *   constructor() {
 *     this.cell = new Int32Array(takeRebuildState<SharedArrayBuffer>() ?? new SharedArrayBuffer(4));
 *   }
 * }
 * const flag = new Flag();
 * console.log(rebuildWith(flag.cell.buffer, () => new Flag()).cell.buffer === flag.cell.buffer); // true
 * ```
 */
export function rebuildWith<T>(state: unknown, make: () => T): T {
  pending = state;
  try {
    return make();
  } finally {
    pending = undefined;
  }
}

/** In a constructor: the state being rebuilt from (then cleared), or undefined for a new object. */
export function takeRebuildState<S>(): S | undefined {
  const state = pending as S | undefined;
  pending = undefined;
  return state;
}

/** As {@link takeRebuildState} without clearing it, for a subclass before it calls `super()`. */
export function peekRebuildState<S>(): S | undefined {
  return pending as S | undefined;
}
