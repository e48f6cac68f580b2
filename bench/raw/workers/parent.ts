/**
 * The worker side of the raw baselines: the channel to the parent, whatever started this
 * worker (`parentPort` from `node:worker_threads`, else the web worker's global scope).
 * @module
 */

import { parentPort } from "node:worker_threads";

interface WebWorkerScope {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  addEventListener(type: "message", listener: (event: MessageEvent) => void): void;
}

const scope = globalThis as unknown as WebWorkerScope;

/** Posts a message to the parent. */
export function postToParent(message: unknown, transfer: Transferable[] = []): void {
  if (parentPort !== null) parentPort.postMessage(message, transfer as never);
  else scope.postMessage(message, transfer);
}

/** Calls `listener` with every message from the parent. */
export function onParentMessage(listener: (data: unknown) => void): void {
  if (parentPort !== null) parentPort.on("message", listener);
  else scope.addEventListener("message", (event) => listener(event.data));
}
