// How the parent shows a run while it happens: on a terminal, one progress bar per worker
// plus a total, redrawn in place; otherwise (a pipe, a file, CI) plain lines.
import process from "node:process";
import type { ProgressEvent, WorkerEvent, WorkerId } from "./events.ts";
import type { Tally, WorkerStatus } from "./tally.ts";
import { formatBytes, formatSeconds, megabytesPerSecond } from "./units.ts";

/** Where the views write (process.stdout and process.stderr fit). */
export interface Output {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** Shows the events of a run as they come. */
export interface ProgressView {
  show(event: WorkerEvent): void;
  /** Draws the final state and stops redrawing. */
  finish(): void;
}

/** Bars when `stdout` is a terminal, plain lines otherwise. */
export function createProgressView(
  tally: Tally,
  stdout: Output = process.stdout,
  stderr: Output = process.stderr,
): ProgressView {
  return stdout.isTTY ? new TerminalBars(tally, stdout, stderr) : new PlainLines(stdout, stderr);
}

/** A line about an event worth a line (progress has the bars or milestones instead). */
function describe(event: WorkerEvent): string | undefined {
  const who = `[w${event.worker}] ${event.kind === "start" ? event.job.name : event.name}:`;
  switch (event.kind) {
    case "start":
      return `${who} downloading ${event.job.url}`;
    case "resume":
      return `${who} resuming at ${formatBytes(event.from)}${ofTotal(event.total)} (HTTP Range)`;
    case "retry":
      return `${who} ${event.reason}; retry ${event.retry} of ${event.retries} in ${event.delayMs} ms`;
    case "done":
      return `${who} done, ${formatBytes(event.bytes)} verified (sha256 ${event.sha256.slice(0, 12)}…) ` +
        `in ${formatSeconds(event.elapsedMs)}`;
    case "failed": {
      const kept = event.keptPart ? `; partial data kept in ${event.keptPart}` : "";
      return `${who} FAILED: ${event.reason} (${event.url})${kept}`;
    }
    case "progress":
      return undefined;
  }
}

/** Failures go to stderr, everything else to stdout. */
function streamFor(event: WorkerEvent, stdout: Output, stderr: Output): Output {
  return event.kind === "failed" ? stderr : stdout;
}

function ofTotal(total: number | null): string {
  return total === null ? "" : ` of ${formatBytes(total)}`;
}

/** Plain lines: each event worth a line, and each quarter of a file of known size. */
class PlainLines implements ProgressView {
  /** The last quarter (1–3) printed for each worker's current file. */
  readonly #quarters = new Map<WorkerId, number>();

  constructor(readonly stdout: Output, readonly stderr: Output) {}

  show(event: WorkerEvent): void {
    if (event.kind === "start") this.#quarters.set(event.worker, 0);
    const line = event.kind === "progress" ? this.#milestone(event) : describe(event);
    if (line) streamFor(event, this.stdout, this.stderr).write(`${line}\n`);
    if (event.kind === "resume" && event.total) this.#quarters.set(event.worker, quarterOf(event.from, event.total));
  }

  #milestone({ worker, name, received, total }: ProgressEvent): string | undefined {
    if (!total) return undefined;
    const quarter = Math.min(quarterOf(received, total), 3);
    if (quarter <= (this.#quarters.get(worker) ?? 0)) return undefined;
    this.#quarters.set(worker, quarter);
    const percent = Math.floor((received * 100) / total);
    return `[w${worker}] ${name}: ${percent}% (${formatBytes(received)} of ${formatBytes(total)})`;
  }

  finish(): void {}
}

function quarterOf(received: number, total: number): number {
  return Math.floor((received * 4) / total);
}

const REDRAW_MS = 100;
const BAR_WIDTH = 24;

/** Bars redrawn in place; lines about events are printed above them. */
class TerminalBars implements ProgressView {
  readonly #started = performance.now();
  readonly #timer: ReturnType<typeof setInterval>;
  #drawnLines = 0;

  constructor(readonly tally: Tally, readonly stdout: Output, readonly stderr: Output) {
    this.#timer = setInterval(() => this.#draw(), REDRAW_MS);
  }

  show(event: WorkerEvent): void {
    const line = event.kind === "start" ? undefined : describe(event);
    if (!line) return;
    this.#erase();
    streamFor(event, this.stdout, this.stderr).write(`${line}\n`);
    this.#draw();
  }

  finish(): void {
    clearInterval(this.#timer);
    this.#draw();
  }

  #draw(): void {
    const width = Math.max(40, (this.stdout.columns || 80) - 1); // a pseudo-terminal may say 0
    const lines = [...this.tally.workers.map(workerLine), this.#totalLine()].map((line) => line.slice(0, width));
    this.#erase();
    this.stdout.write(`${lines.join("\n")}\n`);
    this.#drawnLines = lines.length;
  }

  #totalLine(): string {
    const { received, expected, done } = this.tally.totals();
    const speed = megabytesPerSecond(received, performance.now() - this.#started).toFixed(2);
    return `total ${bar(received, expected)}  ${done}/${this.tally.files.size} files  ` +
      `${formatBytes(received)} of ${formatBytes(expected)}  ${speed} MB/s`;
  }

  /** Moves the cursor back up over the bars and clears them. */
  #erase(): void {
    if (this.#drawnLines > 0) this.stdout.write(`\x1b[${this.#drawnLines}F\x1b[J`);
    this.#drawnLines = 0;
  }
}

function workerLine({ worker, file }: WorkerStatus): string {
  if (!file) return `w${worker}    idle`;
  const bytes = `${formatBytes(file.received)}${ofTotal(file.expected)}`;
  return `w${worker}    ${bar(file.received, file.expected)}  ${file.name}  ${bytes}`;
}

/** `[██████░░░░…]  25%`; an empty bar when the size is unknown. */
function bar(received: number, total: number | null): string {
  const fraction = total ? Math.min(received / total, 1) : 0;
  const filled = Math.floor(fraction * BAR_WIDTH);
  const percent = total ? `${Math.floor(fraction * 100)}%`.padStart(4) : "   ?";
  return `[${"█".repeat(filled)}${"░".repeat(BAR_WIDTH - filled)}] ${percent}`;
}
