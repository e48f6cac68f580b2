/**
 * Python's `%` operator on strings (`"got %s of %d" % (x, n)`), with which Python's `logging`
 * puts a message's arguments into it: `%s`, `%r`, `%d`, `%i`, `%f` and `%%`, with the flags
 * `-` `0` `+` and space, a width and a precision. Its errors are Python's, with Python's
 * messages. Python's other conversions (`%x`, `%e`, `%g`, `%c`…) and mapping keys
 * (`%(name)s`) are not offered: they are refused as an unsupported format character. A `%f`
 * exactly halfway between two results rounds up (JavaScript's `toFixed`), where Python rounds
 * to even: `"%.0f" % 2.5` is "2" in Python, "3" here.
 * @module
 */
import { ValueError } from "./errors.ts";
import { pythonRepr, pythonStr } from "./python_repr.ts";

/** One conversion specifier: flags, width, precision, conversion character (empty at the end). */
const SPECIFIER = /%([-+ 0]*)(\d*)(?:\.(\d*))?([\s\S]?)/g;

/** How one specifier is written. */
interface Spec {
  flags: string;
  width: number;
  precision: number | undefined;
  conversion: string;
}

/**
 * `template % args`, as Python writes it.
 * @throws {TypeError} "not enough arguments for format string", "not all arguments converted
 * during string formatting", or a value a conversion cannot take ("%d format: a real number
 * is required, not str").
 * @throws {ValueError} "unsupported format character 'x' (0x78) at index 1", "incomplete format".
 * @example Usage
 * ```ts
 * import { percentFormat } from "./percent_format.ts";
 * console.log(percentFormat("got %s of %d (%5.1f%%)", ["a", 3, 33.33])); // got a of 3 ( 33.3%)
 * ```
 */
export function percentFormat(template: string, args: readonly unknown[]): string {
  let next = 0;
  const text = template.replace(
    SPECIFIER,
    (whole, flags: string, width: string, precision: string | undefined, conversion: string, at: number) => {
      if (conversion === "%") return "%";
      checkConversion(conversion, at + whole.length - 1);
      if (next >= args.length) throw new TypeError("not enough arguments for format string");
      return convert(args[next++], {
        flags,
        width: Number(width),
        precision: precision === undefined ? undefined : Number(precision),
        conversion,
      });
    },
  );
  if (next < args.length) throw new TypeError("not all arguments converted during string formatting");
  return text;
}

/** Refuses a specifier cut short at the end, or with a conversion character not offered here. */
function checkConversion(conversion: string, index: number): void {
  if (conversion === "") throw new ValueError("incomplete format");
  if ("srdif".includes(conversion)) return;
  const code = conversion.codePointAt(0)!.toString(16);
  throw new ValueError(`unsupported format character '${conversion}' (0x${code}) at index ${index}`);
}

/**
 * How many arguments `template` takes (its specifiers other than `%%`).
 * @example Usage
 * ```ts
 * import { conversionCount } from "./percent_format.ts";
 * console.log(conversionCount("%d%% of %s")); // 2
 * ```
 */
export function conversionCount(template: string): number {
  return [...template.matchAll(SPECIFIER)].filter((match) => match[4] !== "%").length;
}

function convert(value: unknown, spec: Spec): string {
  if (spec.conversion === "s" || spec.conversion === "r") {
    const text = spec.conversion === "s" ? pythonStr(value) : pythonRepr(value);
    return pad("", spec.precision === undefined ? text : text.slice(0, spec.precision), spec);
  }
  const number = realNumber(value, spec.conversion);
  const signed = spec.conversion === "f" ? fixed(number, spec.precision ?? 6) : integer(number);
  const digits = signed.replace(/^-/, "");
  const sign = signed !== digits ? "-" : spec.flags.includes("+") ? "+" : spec.flags.includes(" ") ? " " : "";
  return pad(sign, spec.conversion === "f" ? digits : digits.padStart(spec.precision ?? 0, "0"), spec);
}

/**
 * `sign` and `digits` in `spec.width`: left-justified (`-`), else right-justified, with zeros
 * after the sign for a number (`0`; not for a text, nor `nan` and `inf`).
 */
function pad(sign: string, digits: string, { flags, width, conversion }: Spec): string {
  if (flags.includes("-")) return (sign + digits).padEnd(width);
  const zeros = flags.includes("0") && !"sr".includes(conversion) && /^\d/.test(digits);
  return zeros ? sign + digits.padStart(width - sign.length, "0") : (sign + digits).padStart(width);
}

/** The number a numeric conversion takes: a number, a bigint or a boolean (Python's bool is an int). */
function realNumber(value: unknown, conversion: string): number | bigint {
  if (typeof value === "number" || typeof value === "bigint") return value;
  if (typeof value === "boolean") return Number(value);
  const type = pythonTypeName(value);
  throw new TypeError(
    conversion === "f" ? `must be real number, not ${type}` : `%${conversion} format: a real number is required, not ${type}`,
  );
}

/** `%d`'s integer: the number truncated, as Python's `int()`. */
function integer(number: number | bigint): string {
  if (typeof number === "bigint") return String(number);
  if (Number.isNaN(number)) throw new ValueError("cannot convert float NaN to integer");
  if (!Number.isFinite(number)) throw new RangeError("cannot convert float infinity to integer"); // Python's OverflowError
  return String(Math.trunc(number));
}

/** `%f`'s number: `precision` decimals; `nan` and `inf` as Python writes them. */
function fixed(number: number | bigint, precision: number): string {
  const value = Number(number);
  if (Number.isNaN(value)) return "nan";
  if (!Number.isFinite(value)) return value < 0 ? "-inf" : "inf";
  return value.toFixed(precision);
}

/** Python's name for the type of a value that a numeric conversion refused. */
function pythonTypeName(value: unknown): string {
  if (value === null || value === undefined) return "NoneType";
  if (typeof value === "string") return "str";
  if (Array.isArray(value)) return "list";
  if (typeof value !== "object") return typeof value;
  return Object.getPrototypeOf(value) === Object.prototype ? "dict" : value.constructor?.name ?? "object";
}
