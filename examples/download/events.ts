// What a download worker tells the parent, through the events queue.
import type { Job } from "./jobs.ts";

/** A worker took a job. */
export interface StartEvent {
  kind: "start";
  worker: number;
  job: Job;
}

/** The server continued a transfer where an earlier attempt stopped (HTTP 206). */
export interface ResumeEvent {
  kind: "resume";
  worker: number;
  name: string;
  /** Bytes kept from the earlier attempt. */
  from: number;
  total: number | null;
}

/** Bytes of the worker's current file on disk so far. */
export interface ProgressEvent {
  kind: "progress";
  worker: number;
  name: string;
  received: number;
  total: number | null;
}

/** An attempt failed and will be retried after a pause. */
export interface RetryEvent {
  kind: "retry";
  worker: number;
  name: string;
  url: string;
  /** The retry's number, from 1, and how many retries there may be. */
  retry: number;
  retries: number;
  delayMs: number;
  reason: string;
}

/** A file was downloaded, verified, and given its name. */
export interface DoneEvent {
  kind: "done";
  worker: number;
  name: string;
  url: string;
  bytes: number;
  sha256: string;
  elapsedMs: number;
  retries: number;
}

/** A file could not be downloaded; its partial data is never under the final name. */
export interface FailedEvent {
  kind: "failed";
  worker: number;
  name: string;
  url: string;
  reason: string;
  elapsedMs: number;
  retries: number;
  /** The `.part` file kept so that a later run resumes it, if any. */
  keptPart: string | null;
}

/** Every message of the events queue. */
export type WorkerEvent = StartEvent | ResumeEvent | ProgressEvent | RetryEvent | DoneEvent | FailedEvent;
