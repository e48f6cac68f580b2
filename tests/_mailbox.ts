// A SharedArrayBuffer through which a child hands one JSON value back to the test. Free of
// `node:` imports, so that the children that load it start fast on every runtime.

/** A new, empty mailbox. */
export function newMailbox(): SharedArrayBuffer {
  return new SharedArrayBuffer(4 + 4096);
}

/** In the child: writes `value` into the mailbox. */
export function post(mailbox: SharedArrayBuffer, value: unknown): void {
  const bytes = new TextEncoder().encode(JSON.stringify(value));
  new Uint8Array(mailbox, 4).set(bytes);
  Atomics.store(new Int32Array(mailbox, 0, 1), 0, bytes.length);
}

/** In the test: reads what the child posted (undefined if nothing). */
export function read<T>(mailbox: SharedArrayBuffer): T | undefined {
  const length = Atomics.load(new Int32Array(mailbox, 0, 1), 0);
  if (length === 0) return undefined;
  return JSON.parse(new TextDecoder().decode(new Uint8Array(mailbox, 4, length).slice()));
}

/** In the test: waits until the child posted something. */
export async function filled(mailbox: SharedArrayBuffer): Promise<void> {
  const word = new Int32Array(mailbox, 0, 1);
  while (Atomics.load(word, 0) === 0) await new Promise((resolve) => setTimeout(resolve, 5));
}
