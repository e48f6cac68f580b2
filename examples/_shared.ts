// Small helpers the tutorial scenarios share: sleeping, and reading their command-line flags.
import process from "node:process";

/** Sleeps `seconds` (the tutorial's `time.sleep`). */
export function sleep(seconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, seconds * 1000));
}

/** The flags every scenario understands. */
export interface ScenarioFlags {
  /** Seconds between the clock's ticks (the tutorial uses 1). */
  interval: number;
  /** Labels' language where a scenario has them: "zh" (the tutorial's) or "en". */
  lang: "zh" | "en";
  /** Everything that is not a flag (URLs for the download scenario). */
  rest: string[];
  /** Flags this helper does not know, for scenarios with their own (name → value). */
  extra: Record<string, string>;
}

/** Parses `--interval SECONDS`, `--lang zh|en` and `--name value` flags. */
export function parseFlags(argv: string[] = process.argv.slice(2)): ScenarioFlags {
  const flags: ScenarioFlags = { interval: 1, lang: "zh", rest: [], extra: {} };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith("--")) {
      flags.rest.push(arg);
      continue;
    }
    const [name, inline] = arg.slice(2).split("=", 2);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new Error(`--${name} needs a value`);
    if (name === "interval") flags.interval = positiveNumber(name, value);
    else if (name === "lang") flags.lang = value === "en" ? "en" : "zh";
    else flags.extra[name] = value;
  }
  return flags;
}

function positiveNumber(name: string, value: string): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number < 0) throw new Error(`--${name} takes a number of seconds, got "${value}"`);
  return number;
}
