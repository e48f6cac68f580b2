/** Says hello and ends: the raw spawn baseline's worker. @module */
import { endWhenIdle, postToParent } from "./parent.ts";

postToParent("ready");
endWhenIdle();
