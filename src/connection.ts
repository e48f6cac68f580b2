/**
 * Python's `multiprocessing.Pipe` and `Connection`: two ends that exchange whole messages,
 * each end usable from every process that holds it (pass it in a Process's `args`).
 *
 * How Python's parts map here: each direction of a pipe is a shared-memory {@link ByteRing}
 * (one message = one ring item, so messages are never merged or split); what an end sends is
 * written at once, or by a per-handle {@link Feeder} when the ring is full, so `send()` never
 * blocks; the file descriptors' reference count is a {@link Registrations} per end, which
 * tells a reader when every handle of the other end is closed or gone (end-of-file).
 * @module
 */

import { BrokenPipeError, EOFError, OSError, TimeoutError, ValueError } from "./errors.ts";
import { HANDLE, type HandleDescription, packingFor, registerHandleKind, type Shareable } from "./handles.ts";
import { assertDecodableNow, decode, decodeSoon, encode } from "./transport/codec.ts";
import { Feeder } from "./transport/feeder.ts";
import { haltIfEnded, haltIfEndedAsync } from "./transport/halt.ts";
import { Registrations } from "./transport/registrations.ts";
import { currentPid } from "./transport/liveness.ts";
import { ByteRing, type ItemCheck, type RingState } from "./transport/ring.ts";
import { AdaptiveSpin } from "./transport/spin.ts";
import { runAsync, runSync, type Steps } from "./transport/steps.ts";
import { checkOptions, describe as describeOption } from "./options.ts";
import { deadlineFrom, heldOpen, remaining, settleWithin, wake, waitAsync } from "./transport/wait.ts";
import { showAsString } from "./repr.ts";
import { Sentinel } from "./sentinel.ts";

export { Sentinel } from "./sentinel.ts";

/**
 * Options of a blocking `recv()`.
 * @example Usage
 * ```ts
 * import { Pipe, type RecvOptions } from "@seed/multiprocessing";
 * const [a, b] = Pipe<string>();
 * b.send("hi");
 * const options: RecvOptions = { timeout: 1000 };
 * console.log(await a.recv(options)); // "hi"
 * ```
 */
export interface RecvOptions {
  /** Give up after this many milliseconds with a `TimeoutError` (negative acts as 0). Default: wait forever. */
  timeout?: number;
  /** Abort the wait; the promise rejects with `signal.reason`. */
  signal?: AbortSignal;
}

/**
 * Options of a blocking `recvBytes()`.
 * @example Usage
 * ```ts
 * import { Pipe, type RecvBytesOptions } from "@seed/multiprocessing";
 * const [a, b] = Pipe();
 * b.sendBytes(new Uint8Array([1, 2, 3]));
 * const options: RecvBytesOptions = { maxLength: 16, timeout: 1000 };
 * console.log(await a.recvBytes(options)); // Uint8Array(3) [1, 2, 3]
 * ```
 */
export interface RecvBytesOptions extends RecvOptions {
  /** Longest message accepted, in bytes; a longer one is discarded with an `Error`. Default: any. */
  maxLength?: number;
}

/**
 * Options of `recvSync()` (children: it blocks the thread).
 * @example Usage
 * ```ts
 * import type { Connection, RecvSyncOptions } from "@seed/multiprocessing";
 * export function child(conn: Connection<string>): void {
 *   const options: RecvSyncOptions = { timeout: 5000 };
 *   console.log(conn.recvSync(options));
 * }
 * ```
 */
export type RecvSyncOptions = Omit<RecvOptions, "signal">;

/**
 * Options of `recvBytesSync()` (children: it blocks the thread).
 * @example Usage
 * ```ts
 * import type { Connection, RecvBytesSyncOptions } from "@seed/multiprocessing";
 * export function child(conn: Connection): void {
 *   const options: RecvBytesSyncOptions = { maxLength: 1 << 20 };
 *   console.log(conn.recvBytesSync(options).length);
 * }
 * ```
 */
export type RecvBytesSyncOptions = Omit<RecvBytesOptions, "signal">;

/** Bytes of each direction's ring: larger messages stream through it. */
const PIPE_RING_BYTES = 1 << 18;

/**
 * A doorbell for one direction, rung after each message written and when the writing end
 * closes: `poll()` sleeps on it, since looking at a ring must not take its message.
 * Layout (Int32): `[RINGS]` a counter, `[WAITERS]` sleepers (the ringer skips `notify` at 0).
 */
const RINGS = 0;
const WAITERS = 1;

/** One direction of a pipe as it travels: its ring and its doorbell. */
interface ChannelState {
  ring: RingState;
  bell: SharedArrayBuffer;
}

/** One direction of a pipe in this process. */
class Channel {
  readonly ring: ByteRing;
  readonly bell: Int32Array;

  constructor(state?: ChannelState) {
    this.ring = state ? ByteRing.fromState(state.ring) : new ByteRing(PIPE_RING_BYTES);
    this.bell = new Int32Array(state?.bell ?? new SharedArrayBuffer(2 * 4));
  }

  toState(): ChannelState {
    return { ring: this.ring.toState(), bell: this.bell.buffer as SharedArrayBuffer };
  }

  /** Wakes whoever waits on this direction (readers and pollers) to re-check. */
  ringBell(): void {
    Atomics.add(this.bell, RINGS, 1);
    if (Atomics.load(this.bell, WAITERS) > 0) wake(this.bell, RINGS);
  }
}

/** Everything another process needs to rebuild a {@link Connection}. */
interface ConnectionState {
  /** The direction this end reads (absent on a send-only end). */
  inbound?: ChannelState;
  /** The direction this end writes (absent on a receive-only end). */
  outbound?: ChannelState;
  /** The holders of this end and of the other end. */
  own: SharedArrayBuffer;
  peer: SharedArrayBuffer;
  /** The holder slot registered for the travelling handle, and the pid it is registered in. */
  slot: number;
  holder: number;
  /** True for the ends {@link Pipe} makes (not for a received end). */
  madeHere?: boolean;
}

/** The handles of one end that are open (or travelling), in their processes' pids. */
function endHolders(buffer?: SharedArrayBuffer): Registrations {
  return new Registrations("handles of one pipe end are open", buffer);
}

/** Lets {@link Pipe} and the reviver build connections; nobody else can. */
const BUILD = Symbol("Connection.build");

/** What a waiter for a message sleeps on: a direction's doorbell, as last seen. */
interface Doorbell {
  cell: Int32Array;
  index: number;
  seen: number;
  waiters: number;
}

/** Gives {@link wait} a connection's {@link Doorbell}, without taking its message. */
const DOORBELL = Symbol("Connection.doorbell");

/**
 * One end of a {@link Pipe} (Python's `multiprocessing.connection.Connection`). Sends and
 * receives whole messages: values (`send`/`recv`, structured-clone semantics) or raw bytes
 * (`sendBytes`/`recvBytes`). Closing a handle closes it in this process only; the other end
 * sees end-of-file (`EOFError`) once every handle of this end is closed, or belongs to a
 * process that ended, and every message sent is received.
 * @example Usage
 * ```ts
 * import { isMain, Pipe, Process, type Connection } from "@seed/multiprocessing";
 *
 * export function shout(conn: Connection<string>): void {
 *   conn.send(conn.recvSync().toUpperCase());
 *   conn.close();
 * }
 *
 * if (isMain(import.meta)) {
 *   const [here, there] = Pipe<string>();
 *   const p = new Process({ target: shout, args: [there] });
 *   p.start();
 *   there.close(); // the child holds its own handle
 *   here.send("hello");
 *   console.log(await here.recv()); // "HELLO"
 *   await p.join();
 * }
 * ```
 */
export class Connection<T = unknown> implements Shareable, Disposable, AsyncDisposable {
  readonly #inbound: Channel | undefined;
  readonly #outbound: Channel | undefined;
  readonly #feeder: Feeder | undefined;
  readonly #own: Registrations;
  readonly #peer: Registrations;
  readonly #slot: number;
  #closed = false;
  #bellAfterFlush = false;
  /** A blocked receive gives up when this turns true (see `#nothingReceived`). */
  readonly #stopWaiting = (): boolean => this.#closed || !this.#peer.anyLive();
  readonly #hasMessage = (): boolean => this.#inbound!.ring.hasRecords();
  /** Polls for a message briefly before a receive or poll sleeps (see {@link AdaptiveSpin}). */
  readonly #spin = new AdaptiveSpin();

  /** Connections are made by {@link Pipe} (and rebuilt when passed to a process). */
  constructor(build: symbol, description: unknown) {
    if (build !== BUILD) throw new TypeError("connections are made by Pipe(), not by new Connection()");
    const state = description as ConnectionState;
    this.#inbound = state.inbound && new Channel(state.inbound);
    this.#outbound = state.outbound && new Channel(state.outbound);
    this.#feeder = this.#outbound && new Feeder(this.#outbound.ring, () => !this.#peer.anyLive());
    // A process does not wait at its end to write into a pipe it made (as for a queue it
    // made): only its own children can hold the other end, and they have ended by then.
    if (state.madeHere) this.#feeder?.cancelExitFlush();
    this.#own = endHolders(state.own);
    this.#peer = endHolders(state.peer);
    this.#slot = this.#own.takeOver(state.slot, state.holder);
  }

  /** True once {@link close} was called on this handle. */
  get closed(): boolean {
    return this.#closed;
  }

  /** True when this end can receive (false for the sending end of `Pipe(false)`). */
  get readable(): boolean {
    return this.#inbound !== undefined;
  }

  /** True when this end can send (false for the receiving end of `Pipe(false)`). */
  get writable(): boolean {
    return this.#outbound !== undefined;
  }

  /**
   * A short description (Python's connections have none worth copying): what this end does,
   * `<Connection readable writable>`, `<Connection readable>`, then ` closed` once closed.
   */
  toString(): string {
    const can = [this.readable && "readable", this.writable && "writable", this.#closed && "closed"];
    return `<${this.constructor.name} ${can.filter(Boolean).join(" ")}>`;
  }

  /**
   * Sends `obj` (any structured-clonable value) as one message. Never waits: what does not
   * fit in the pipe yet is written in order as the other end reads (and dropped once every
   * handle of the other end is closed or its holders ended: nothing could read it).
   * @throws {TypeError} naming the path (`obj.…`) of a value that cannot be copied; nothing is sent.
   * @throws {BrokenPipeError} when every handle of the other end is closed, or held by
   * processes that ended: nothing could receive it.
   * @throws {OSError} "handle is closed", "connection is read-only".
   */
  send(obj: T): void {
    const outbound = this.#writableChannel();
    this.#write(outbound, encode(obj, "obj"));
  }

  /**
   * Sends `size` bytes of `buf` from byte `offset` (default: all of it from 0) as one message.
   * @throws {ValueError} "offset is negative", "buffer length < offset", "size is negative" or
   * "buffer length < offset + size"; nothing is sent.
   * @throws {TypeError} when `buf` is not an ArrayBuffer, SharedArrayBuffer or a view of one.
   * @throws {Error} as {@link send}.
   */
  sendBytes(buf: ArrayBufferView | ArrayBufferLike, offset = 0, size?: number): void {
    const outbound = this.#writableChannel();
    const bytes = bytesOf(buf);
    checkInteger("offset", offset);
    if (offset < 0) throw new ValueError("offset is negative");
    if (bytes.length < offset) throw new ValueError("buffer length < offset");
    if (size === undefined) size = bytes.length - offset;
    checkInteger("size", size);
    if (size < 0) throw new ValueError("size is negative");
    if (offset + size > bytes.length) throw new ValueError("buffer length < offset + size");
    this.#write(outbound, bytes.subarray(offset, offset + size));
  }

  /**
   * Receives the next message as a value.
   * @throws {EOFError} when the other end is closed (or its holders ended) and nothing is left.
   * @throws {TimeoutError} when no message came within `timeout`.
   * @throws {OSError} "handle is closed" (also when closed while waiting), "connection is write-only".
   */
  recv(options: RecvOptions = {}): Promise<T> {
    return this.#receive("recv", options, decodeSoon<T>);
  }

  /**
   * As {@link recv}, blocking the thread (for children). While no message is there, it first
   * writes what this handle sent that did not fit in the pipe yet (more than its 256 KiB),
   * as Python's blocking `send` would have: the event loop, which writes it otherwise, does
   * not run while the thread is blocked. (Every other blocking call writes it too, see
   * `setWorkWhileBlocked`; this one also wakes the other end's pollers when it is written.)
   * A message that names a class or function whose module this process has not loaded, and
   * cannot load synchronously (a module with top-level await), is left in the pipe with a
   * `TypeError` that says so: use `recv()`, which imports it.
   */
  recvSync(options: RecvSyncOptions = {}): T {
    return decode<T>(this.#receiveSync("recvSync", options, assertDecodableNow));
  }

  /**
   * Receives the next message as bytes (a message sent with `send()` arrives encoded).
   * @throws {Error} "bad message length" when the message is longer than `maxLength`: it is
   * discarded and the connection stays usable.
   * @throws {ValueError} "negative maxLength".
   * @throws as {@link recv}.
   */
  async recvBytes(options: RecvBytesOptions = {}): Promise<Uint8Array> {
    this.#readableChannel();
    const maxLength = checkMaxLength(options?.maxLength); // the options are checked by #receive
    return this.#receive("recvBytes", options, (bytes) => checkLength(bytes, maxLength).slice());
  }

  /** As {@link recvBytes}, blocking the thread (for children). */
  recvBytesSync(options: RecvBytesSyncOptions = {}): Uint8Array {
    this.#readableChannel();
    const maxLength = checkMaxLength(options?.maxLength); // the options are checked by #receiveSync
    return checkLength(this.#receiveSync("recvBytesSync", options), maxLength).slice();
  }

  /**
   * Whether a message (even an empty one) is waiting, waiting up to `timeout` ms for one
   * (`null`: no limit). Never takes the message. Also true at end-of-file, as in Python,
   * so that the next receive reports it.
   * @throws {OSError} "handle is closed", "connection is write-only".
   */
  poll(timeout: number | null = 0): Promise<boolean> {
    try {
      checkPollTimeout("poll", timeout);
      const inbound = this.#readableChannel();
      const deadline = deadlineFrom(timeout ?? undefined);
      // As a receive does, a brief spin first: the message is often about to come.
      if (inbound.ring.hasRecords() || this.#spin.spinUntil(this.#hasMessage, deadline)) return Promise.resolve(true);
      return runAsync(this.#pollSteps(inbound, deadline)).then((ready) => {
        if (ready && inbound.ring.hasRecords()) this.#spin.sleptUntilReady();
        return ready;
      });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** As {@link poll}, blocking the thread (for children); writes what waits to be sent as {@link recvSync}. */
  pollSync(timeout: number | null = 0): boolean {
    checkPollTimeout("pollSync", timeout);
    const inbound = this.#readableChannel();
    const deadline = deadlineFrom(timeout ?? undefined);
    this.#flushWhileWaiting(inbound, deadline);
    return runSync(this.#pollSteps(inbound, deadline));
  }

  /**
   * Closes this handle in this process (others' handles of the same end stay open). Messages
   * it sent are still delivered; a receive waiting on it ends with "handle is closed".
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#inbound) {
      this.#inbound.ring.wakeReaders();
      this.#inbound.ringBell();
    }
    const leave = () => {
      this.#own.unregister(this.#slot);
      this.#outbound?.ring.wakeReaders(); // readers of the other end re-check for end-of-file
      this.#outbound?.ringBell();
    };
    // With nothing waiting to be written, at once: the other end sees end-of-file now.
    if (this.#feeder && this.#feeder.pending > 0) this.#feeder.flushed().then(leave);
    else leave();
  }

  /** Closes this handle at the end of a `using` block, like Python's `with`. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** Closes this handle at the end of an `await using` block. */
  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }

  /**
   * Describes this end for another process (see `src/handles.ts`).
   * @throws {OSError} "handle is closed".
   */
  [HANDLE](): HandleDescription {
    this.#checkOpen();
    // Held in the receiving child's pid (or this process's, when no child is named) until the
    // receiver takes it over: a child that ends before that leaves the end closed.
    const holder = packingFor() ?? currentPid();
    const state: ConnectionState = {
      inbound: this.#inbound?.toState(),
      outbound: this.#outbound?.toState(),
      own: this.#own.buffer,
      peer: this.#peer.buffer,
      slot: this.#own.register(holder),
      holder,
    };
    return { kind: "Connection", state };
  }

  #write(outbound: Channel, bytes: Uint8Array): void {
    if (!this.#peer.anyLive()) {
      throw new BrokenPipeError("broken pipe: every handle of the other end is closed (or its holders ended)");
    }
    const feeder = this.#feeder!;
    outbound.ring.tryReserve(Infinity);
    feeder.push(bytes);
    if (feeder.pending === 0) outbound.ringBell();
    else if (!this.#bellAfterFlush) {
      this.#bellAfterFlush = true;
      feeder.flushed().then(() => {
        this.#bellAfterFlush = false;
        outbound.ringBell();
      });
    }
  }

  /**
   * Receives a message and hands its bytes to `take` at once, in the same turn: they may be
   * the ring's per-thread scratch copy, which the next receive on this thread (of any
   * connection or queue, maybe one awaited beside this one) overwrites.
   */
  async #receive<R>(call: string, options: RecvOptions, take: (bytes: Uint8Array) => R | Promise<R>): Promise<R> {
    checkOptions(call, options);
    const { timeout, signal } = options;
    const { ring } = this.#readableChannel();
    signal?.throwIfAborted();
    const deadline = deadlineFrom(timeout);
    const now = this.#takeSoon(ring, deadline);
    if (now) return take(now);
    const bytes = this.#sleptFor(await ring.read(deadline, signal, this.#stopWaiting));
    return bytes ? take(bytes) : this.#nothingReceived(ring, deadline, timeout);
  }

  /** Receives a message's bytes, blocking; `check` may leave a message in place (see ByteRing). */
  #receiveSync(call: string, options: RecvSyncOptions, check?: ItemCheck): Uint8Array {
    checkOptions(call, options);
    const { timeout } = options;
    const inbound = this.#readableChannel();
    const { ring } = inbound;
    const deadline = deadlineFrom(timeout);
    this.#flushWhileWaiting(inbound, deadline);
    const bytes = this.#takeSoon(ring, deadline, check) ?? this.#sleptFor(ring.readSync(deadline, this.#stopWaiting, check));
    return bytes ?? this.#nothingReceived(ring, deadline, timeout);
  }

  /**
   * Before a blocking receive or poll sleeps: writes, blocking, what this handle sent that
   * still waits for room, until a message (or end-of-file) is there. The other end may be
   * waiting for it before it answers, and the background writer needs the event loop.
   */
  #flushWhileWaiting(inbound: Channel, deadline: number): void {
    const feeder = this.#feeder;
    if (!feeder || feeder.pending === 0) return;
    const messageOrEnd = () => inbound.ring.hasRecords() || this.#stopWaiting();
    if (feeder.flushSync(deadline, messageOrEnd)) this.#outbound!.ringBell();
  }

  /**
   * Takes a message that is there now or comes within a brief spin; undefined otherwise
   * (the caller then sleeps until one comes).
   */
  #takeSoon(ring: ByteRing, deadline: number, check?: ItemCheck): Uint8Array | undefined {
    const bytes = ring.tryReadNow(check);
    if (bytes || !this.#spin.spinUntil(this.#hasMessage, deadline)) return bytes;
    return ring.tryReadNow(check);
  }

  /** Passes on what a receive got after sleeping, telling the spinner when it was a message. */
  #sleptFor(bytes: Uint8Array | undefined): Uint8Array | undefined {
    if (bytes) this.#spin.sleptUntilReady();
    return bytes;
  }

  /** Why a receive got no message: this handle closed, end-of-file, or the timeout. */
  #nothingReceived(ring: ByteRing, deadline: number, timeout: number | undefined): never {
    this.#checkOpen();
    // Without a deadline, only end-of-file stops a receive (see #stopWaiting).
    if (deadline === Infinity || (!this.#peer.anyLive() && !ring.hasRecords())) {
      throw new EOFError("the other end of the pipe is closed and every message was received");
    }
    throw new TimeoutError(`no message came within ${Math.max(timeout ?? 0, 0)} ms`);
  }

  *#pollSteps(inbound: Channel, deadline: number): Steps<boolean> {
    for (;;) {
      const doorbell = this.#doorbell(inbound);
      if (!doorbell) return true;
      const timeoutMs = remaining(deadline);
      if (timeoutMs === 0) return false;
      yield { ...doorbell, timeoutMs, interruptible: false };
    }
  }

  /** The doorbell to sleep on for a message, or null when a receive would not wait (a message, or end-of-file). */
  #doorbell(inbound: Channel): Doorbell | null {
    const seen = Atomics.load(inbound.bell, RINGS);
    this.#checkOpen();
    if (inbound.ring.hasRecords() || !this.#peer.anyLive()) return null;
    return { cell: inbound.bell, index: RINGS, seen, waiters: WAITERS };
  }

  /** @internal For {@link wait}: as `#doorbell`, checking that this end can receive. */
  [DOORBELL](): Doorbell | null {
    return this.#doorbell(this.#readableChannel());
  }

  #checkOpen(): void {
    haltIfEnded(); // a terminated process still running (Deno) must not send or receive
    if (this.#closed) throw new OSError(null, null, "handle is closed");
  }

  #readableChannel(): Channel {
    this.#checkOpen();
    if (!this.#inbound) throw new OSError(null, null, "connection is write-only");
    return this.#inbound;
  }

  #writableChannel(): Channel {
    this.#checkOpen();
    if (!this.#outbound) throw new OSError(null, null, "connection is read-only");
    return this.#outbound;
  }
}

/**
 * Options of {@link Pipe}: Python's keyword argument `Pipe(duplex=False)`.
 * @example Usage
 * ```ts
 * import { Pipe, type PipeOptions } from "@seed/multiprocessing";
 * const options: PipeOptions = { duplex: false };
 * const [receiver, sender] = Pipe<string>(options);
 * sender.send("one way");
 * console.log(await receiver.recv()); // "one way"
 * ```
 */
export interface PipeOptions {
  /** Each end sends what the other receives; when false, the first end only receives and the second only sends. Default: true. */
  duplex?: boolean;
}

/** `poll({ timeout: 5000 })`, the options habit, would otherwise wait forever. */
function checkPollTimeout(call: string, timeout: unknown): void {
  if (timeout === null || (typeof timeout === "number" && !Number.isNaN(timeout))) return;
  throw new TypeError(`${call}() takes the timeout in milliseconds, such as ${call}(5000) (null: no limit), not ${describeOption(timeout)}`);
}

/**
 * A pair of connected ends (Python's `multiprocessing.Pipe`). Duplex by default: each end
 * sends what the other receives. With `duplex` false (`Pipe(false)` or
 * `Pipe({ duplex: false })`, as Python's `Pipe(False)` and `Pipe(duplex=False)`), the first
 * end only receives and the second only sends.
 * @throws {TypeError} when `duplex` (or `options.duplex`) is not a boolean.
 * @example Usage
 * ```ts
 * import { Pipe } from "@seed/multiprocessing";
 * const [receiver, sender] = Pipe<number[]>({ duplex: false });
 * sender.send([1, 2, 3]);
 * console.log(await receiver.poll()); // true
 * console.log(await receiver.recv()); // [1, 2, 3]
 * ```
 */
export function Pipe<T = unknown>(duplexOrOptions: boolean | PipeOptions = true): [Connection<T>, Connection<T>] {
  const duplex = typeof duplexOrOptions === "object" && duplexOrOptions !== null ? duplexOrOptions.duplex ?? true : duplexOrOptions;
  if (typeof duplex !== "boolean") throw new TypeError(`Pipe's duplex must be a boolean, got ${typeof duplex}`);
  const toFirst = new Channel();
  const toSecond = duplex ? new Channel() : undefined;
  const holders = [endHolders(), endHolders()];
  const end = (own: number, inbound?: Channel, outbound?: Channel): Connection<T> =>
    new Connection<T>(BUILD, {
      inbound: inbound?.toState(),
      outbound: outbound?.toState(),
      own: holders[own].buffer,
      peer: holders[1 - own].buffer,
      slot: holders[own].register(),
      holder: currentPid(),
      madeHere: true,
    });
  return [end(0, toFirst, toSecond), end(1, toSecond, toFirst)];
}

/**
 * What {@link wait} waits on: connections (that can receive) and process sentinels.
 * @example Usage
 * ```ts
 * import { Pipe, type Waitable } from "@seed/multiprocessing";
 * const [a] = Pipe();
 * const objects: Waitable[] = [a];
 * console.log(objects.length); // 1
 * ```
 */
// deno-lint-ignore no-explicit-any
export type Waitable = Connection<any> | Sentinel;

/**
 * Options of {@link wait}.
 * @example Usage
 * ```ts
 * import { type ConnectionWaitOptions, Pipe, waitConnections } from "@seed/multiprocessing";
 * const [a] = Pipe();
 * const options: ConnectionWaitOptions = { timeout: 10 };
 * console.log(await waitConnections([a], options)); // []
 * ```
 */
export interface ConnectionWaitOptions {
  /** Give up after this many milliseconds, resolving `[]` (negative acts as 0). Default: wait forever. */
  timeout?: number | null;
  /** Abort the wait; the promise rejects with `signal.reason`. */
  signal?: AbortSignal;
}

/**
 * Waits until at least one of `objects` is ready, and resolves with those ready, in input
 * order (Python's `multiprocessing.connection.wait`): a connection with a message waiting or
 * whose other end is closed (its next receive throws `EOFError`: remove it from the list
 * then), a process's `sentinel` once the process ended. Takes no message. Resolves `[]`
 * when `timeout` passed first.
 * @throws {TypeError} for an object that is neither a connection nor a sentinel.
 * @throws {OSError} "handle is closed", "connection is write-only" for such a connection.
 * @example Usage
 * ```ts
 * import { Pipe, waitConnections } from "@seed/multiprocessing";
 * const [a, b] = Pipe();
 * const [c, d] = Pipe();
 * d.send("hello");
 * console.log((await waitConnections([a, c])).length); // 1: c
 * console.log(await c.recv()); // "hello"
 * b.close();
 * console.log(await waitConnections([a], { timeout: 1000 })); // [a]: end-of-file
 * ```
 */
export async function wait<W extends Waitable>(objects: Iterable<W>, options: ConnectionWaitOptions = {}): Promise<W[]> {
  checkOptions("wait", options);
  const list = [...objects];
  for (const object of list) assertWaitable(object);
  const { timeout, signal } = options ?? {};
  signal?.throwIfAborted();
  const deadline = deadlineFrom(timeout ?? undefined);
  for (;;) {
    const waits = list.map((object) =>
      object instanceof Sentinel ? (object.ready ? null : object) : (object as Connection)[DOORBELL]()
    );
    const ready = list.filter((_, i) => waits[i] === null);
    const left = remaining(deadline);
    if (ready.length > 0 || left === 0) return ready;
    await anyChange(waits as (Doorbell | Sentinel)[], left, signal);
    await haltIfEndedAsync();
  }
}

/**
 * Resolves when a doorbell rang, a sentinel became ready, `timeoutMs` passed, or a slice of
 * sleep passed (a connection's other end may have ended without ringing: the caller checks
 * again). Nothing is polled in between; the waits that lost are cut off.
 */
async function anyChange(waits: (Doorbell | Sentinel)[], timeoutMs: number, signal?: AbortSignal): Promise<void> {
  const lost = new AbortController();
  const cut = signal ? AbortSignal.any([signal, lost.signal]) : lost.signal;
  const changes = waits.map((wait) => (wait instanceof Sentinel ? wait.ended : rings(wait, timeoutMs, cut)));
  try {
    // A wait on sentinels alone must hold the program open: their workers may be unref'd.
    await heldOpen(settleWithin(Promise.race(changes), timeoutMs, signal));
  } finally {
    lost.abort();
    for (const change of changes) change.catch(() => {});
  }
}

/** Sleeps on `doorbell` (counted among its waiters, so that a sender rings it) until it rings or a slice passed. */
async function rings(doorbell: Doorbell, timeoutMs: number, cut: AbortSignal): Promise<void> {
  const { cell, index, seen, waiters } = doorbell;
  Atomics.add(cell, waiters, 1);
  try {
    await waitAsync(cell, index, seen, timeoutMs, cut);
  } finally {
    Atomics.sub(cell, waiters, 1);
  }
}

function assertWaitable(object: unknown): void {
  if (object instanceof Connection || object instanceof Sentinel) return;
  throw new TypeError(
    `wait() takes connections (ends of a Pipe) and process sentinels (p.sentinel), not ${describe(object)}`,
  );
}

/** A byte view of what `sendBytes` accepts. */
function bytesOf(buf: ArrayBufferView | ArrayBufferLike): Uint8Array {
  if (ArrayBuffer.isView(buf)) return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  if (buf instanceof ArrayBuffer || buf instanceof SharedArrayBuffer) return new Uint8Array(buf);
  throw new TypeError(`sendBytes() needs an ArrayBuffer, a SharedArrayBuffer or a view of one, got ${describe(buf)}`);
}

function describe(value: unknown): string {
  return value === null ? "null" : typeof value === "object" ? value.constructor?.name ?? "an object" : typeof value;
}

function checkInteger(name: string, value: number): void {
  if (!Number.isInteger(value)) throw new TypeError(`${name} must be an integer number of bytes, got ${String(value)}`);
}

function checkMaxLength(maxLength: number | undefined): number {
  if (maxLength === undefined) return Infinity;
  if (typeof maxLength !== "number" || Number.isNaN(maxLength)) {
    throw new TypeError(`maxLength must be a number of bytes, got ${String(maxLength)}`);
  }
  if (maxLength < 0) throw new ValueError("negative maxLength");
  return maxLength;
}

/** Refuses (and so discards) a message longer than `maxLength`. */
function checkLength(bytes: Uint8Array, maxLength: number): Uint8Array {
  if (bytes.length > maxLength) {
    throw new Error(`bad message length: the message of ${bytes.length} bytes is longer than maxLength ${maxLength} (discarded)`);
  }
  return bytes;
}

registerHandleKind("Connection", (state) => new Connection(BUILD, state));

showAsString(Connection);
