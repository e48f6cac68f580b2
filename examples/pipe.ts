/**
 * Scenario 6, `pipe`: the tutorial's unfinished chapter, 管道Pipe (待续 — to be continued).
 *
 * 管道 Pipe: `Pipe(duplex = true)` 返回一对连接 `[conn1, conn2]`。双向管道 (默认) 的两端都能
 * `send()` 和 `recv()`；单向管道 `Pipe(false)` 的第一端只能收，第二端只能发。`send()` 可以发送
 * 任何能复制的值 (字符串、数组、对象……)，`recv()` 按顺序收到完整的一条消息。`poll()` 只看有没有
 * 消息可收，不取走它。某一端的所有句柄都关闭 (或持有它的进程都结束) 之后，另一端收完剩下的消息，
 * 再 `recv()` 就会抛出 `EOFError`：用完的一端要 `close()`，对方才知道"说完了"。
 *
 * What the scenario shows: the parent and a child talk over a duplex `Pipe()` — the parent
 * sends a few messages, the child answers each (strings in capitals, arrays by their sum).
 * The parent then closes its end; the child sees end-of-file and writes a report on a
 * one-way `Pipe(false)`, which the parent watches with `poll()` before reading it; after
 * the report, the one-way pipe is at end-of-file too.
 * @module
 */
import { type Connection, isMain, Pipe, Process } from "../mod.ts";
import { parseFlags, type ScenarioFlags } from "./_shared.ts";

/** What the parent sends over the duplex pipe, and what the child answers. */
type Message = string | number[] | number;

/** The child's report over the one-way pipe. */
interface Report {
  answered: number;
}

/** The printed labels: Chinese like the tutorial, or English with `--lang en`. */
const LABELS = {
  zh: {
    duplex: "== 双向管道 Pipe() ==",
    sent: "父进程发送:",
    received: "父进程收到:",
    pollBefore: "单向管道 poll(): %s (子进程还没有写报告)",
    close: "父进程关闭自己的一端 → 子进程 recv() 得到 EOFError",
    oneWay: "== 单向管道 Pipe(false) ==",
    readOnly: "读端 send(): %s",
    pollAfter: "单向管道 poll(5 秒): %s",
    report: "子进程的报告: 回答了 %s 条消息, 然后收到 EOFError",
    eof: "再次 recv(): %s (写端都已关闭)",
    exit: "子进程退出码: %s",
  },
  en: {
    duplex: "== duplex Pipe() ==",
    sent: "parent sent:",
    received: "parent received:",
    pollBefore: "one-way poll(): %s (the child has not written its report yet)",
    close: "the parent closes its end → the child's recv() gets EOFError",
    oneWay: "== one-way Pipe(false) ==",
    readOnly: "reading end send(): %s",
    pollAfter: "one-way poll(5 s): %s",
    report: "the child's report: answered %s messages, then got EOFError",
    eof: "recv() again: %s (every writing end is closed)",
    exit: "child exit code: %s",
  },
} as const;

/** The messages the parent sends. */
const MESSAGES: Message[] = ["hello", "pipe", [1, 2, 3, 4]];

/** How long the parent waits for the report in `poll()`. */
const REPORT_WAIT_MS = 5_000;

/** The child's answer: a string in capitals, an array's sum. */
export function answerTo(message: Message): Message {
  if (typeof message === "string") return message.toUpperCase();
  if (Array.isArray(message)) return message.reduce((sum, n) => sum + n, 0);
  return message;
}

/**
 * The child process: answers every message on `conn` until end-of-file, then reports how
 * many it answered on `report` (the sending end of a one-way pipe) and closes both.
 */
export function answerUntilEof(conn: Connection<Message>, report: Connection<Report>): void {
  let answered = 0;
  for (;;) {
    let message: Message;
    try {
      message = conn.recvSync();
    } catch (error) {
      if ((error as Error).name === "EOFError") break; // the parent closed its end
      throw error;
    }
    conn.send(answerTo(message));
    answered++;
  }
  report.send({ answered });
  report.close();
  conn.close();
}

/** `%s` replaced by `value`. */
function fill(template: string, value: unknown): string {
  return template.replace("%s", String(value));
}

/** What a call threw: `Name: message`, or only the name. */
async function thrown(call: () => unknown, withMessage = true): Promise<string> {
  try {
    await call();
    return "(nothing thrown)";
  } catch (error) {
    const { name, message } = error as Error;
    return withMessage ? `${name}: ${message}` : name;
  }
}

/** Runs the scenario (see the module notes). */
export async function main({ lang }: Pick<ScenarioFlags, "lang">): Promise<void> {
  const labels = LABELS[lang];
  const [parentEnd, childEnd] = Pipe<Message>();
  const [reportReader, reportWriter] = Pipe<Report>(false);
  const child = new Process({ target: answerUntilEof, args: [childEnd, reportWriter] });
  child.start();
  // As in Python: close the ends this process does not use, so that end-of-file can come.
  childEnd.close();
  reportWriter.close();

  console.log(labels.duplex);
  for (const message of MESSAGES) {
    parentEnd.send(message);
    console.log(labels.sent, JSON.stringify(message));
    console.log(labels.received, JSON.stringify(await parentEnd.recv()));
  }
  console.log(fill(labels.pollBefore, await reportReader.poll()));
  parentEnd.close();
  console.log(labels.close);

  console.log(labels.oneWay);
  console.log(fill(labels.readOnly, await thrown(() => reportReader.send({ answered: 0 }))));
  console.log(fill(labels.pollAfter, await reportReader.poll(REPORT_WAIT_MS)));
  console.log(fill(labels.report, (await reportReader.recv()).answered));
  console.log(fill(labels.eof, await thrown(() => reportReader.recv(), false)));
  reportReader.close();
  await child.join();
  console.log(fill(labels.exit, child.exitCode));
}

if (isMain(import.meta)) await main(parseFlags());
