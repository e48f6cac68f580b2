/**
 * Python's reprs: each class of the library describes itself in `toString()` as Python's
 * `repr()` does (`<Lock(owner=None)>`, `<Value('i', 0)>`), and shows that same text in
 * `console.log` and Node's `util.inspect` through Node's inspect hook, which Deno and Bun
 * honour too (measured on Deno 2.9, Bun 1.4, Node 20 and 24).
 * @module
 */

/** Node's `util.inspect.custom`: the method `console.log` calls to show an object. */
const INSPECT = Symbol.for("nodejs.util.inspect.custom");

/**
 * Makes `console.log` and `util.inspect` show the instances of `cls` as their `toString()`.
 * @example Usage
 * ```ts
 * import { showAsString } from "./repr.ts";
 * class Point { toString(): string { return "<Point(1, 2)>"; } }
 * showAsString(Point);
 * console.log(new Point()); // <Point(1, 2)>
 * ```
 */
export function showAsString(cls: { prototype: object }): void {
  Object.defineProperty(cls.prototype, INSPECT, {
    value: function inspect(this: object): string {
      return String(this);
    },
    writable: true,
    configurable: true,
  });
}

/** Python's spelling of a boolean, as its reprs show them. */
export function pyBool(value: boolean): string {
  return value ? "True" : "False";
}

/** The name of a value's type, as Python's reprs name a class: `number`, `Array`, `TypeError`. */
export function typeName(value: unknown): string {
  if (value === null || typeof value !== "object") return value === null ? "null" : typeof value;
  return value.constructor?.name ?? "Object";
}
