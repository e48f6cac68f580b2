/**
 * Scenario 5, `producer-consumer`: the tutorial's JoinableQueue step. A daemon consumer
 * process takes items from a `JoinableQueue`, prints each and marks it done; the producer,
 * in the main process, puts `[1, 2, 3, 4]` one interval apart, then `join()`s the queue:
 * once every item is done the program ends, and the daemon consumer with it (so the
 * consumer's own end line is never printed, as the tutorial notes).
 * @module
 */
import { isMain, JoinableQueue, Process } from "../mod.ts";
import { parseFlags, type ScenarioFlags, sleep } from "./_shared.ts";

/** The printed labels: the tutorial's Chinese ones, or English with `--lang en`. */
const LABELS = {
  zh: { consumeStart: "消费开始:", consume: "消费 >>>>>>>>>", produceStart: "生产开始:", produce: "生产 >>>>>>>>>", produceEnd: "生产结束:" },
  en: { consumeStart: "consume start:", consume: "consume >>>>>>>>>", produceStart: "produce start:", produce: "produce >>>>>>>>>", produceEnd: "produce end:" },
} as const;

type Lang = ScenarioFlags["lang"];

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/**
 * The local time as Python's `time.ctime()` prints it: `Wed Oct 16 22:06:11 2019`, the day
 * of the month padded with a space.
 * @example Usage
 * ```ts
 * import { ctime } from "./producer_consumer.ts";
 * console.log(ctime(new Date(2019, 9, 6, 22, 6, 11))); // "Sun Oct  6 22:06:11 2019"
 * ```
 */
export function ctime(date: Date = new Date()): string {
  const two = (n: number) => String(n).padStart(2, "0");
  const time = `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
  const day = String(date.getDate()).padStart(2, " ");
  return `${DAYS[date.getDay()]} ${MONTHS[date.getMonth()]} ${day} ${time} ${date.getFullYear()}`;
}

/**
 * The consumer process: forever take an item, print it, mark it done, sleep `interval`
 * seconds. It never returns; as a daemon it ends with the program.
 * @example Usage
 * ```ts
 * import { JoinableQueue, Process } from "@seed/multiprocessing";
 * import { consumer } from "./producer_consumer.ts";
 * const queue = new JoinableQueue<number>();
 * const p = new Process({ target: consumer, args: [queue, 1, "en"], daemon: true });
 * p.start();
 * ```
 */
export async function consumer(inputQueue: JoinableQueue<number>, interval: number, lang: Lang): Promise<void> {
  const labels = LABELS[lang];
  console.log(labels.consumeStart, ctime());
  for (;;) {
    const item = await inputQueue.get();
    console.log(labels.consume, item); // the useful work would go here
    inputQueue.taskDone();
    await sleep(interval);
  }
}

/**
 * The producer: puts each item of `sequence`, printing it, one `interval` apart.
 * @example Usage
 * ```ts
 * import { JoinableQueue } from "@seed/multiprocessing";
 * import { producer } from "./producer_consumer.ts";
 * await producer([1, 2], new JoinableQueue<number>(), 0.1, "en"); // produce start: …, produce >>>>>>>>> 1, …
 * ```
 */
export async function producer(
  sequence: number[],
  outputQueue: JoinableQueue<number>,
  interval: number,
  lang: Lang,
): Promise<void> {
  const labels = LABELS[lang];
  console.log(labels.produceStart, ctime());
  for (const item of sequence) {
    // Printed before the put (the tutorial prints after): a waiting consumer could otherwise
    // print its line first, since the item reaches it at once through shared memory.
    console.log(labels.produce, item);
    await outputQueue.put(item);
    await sleep(interval);
  }
  console.log(labels.produceEnd, ctime());
}

/**
 * Runs the scenario: a daemon consumer, the producer here, then `join()` on the queue.
 * @example Usage
 * ```ts
 * import { main } from "./producer_consumer.ts";
 * await main({ interval: 1, lang: "zh" }); // the tutorial's output
 * ```
 */
export async function main({ interval, lang }: Pick<ScenarioFlags, "interval" | "lang">): Promise<void> {
  const queue = new JoinableQueue<number>();
  const consumerProcess = new Process({ target: consumer, args: [queue, interval, lang] });
  consumerProcess.daemon = true;
  consumerProcess.start();
  await producer([1, 2, 3, 4], queue, interval, lang);
  await queue.join(); // every item had its taskDone(): the program ends, the daemon with it
}

if (isMain(import.meta)) await main(parseFlags());
