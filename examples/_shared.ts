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

/** What a scenario takes besides `--interval` and `--lang`. */
export interface FlagSpec {
  /** Names of its own `--name value` flags (they land in `extra`). */
  flags?: readonly string[];
  /** Whether it takes words that are not flags (they land in `rest`). */
  positional?: boolean;
}

/**
 * Parses `--interval SECONDS`, `--lang zh|en` and the scenario's own `--name value` flags;
 * throws, saying what is wrong, on anything else.
 */
export function parseFlags(spec: FlagSpec = {}, argv: string[] = process.argv.slice(2)): ScenarioFlags {
  const known = ["interval", "lang", ...(spec.flags ?? [])];
  const flags: ScenarioFlags = { interval: 1, lang: "zh", rest: [], extra: {} };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith("-")) {
      if (!spec.positional) throw new Error(`unexpected argument "${arg}" (see --help)`);
      flags.rest.push(arg);
      continue;
    }
    const [name, inline] = arg.replace(/^--?/, "").split("=", 2);
    if (!known.includes(name)) {
      throw new Error(`unknown flag ${arg} (this scenario takes ${known.map((flag) => `--${flag}`).join(", ")})`);
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new Error(`--${name} needs a value`);
    if (name === "interval") flags.interval = positiveSeconds(name, value);
    else if (name === "lang") flags.lang = language(value);
    else flags.extra[name] = value;
  }
  return flags;
}

/** The longest timer JavaScript runtimes keep (2^31 - 1 ms); a longer one fires at once. */
const MAX_SECONDS = (2 ** 31 - 1) / 1000;

function positiveSeconds(name: string, value: string): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0 || number > MAX_SECONDS) {
    throw new Error(`--${name} takes a positive number of seconds up to ${MAX_SECONDS}, got "${value}"`);
  }
  return number;
}

function language(value: string): "zh" | "en" {
  if (value === "zh" || value === "en") return value;
  throw new Error(`--lang takes zh or en, got "${value}"`);
}
