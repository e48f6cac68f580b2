/**
 * The registry: one small worker per program that maps names to the shared objects that only
 * `postMessage` can hand out, for any process that asks. It is Python's namespace of POSIX
 * shared memory names and of manager addresses, in a program whose processes are workers
 * of one OS process: a `SharedArrayBuffer` can reach a running worker only in a message, so
 * something that is always free to answer must hold them. Not the main thread, which may be
 * busy or blocked; a worker of its own, which only ever answers.
 *
 * Every process holds a `MessagePort` to it (see registry.ts). A request that waits for its
 * answer carries a reply cell: the registry posts the answer on the port, then sets the cell
 * and wakes the asker, who takes the answer with `receiveMessageOnPort`.
 *
 * What it keeps:
 * - shared memory segments by name (`SharedMemory`): a segment lives while the registry or a
 *   process holds its buffer, so after `unlink()` the memory stays usable by those that have
 *   it open and is freed once they drop it, as POSIX does;
 * - the names each `SharedMemoryManager` made, which its shutdown unlinks;
 * - manager addresses: a manager's port, to which a client's new connection is forwarded.
 * @module
 */
import type { RegistryReply, RegistryRequest } from "./registry.ts";
import { runtime } from "./runtime/mod.ts";

interface Segment {
  buffer: SharedArrayBuffer;
  /** The `SharedMemoryManager` that made it, whose shutdown unlinks it. */
  tracker?: string;
}

interface Listener {
  port: MessagePort;
  pid: number;
  name: string;
}

const segments = new Map<string, Segment>();
const listeners = new Map<string, Listener>();

/** Serves a process's port from now on (with what it sent before it got here). */
function adopt(port: MessagePort): void {
  port.onmessage = (event: MessageEvent) => serve(port, event.data as RegistryRequest);
}

function serve(port: MessagePort, request: RegistryRequest): void {
  const reply = answer(request);
  if (!request.cell) return;
  port.postMessage(reply);
  const cell = new Int32Array(request.cell);
  Atomics.store(cell, 0, 1);
  Atomics.notify(cell, 0);
}

function answer(request: RegistryRequest): RegistryReply {
  switch (request.op) {
    case "adopt":
      adopt(request.port);
      return {};
    case "create":
      if (segments.has(request.name)) return { error: "exists" };
      segments.set(request.name, { buffer: request.buffer });
      return {};
    case "track": {
      const segment = segments.get(request.name);
      if (segment) segment.tracker = request.tracker;
      return {};
    }
    case "attach": {
      const segment = segments.get(request.name);
      return segment ? { buffer: segment.buffer } : { error: "missing" };
    }
    case "unlink":
      return segments.delete(request.name) ? {} : { error: "missing" };
    case "unlinkTracked": {
      const names = [...segments].filter(([, segment]) => segment.tracker === request.tracker).map(([name]) => name);
      for (const name of names) segments.delete(name);
      return { names };
    }
    case "listen":
      if (listeners.has(request.address)) return { error: "exists" };
      listeners.set(request.address, { port: request.port, pid: request.pid, name: request.name });
      return {};
    case "unlisten":
      listeners.get(request.address)?.port.close();
      listeners.delete(request.address);
      return {};
    case "resolve": {
      const listener = listeners.get(request.address);
      return listener ? { pid: listener.pid, name: listener.name } : { error: "missing" };
    }
    case "connect":
      listeners.get(request.address)?.port.postMessage(request.connection);
      return {};
  }
}

/** The main program hands over the ports of the processes that exist so far, then each new one. */
const channel = runtime.parentChannel();
if (!channel) throw new Error("src/registry_worker.ts is the registry's worker: it runs only in a worker");
const { hub } = (await channel.receiveOnce()) as { hub: MessagePort };
hub.onmessage = (event: MessageEvent) => adopt((event.data as { port: MessagePort }).port);
