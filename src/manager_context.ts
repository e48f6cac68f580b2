/**
 * What a served method can learn about the call it serves, in a manager's process: who
 * calls, and whether the caller is still waiting; and which objects this manager's own
 * proxies stand for. The server sets it (manager_server.ts); the served types read it
 * (manager_types.ts).
 * @module
 */
import type { Token } from "./manager_protocol.ts";

/** What a served method can learn about the call it is serving (see {@link currentCall}). */
export interface CallContext {
  /** Who calls: the client process's pid (a lock's owner is the process, as Python's thread). */
  caller: number;
  /** Aborts when the caller gives up (its signal) or is gone (its process ended). */
  signal: AbortSignal;
}

/** The server's side of {@link referentOf}. */
export interface Referents {
  readonly address: string;
  /** The object with id `id`, if the server holds it. */
  objectOf(id: string): { obj: unknown } | undefined;
}

let servingCall: CallContext | undefined;
let referents: Referents | undefined;

/** Sets (or clears) the call being served, around the synchronous part of a served method. */
export function setServingCall(call: CallContext | undefined): void {
  servingCall = call;
}

/** Sets (or clears) the running server, whose proxies {@link referentOf} resolves. */
export function setReferents(server: Referents | undefined): void {
  referents = server;
}

/**
 * In a served method, before its first `await`: who called it, and a signal that aborts when
 * the caller gives up or is gone (a wait must then end).
 * @throws {Error} outside a call the server is serving.
 */
export function currentCall(): CallContext {
  if (!servingCall) throw new Error("currentCall() is only available in a method a manager is serving");
  return servingCall;
}

/**
 * In a manager's process: the object a proxy of this manager stands for (a Condition made
 * with `m.Lock()` uses the lock itself); any other value as it is.
 */
export function referentOf(value: unknown): unknown {
  const token = (value as { token?: Token } | null)?.token;
  if (!referents || token?.address !== referents.address) return value;
  return referents.objectOf(token.id)?.obj ?? value;
}
