// What a download worker tells the parent, through the events queue.
import type { Job } from "./jobs.ts";

/** Who sent an event: a worker's number (local processes), or its label (`host-pid/2` over Redis). */
export type WorkerId = number | string;

/** A worker took a job. */
export interface StartEvent {
  kind: "start";
  worker: WorkerId;
  job: Job;
}

/** The server continued a transfer where an earlier attempt stopped (HTTP 206). */
export interface ResumeEvent {
  kind: "resume";
  worker: WorkerId;
  name: string;
  /** Bytes kept from the earlier attempt. */
  from: number;
  total: number | null;
}

/** Bytes of the worker's current file on disk so far. */
export interface ProgressEvent {
  kind: "progress";
  worker: WorkerId;
  name: string;
  received: number;
  total: number | null;
}

/** An attempt failed and will be retried after a pause. */
export interface RetryEvent {
  kind: "retry";
  worker: WorkerId;
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
  worker: WorkerId;
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
  worker: WorkerId;
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
