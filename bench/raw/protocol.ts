/** What the raw baselines' parent asks its producer worker for. @module */

/** A request to the producer worker: post `count` messages of `kind`. */
export interface ProduceRequest {
  /** Small objects one per message, batches of 100, or 64 KiB byte arrays copied or transferred. */
  kind: "small" | "batch" | "bytes-copy" | "bytes-transfer";
  /** How many messages to post. */
  count: number;
}

/** Items in one message of kind "batch". */
export const BATCH_SIZE = 100;
