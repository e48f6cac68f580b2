// Scenario 6, `pipe`, run as the user runs it: the example as a program.
import { test } from "node:test";
import assert from "node:assert/strict";
import { answerTo } from "../examples/pipe.ts";
import { lines, runScript } from "./_helpers.ts";

test("pipe: a duplex exchange, end-of-file for the child, then a one-way report watched with poll()", async () => {
  const result = await runScript("examples/pipe.ts", [], 60_000);
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stderr, "");
  assert.deepEqual(lines(result), [
    "== 双向管道 Pipe() ==",
    '父进程发送: "hello"',
    '父进程收到: "HELLO"',
    '父进程发送: "pipe"',
    '父进程收到: "PIPE"',
    "父进程发送: [1,2,3,4]",
    "父进程收到: 10",
    "单向管道 poll(): false (子进程还没有写报告)",
    "父进程关闭自己的一端 → 子进程 recv() 得到 EOFError",
    "== 单向管道 Pipe(false) ==",
    "读端 send(): OSError: connection is read-only",
    "单向管道 poll(5 秒): true",
    "子进程的报告: 回答了 3 条消息, 然后收到 EOFError",
    "再次 recv(): EOFError (写端都已关闭)",
    "子进程退出码: 0",
  ]);
});

test("pipe --lang en prints the same exchange with English labels", async () => {
  const result = await runScript("examples/pipe.ts", ["--lang", "en"], 60_000);
  assert.equal(result.status, 0, result.stderr);
  assert.deepEqual(lines(result), [
    "== duplex Pipe() ==",
    'parent sent: "hello"',
    'parent received: "HELLO"',
    'parent sent: "pipe"',
    'parent received: "PIPE"',
    "parent sent: [1,2,3,4]",
    "parent received: 10",
    "one-way poll(): false (the child has not written its report yet)",
    "the parent closes its end → the child's recv() gets EOFError",
    "== one-way Pipe(false) ==",
    "reading end send(): OSError: connection is read-only",
    "one-way poll(5 s): true",
    "the child's report: answered 3 messages, then got EOFError",
    "recv() again: EOFError (every writing end is closed)",
    "child exit code: 0",
  ]);
});

test("the child answers a string in capitals and an array by its sum", () => {
  assert.equal(answerTo("abc"), "ABC");
  assert.equal(answerTo([1, 2, 3]), 6);
});
