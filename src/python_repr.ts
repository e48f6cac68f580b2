/**
 * Values written as Python's `repr` writes them, for the reprs of the objects that mirror
 * Python's (`ShareableList(['howdy', b'HoWdY', None, True], name='psm_…')`,
 * `Namespace(name='Bob')`), and as its `str` does (a log message's `%s`), so that output and
 * tests read as Python's do.
 * @module
 */

/**
 * `value` as Python's `repr` shows the value it stands for: strings quoted, `null` as None,
 * booleans as True/False, bytes as `b'…'`, arrays as lists, Maps and plain objects as dicts.
 * @example Usage
 * ```ts
 * import { pythonRepr } from "./python_repr.ts";
 * console.log(pythonRepr(["howdy", null, true, new Uint8Array([72, 105])])); // ['howdy', None, True, b'Hi']
 * ```
 */
export function pythonRepr(value: unknown, seen: Set<object> = new Set()): string {
  if (value === null || value === undefined) return "None";
  if (typeof value === "boolean") return value ? "True" : "False";
  if (typeof value === "string") return quoteString(value);
  if (typeof value === "number") return numberRepr(value);
  if (typeof value === "bigint") return String(value);
  if (value instanceof Uint8Array) return bytesRepr(value);
  if (typeof value !== "object") return String(value);
  if (seen.has(value)) return Array.isArray(value) ? "[...]" : "{...}";
  seen.add(value);
  try {
    const inner = (item: unknown) => pythonRepr(item, seen);
    if (Array.isArray(value)) return `[${value.map(inner).join(", ")}]`;
    if (value instanceof Set) return value.size === 0 ? "set()" : `{${[...value].map(inner).join(", ")}}`;
    if (value instanceof Map) return `{${[...value].map(([k, v]) => `${inner(k)}: ${inner(v)}`).join(", ")}}`;
    if (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null) {
      return `{${Object.entries(value).map(([k, v]) => `${inner(k)}: ${inner(v)}`).join(", ")}}`;
    }
    return String(value);
  } finally {
    seen.delete(value);
  }
}

/**
 * `value` as Python's `str` shows the value it stands for: a string as it is, an error as its
 * message (Python's `str(exc)`), anything else as {@link pythonRepr}.
 * @example Usage
 * ```ts
 * import { pythonStr } from "./python_repr.ts";
 * console.log(pythonStr("it's"), pythonStr(null), pythonStr(new Error("boom"))); // it's None boom
 * ```
 */
export function pythonStr(value: unknown): string {
  if (typeof value === "string") return value;
  return value instanceof Error ? value.message : pythonRepr(value);
}

function numberRepr(value: number): string {
  if (Number.isNaN(value)) return "nan";
  if (value === Infinity) return "inf";
  if (value === -Infinity) return "-inf";
  return Object.is(value, -0) ? "-0.0" : String(value);
}

/** Python's quoting: single quotes, unless the text holds a single quote and no double one. */
function quoteString(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = quote;
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (char === quote || char === "\\") out += `\\${char}`;
    else if (char === "\n") out += "\\n";
    else if (char === "\r") out += "\\r";
    else if (char === "\t") out += "\\t";
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, "0")}`;
    else out += char;
  }
  return out + quote;
}

const SINGLE_QUOTE = 0x27;
const DOUBLE_QUOTE = 0x22;

function bytesRepr(bytes: Uint8Array): string {
  const quote = bytes.includes(SINGLE_QUOTE) && !bytes.includes(DOUBLE_QUOTE) ? '"' : "'";
  let out = `b${quote}`;
  for (const code of bytes) {
    const char = String.fromCharCode(code);
    if (char === quote || char === "\\") out += `\\${char}`;
    else if (char === "\n") out += "\\n";
    else if (char === "\r") out += "\\r";
    else if (char === "\t") out += "\\t";
    else if (code < 0x20 || code >= 0x7f) out += `\\x${code.toString(16).padStart(2, "0")}`;
    else out += char;
  }
  return out + quote;
}
