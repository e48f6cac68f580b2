/**
 * Scenario `tasks` (beyond the tutorial): PyMOTW's multiprocessing producer/consumer,
 * ported line for line. Consumer processes (a `Process` subclass holding two queues) take
 * `Task` objects from a `JoinableQueue`, call them and put the answers on a result queue;
 * `null` is the poison pill. The tasks arrive as `Task` instances, with their methods,
 * because `Task` is exported: the class crosses by reference, the instance by its fields.
 * @module
 */
import { cpuCount, isMain, JoinableQueue, Process, Queue } from "../mod.ts";
import { parseFlags, type ScenarioFlags } from "./_shared.ts";

/** Blocks the thread `seconds` (Python's `time.sleep` inside a synchronous call). */
function sleepSync(seconds: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, seconds * 1000);
}

/**
 * A consumer process: takes tasks until the poison pill, calling each.
 * @example Usage
 * ```ts
 * import { JoinableQueue, Queue } from "@seed/multiprocessing";
 * import { Consumer, type Task } from "./tasks.ts";
 * new Consumer(new JoinableQueue<Task | null>(), new Queue<string>()).start();
 * ```
 */
export class Consumer extends Process {
  constructor(public taskQueue: JoinableQueue<Task | null>, public resultQueue: Queue<string>) {
    super();
  }

  override async run(): Promise<void> {
    const procName = this.name;
    while (true) {
      const nextTask = await this.taskQueue.get();
      if (nextTask === null) {
        // Poison pill means shutdown
        console.log(`${procName}: Exiting`);
        this.taskQueue.taskDone();
        break;
      }
      console.log(`${procName}: ${nextTask}`);
      const answer = nextTask.call();
      this.taskQueue.taskDone();
      await this.resultQueue.put(answer);
    }
  }
}

/**
 * A unit of work: multiplies its two numbers, taking `seconds` to do it.
 * @example Usage
 * ```ts
 * import { Task } from "./tasks.ts";
 * console.log(new Task(3, 4, 0).call()); // "3 * 4 = 12"
 * ```
 */
export class Task {
  constructor(public a: number, public b: number, public seconds = 0.1) {}

  call(): string {
    sleepSync(this.seconds); // pretend to take time to do the work
    return `${this.a} * ${this.b} = ${this.a * this.b}`;
  }

  toString(): string {
    return `${this.a} * ${this.b}`;
  }
}

/**
 * Runs the scenario: `cpuCount() * 2` consumers (at most 4 here), 10 tasks, a poison pill
 * each, `join()`, then the results. `--interval` is the time each task takes, tenfold.
 * @example Usage
 * ```ts
 * import { main } from "./tasks.ts";
 * await main({ interval: 1 }); // Creating 4 consumers, Consumer-1: 0 * 0, …, Result: 9 * 9 = 81
 * ```
 */
export async function main({ interval }: Pick<ScenarioFlags, "interval">): Promise<void> {
  // Establish communication queues
  const tasks = new JoinableQueue<Task | null>();
  const results = new Queue<string>();

  // Start consumers
  const numConsumers = Math.min(cpuCount() * 2, 4);
  console.log(`Creating ${numConsumers} consumers`);
  const consumers = Array.from({ length: numConsumers }, () => new Consumer(tasks, results));
  for (const w of consumers) w.start();

  // Enqueue jobs
  let numJobs = 10;
  for (let i = 0; i < numJobs; i++) await tasks.put(new Task(i, i, interval / 10));

  // Add a poison pill for each consumer
  for (let i = 0; i < numConsumers; i++) await tasks.put(null);

  // Wait for all of the tasks to finish
  await tasks.join();

  // Start printing results
  while (numJobs) {
    const result = await results.get();
    console.log("Result:", result);
    numJobs -= 1;
  }
}

if (isMain(import.meta)) await main(parseFlags());
