/** Echoes every message back: the raw ping-pong baseline's worker. @module */
import { onParentMessage, postToParent } from "./parent.ts";

onParentMessage((data) => postToParent(data));
