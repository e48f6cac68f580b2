/**
 * The raw spawn baseline's worker for `node:worker_threads`: says hello and ends (its event
 * loop is empty). The web `Worker` has its own, `./hello_web.ts`.
 * @module
 */
import { parentPort } from "node:worker_threads";

parentPort!.postMessage("ready");
