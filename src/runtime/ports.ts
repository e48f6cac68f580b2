/**
 * Receiving on a `MessagePort`: Node's ports are also EventEmitters, and on Node 24 a message
 * to an idle worker's port reaches a `message` listener within a millisecond but an
 * `onmessage` handler only 30–300 ms later (measured on this project's machine; Node 20:
 * both under a millisecond). Deno's and Bun's ports have `onmessage` only.
 * @module
 */

interface EmitterPort {
  once(event: "message", listener: (data: unknown) => void): void;
}

/** The first message on `port`; the port is then closed (an open port keeps a worker alive). */
export function receiveFirst(port: MessagePort): Promise<unknown> {
  return new Promise((resolve) => {
    const take = (data: unknown) => {
      port.close();
      resolve(data);
    };
    const emitter = port as unknown as Partial<EmitterPort>;
    if (typeof emitter.once === "function") emitter.once("message", take);
    else {
      port.onmessage = (event) => {
        port.onmessage = null;
        take(event.data);
      };
    }
  });
}
