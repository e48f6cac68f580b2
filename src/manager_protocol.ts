/**
 * What a manager's clients and its server say to each other over their connection (one
 * duplex pipe per client process and manager, see manager_client.ts and manager_server.ts),
 * and the token that names a shared object (Python's `Token`).
 *
 * Requests are arrays, the operation first. Those with a request id (`rid`) get one reply,
 * `[rid, kind, value]`; several may be under way at once on one connection (the async tasks of
 * a process share it), and replies come in the order calls finish. `INCREF`, `DECREF` and
 * `CANCEL` get none. Values are encoded by the library's codec: a proxy in them crosses as
 * its class and token (see manager_proxy.ts).
 * @module
 */

/**
 * What names a shared object in every process (Python's `Token`, plus the methods its
 * proxies forward). A proxy crosses as its class and its token.
 * @example Usage
 * ```ts
 * import type { Token } from "./manager_protocol.ts";
 * const token: Token = { typeid: "dict", address: "SyncManager-1/5f0c", id: "1", exposed: ["get"] };
 * console.log(token.typeid); // "dict"
 * ```
 */
export interface Token {
  /** The typeid the object was created as (`"dict"`, or a registered one). */
  typeid: string;
  /** The address of the manager that holds it. */
  address: string;
  /** Its id in that manager. */
  id: string;
  /** The methods its proxies forward. */
  exposed: string[];
}

/** Call `method` of object `id` with `args`: `[CALL, rid, id, method, args]`. */
export const CALL = 0;
/** Create an object of `typeid` from `args`: `[CREATE, rid, typeid, args]`; the value is `[id, exposed]`. */
export const CREATE = 1;
/** This process holds one more reference to each of `ids`: `[INCREF, ids]`. */
export const INCREF = 2;
/** This process let go of one reference to each of `ids`: `[DECREF, ids]`. */
export const DECREF = 3;
/** The caller gave up on call `rid` (its signal aborted): `[CANCEL, rid]`. */
export const CANCEL = 4;
/** Ask the server itself: `[SERVER, rid, op, args]`, `op` one of {@link ServerOp}. */
export const SERVER = 5;

/** What {@link SERVER} can ask. */
export type ServerOp = "shutdown" | "numberOfObjects" | "debugInfo" | "dummy";

/** A request from a client. */
export type Request =
  | [typeof CALL, number, string, string, unknown[]]
  | [typeof CREATE, number, string, unknown[]]
  | [typeof INCREF | typeof DECREF, string[]]
  | [typeof CANCEL, number]
  | [typeof SERVER, number, ServerOp, unknown[]];

/** The reply's kind: a copy of the result. */
export const RETURN = 0;
/** The method raised this error (it keeps its class, as Python's `#ERROR`). */
export const ERROR = 1;
/** The manager could not do it: a `RemoteError` with this text (Python's `#TRACEBACK`). */
export const FAILED = 2;
/** A reply: `[rid, kind, value]` (a new shared object comes as its proxy, in a RETURN). */
export type Reply = [number, typeof RETURN | typeof ERROR | typeof FAILED, unknown];

/** Method names a server answers for every object (Python's `fallback_mapping`). */
export const GET_VALUE = "#GETVALUE";
export const REPR = "#REPR";
