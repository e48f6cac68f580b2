// The parent's record of a run, built from the workers' events: what each worker is doing,
// and how each file ended. The progress views draw it and the summary tabulates it.
import type { WorkerEvent, WorkerId } from "./events.ts";
import type { Job } from "./jobs.ts";

/** How one file is doing. */
export interface FileRecord {
  name: string;
  url: string;
  status: "waiting" | "active" | "done" | "failed";
  /** The size the file will have, when the job or the server said it. */
  expected: number | null;
  received: number;
  retries: number;
  elapsedMs: number;
  /** Why it failed. */
  reason?: string;
  /** The partial data kept for a later run, if any. */
  keptPart?: string | null;
}

/** What one worker is doing (its file's name, or null when idle). */
export interface WorkerStatus {
  worker: WorkerId;
  file: FileRecord | null;
}

/** Files and workers of one run. */
export class Tally {
  readonly files: Map<string, FileRecord>;
  readonly workers: WorkerStatus[];

  /** `workerCount` workers numbered from 1; others (named ones, over Redis) join as their events come. */
  constructor(jobs: readonly Job[], workerCount: number) {
    this.files = new Map(jobs.map((job) => [job.name, {
      name: job.name,
      url: job.url,
      status: "waiting",
      expected: job.size ?? null,
      received: 0,
      retries: 0,
      elapsedMs: 0,
    }]));
    this.workers = Array.from({ length: workerCount }, (_, i) => ({ worker: i + 1, file: null }));
  }

  /** Takes in one worker event. */
  apply(event: WorkerEvent): void {
    const status = this.#statusOf(event.worker);
    const file = this.files.get(event.kind === "start" ? event.job.name : event.name)!;
    switch (event.kind) {
      case "start":
        file.status = "active";
        status.file = file;
        break;
      case "resume":
      case "progress":
        file.received = event.kind === "resume" ? event.from : event.received;
        file.expected ??= event.total;
        break;
      case "retry":
        file.retries = event.retry;
        break;
      case "done":
        file.received = file.expected = event.bytes;
        Object.assign(file, { status: "done", retries: event.retries, elapsedMs: event.elapsedMs });
        status.file = null;
        break;
      case "failed":
        Object.assign(file, { status: "failed", retries: event.retries, elapsedMs: event.elapsedMs });
        Object.assign(file, { reason: event.reason, keptPart: event.keptPart });
        status.file = null;
        break;
    }
  }

  /** The status of `worker`, added when it is new. */
  #statusOf(worker: WorkerId): WorkerStatus {
    let status = this.workers.find((known) => known.worker === worker);
    if (!status) this.workers.push(status = { worker, file: null });
    return status;
  }

  /** Whether every file is done or failed. */
  finished(): boolean {
    for (const file of this.files.values()) if (file.status === "waiting" || file.status === "active") return false;
    return true;
  }

  /** Marks what never finished as failed (its worker process ended early), with `reason`. */
  failUnfinished(reason: string): void {
    for (const file of this.files.values()) {
      if (file.status !== "waiting" && file.status !== "active") continue;
      file.status = "failed";
      file.reason = reason;
    }
  }

  /** The files that failed. */
  failed(): FileRecord[] {
    return [...this.files.values()].filter((file) => file.status === "failed");
  }

  /** Bytes so far, bytes expected in all (unknown sizes count what arrived), files done. */
  totals(): { received: number; expected: number; done: number; retries: number } {
    let received = 0, expected = 0, done = 0, retries = 0;
    for (const file of this.files.values()) {
      received += file.received;
      expected += file.expected ?? file.received;
      retries += file.retries;
      if (file.status === "done") done++;
    }
    return { received, expected, done, retries };
  }
}
