/**
 * Renders one bench's rows as one markdown table: a row per workload (the library) followed
 * by its raw baselines (`↳`), a column per runtime and per Python start method, and the
 * library's advantage over Python and over the raw primitives, checked against the bars.
 * @module
 */

import { LIBRARY, type Row, RUNTIMES } from "./lib.ts";
import type { Bars, Workload } from "./workloads.ts";

/** The columns that hold values, in order: the runtimes, then Python's start methods. */
const VALUE_COLUMNS = [
  { key: "deno", title: "Deno" },
  { key: "bun", title: "Bun" },
  { key: "node", title: "Node" },
  { key: "python-spawn", title: "Python spawn" },
  { key: "python-forkserver", title: "Python forkserver" },
  { key: "python-fork", title: "Python fork" },
] as const;

const PYTHON = "python";
const MISSING = "—";

/**
 * Formats a value with 3 significant digits, thousands as k and millions as M
 * (e.g. 1234567 → "1.23M", 45319 → "45.3k", 38.117 → "38.1").
 */
export function formatValue(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude >= 1e6) return `${(value / 1e6).toPrecision(3)}M`;
  if (magnitude >= 1e4) return `${(value / 1e3).toPrecision(3)}k`;
  if (magnitude >= 1e3) return value.toFixed(0);
  return value.toPrecision(3);
}

/** The library's advantage over a baseline: > 1 means the library is better. */
export function advantage(library: number, baseline: number, higherIsBetter: boolean): number {
  return higherIsBetter ? library / baseline : baseline / library;
}

/** Formats an advantage, with ✓/✗ when there is a bar (a minimum advantage). */
export function formatAdvantage(ratio: number | undefined, bar: number | undefined): string {
  if (ratio === undefined) return MISSING;
  const text = `${ratio >= 10 ? ratio.toFixed(0) : ratio.toPrecision(2)}×`;
  if (bar === undefined) return text;
  return `${text} ${ratio >= bar ? "✓" : "✗"}`;
}

/** Values of one table row, by column key. */
type Cells = Map<string, number>;

interface Line {
  label: string;
  unit: string;
  cells: Cells;
  vsPython?: string;
  vsRaw?: string;
}

/** Rows of `workload`, grouped: the library's cells (with Python's), then each baseline's. */
function groupRows(workload: Workload, rows: readonly Row[]): { library: Cells; baselines: Map<string, Row[]> } {
  const library: Cells = new Map();
  const baselines = new Map<string, Row[]>();
  for (const row of rows) {
    if (row.workload !== workload.id) continue;
    if (row.impl === LIBRARY || row.impl === PYTHON) library.set(row.runtime, row.value);
    else baselines.set(row.impl, [...(baselines.get(row.impl) ?? []), row]);
  }
  return { library, baselines };
}

/** The best value among `rows` on `runtime`, or undefined. */
function bestOn(runtime: string, rows: readonly Row[], higherIsBetter: boolean): number | undefined {
  const values = rows.filter((row) => row.runtime === runtime).map((row) => row.value);
  if (values.length === 0) return undefined;
  return higherIsBetter ? Math.max(...values) : Math.min(...values);
}

/** One advantage per runtime, "a / b / c", against `baselineOn(runtime)`. */
function advantages(
  workload: Workload,
  library: Cells,
  baselineOn: (runtime: string) => number | undefined,
  bar: number | undefined,
): string {
  const cells = RUNTIMES.map((runtime) => {
    const mine = library.get(runtime);
    const theirs = baselineOn(runtime);
    const ratio = mine === undefined || theirs === undefined
      ? undefined
      : advantage(mine, theirs, workload.higherIsBetter);
    return formatAdvantage(ratio, bar);
  });
  return cells.every((cell) => cell === MISSING) ? MISSING : cells.join(" / ");
}

function linesOf(workload: Workload, rows: readonly Row[]): Line[] {
  const { library, baselines } = groupRows(workload, rows);
  const bars: Bars = workload.bars ?? {};
  const python = workload.python
    ? library.get(`python-${workload.python}`)
    : library.get("python-spawn") ?? library.get("python-fork");
  const barRows = [...baselines.values()].flat().filter((row) => row.bar === true);
  const libraryLine: Line = {
    label: `**${workload.label}**`,
    unit: workload.unit,
    cells: library,
    vsPython: advantages(workload, library, () => python, bars.vsPython),
    vsRaw: advantages(workload, library, (runtime) => bestOn(runtime, barRows, workload.higherIsBetter), bars.vsRaw),
  };
  const baselineLines = [...baselines].map(([impl, implRows]): Line => ({
    label: `↳ ${impl}${implRows.some((row) => row.bar === true) ? " †" : ""}`,
    unit: workload.unit,
    cells: new Map(implRows.map((row) => [row.runtime, row.value])),
  }));
  return [libraryLine, ...baselineLines];
}

/** A value and its mark against `bar`: a minimum for what is better higher, else a maximum. */
function valueCell(line: Line, key: string, bar: number | undefined, higherIsBetter: boolean): string {
  const value = line.cells.get(key);
  if (value === undefined) return MISSING;
  const mark = bar === undefined ? "" : (higherIsBetter ? value >= bar : value <= bar) ? " ✓" : " ✗";
  return formatValue(value) + mark;
}

/**
 * The markdown table of one bench. Columns without any value are left out; `titles` replaces
 * column titles by key (bench/run.ts names the Node column with its version).
 *
 * @example
 * ```ts
 * console.log(renderTable(BENCHES.queue, rows));
 * ```
 */
export function renderTable(
  workloads: readonly Workload[],
  rows: readonly Row[],
  titles: Readonly<Record<string, string>> = {},
): string {
  const columns = VALUE_COLUMNS.filter(({ key }) => rows.some((row) => row.runtime === key));
  const header = ["workload", "unit", ...columns.map((c) => titles[c.key] ?? c.title), "vs Python (D / B / N)", "vs raw (D / B / N)"];
  const out = [`| ${header.join(" | ")} |`, `|${["---", "---", ...columns.map(() => "--:"), ":-:", ":-:"].join("|")}|`];
  for (const workload of workloads) {
    for (const [index, line] of linesOf(workload, rows).entries()) {
      const bar = index === 0 ? workload.bars?.value : undefined;
      // Python measures the library's workload; its cells stay blank on baseline rows.
      const values = columns.map(({ key }) =>
        !key.startsWith(PYTHON)
          ? valueCell(line, key, bar, workload.higherIsBetter)
          : index === 0
          ? valueCell(line, key, undefined, workload.higherIsBetter)
          : ""
      );
      out.push(`| ${[line.label, line.unit, ...values, line.vsPython ?? "", line.vsRaw ?? ""].join(" | ")} |`);
    }
  }
  return out.join("\n");
}

/** The legend printed under every table. */
export const LEGEND: string = [
  "Advantage columns: how many times better the library is than the baseline on Deno / Bun / Node",
  "(throughput: library ÷ baseline; time: baseline ÷ library), against Python's spawn context (fork",
  "where spawn was not measured, or the context the row names) and against the best raw baseline",
  "marked † on the same runtime.",
  "✓/✗: the issue's bar. — : not measured (no library case yet, or not available on that runtime).",
].join("\n");
