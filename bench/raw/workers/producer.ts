/**
 * Posts items to its parent as fast as it can: the raw one-way baselines' worker. Each
 * {@link ProduceRequest} is answered with `count` messages of that kind.
 * @module
 */
import { BYTES_ITEM_SIZE, smallItem } from "../../workloads.ts";
import { BATCH_SIZE, type ProduceRequest } from "../protocol.ts";
import { onParentMessage, postToParent } from "./parent.ts";

const producers: Record<ProduceRequest["kind"], (count: number) => void> = {
  small(count) {
    for (let i = 0; i < count; i++) postToParent(smallItem(i));
  },
  batch(count) {
    for (let b = 0; b < count; b++) {
      const batch = [];
      for (let i = 0; i < BATCH_SIZE; i++) batch.push(smallItem(b * BATCH_SIZE + i));
      postToParent(batch);
    }
  },
  "bytes-copy"(count) {
    const bytes = new Uint8Array(BYTES_ITEM_SIZE);
    for (let i = 0; i < count; i++) postToParent(bytes);
  },
  "bytes-transfer"(count) {
    for (let i = 0; i < count; i++) {
      const bytes = new Uint8Array(BYTES_ITEM_SIZE);
      postToParent(bytes, [bytes.buffer]);
    }
  },
};

onParentMessage((data) => {
  const request = data as ProduceRequest;
  producers[request.kind](request.count);
});
