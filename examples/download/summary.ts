// The table printed at the end of a run: a row per file and a total.
import type { FileRecord, Tally } from "./tally.ts";
import { countOf, formatBytes, formatSeconds, megabytesPerSecond } from "./units.ts";

const HEADER = ["file", "bytes", "time", "MB/s", "retries", "result"];
/** Columns aligned right (numbers); the others align left. */
const RIGHT_ALIGNED = new Set([1, 2, 3, 4]);

/** The summary of a run that took `elapsedMs` in all. */
export function formatSummary(tally: Tally, elapsedMs: number): string {
  const files = [...tally.files.values()];
  const { received, done, retries } = tally.totals();
  const failures = files.length - done;
  const total = [
    `total: ${countOf(files.length, "file")}`,
    String(received),
    formatSeconds(elapsedMs),
    megabytesPerSecond(received, elapsedMs).toFixed(2),
    String(retries),
    `${done} ok, ${countOf(failures, "failure")} (${formatBytes(received)})`,
  ];
  return table([HEADER, ...files.map(row), total]);
}

function row(file: FileRecord): string[] {
  const ok = file.status === "done";
  return [
    file.name,
    ok ? String(file.received) : "-",
    formatSeconds(file.elapsedMs),
    ok ? megabytesPerSecond(file.received, file.elapsedMs).toFixed(2) : "-",
    String(file.retries),
    ok ? "ok" : `FAILED: ${file.reason ?? "not downloaded"}`,
  ];
}

/** Rows padded into columns, with a rule under the header and above the last row. */
function table(rows: string[][]): string {
  const widths = HEADER.map((_, column) => Math.max(...rows.map((cells) => cells[column].length)));
  const lines = rows.map((cells) =>
    cells.map((cell, column) => {
      if (column === cells.length - 1) return cell;
      return RIGHT_ALIGNED.has(column) ? cell.padStart(widths[column]) : cell.padEnd(widths[column]);
    }).join("  ")
  );
  const rule = "-".repeat(Math.max(...lines.map((line) => line.length)));
  return [lines[0], rule, ...lines.slice(1, -1), rule, lines.at(-1)!].join("\n");
}
