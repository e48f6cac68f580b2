// Shared memory by name: Python's _TestSharedMemory (B1-B12 of the parity notes), ported.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  FileExistsError,
  FileNotFoundError,
  IndexError,
  KeyError,
  OSError,
  Process,
  Queue,
  ShareableList,
  SharedMemory,
  ValueError,
} from "../mod.ts";
import { decode, encode, setNameGenerator } from "../src/internals.ts";
import {
  attachAndWrite,
  createAndWait,
  setLastItem,
  TARGETS_MODULE,
  writeFromQueue,
  writeThroughHandle,
} from "./fixtures/shared_memory_targets.ts";
import { lines, runScript } from "./_helpers.ts";

/** Python's pickle round trip: the value through the codec, as any message carries it. */
function pickled<T>(value: T): T {
  return decode<T>(encode(value).slice());
}

const text = (bytes: Uint8Array, length: number) => new TextDecoder().decode(bytes.subarray(0, length));

/** Runs `fn` with the name generator returning `names` first (Python's tests mock `_make_filename`). */
function withNames<T>(names: string[], fn: (calls: () => number) => T): T {
  let calls = 0;
  const original = setNameGenerator(() => {
    calls++;
    return names.shift() ?? original();
  });
  try {
    return fn(() => calls);
  } finally {
    setNameGenerator(original);
  }
}

test("attaching a name with an embedded NUL is a ValueError, as in Python", () => {
  const shm = new SharedMemory({ create: true, size: 8 });
  assert.throws(() => new SharedMemory(`${shm.name}\0a`), { name: "ValueError", message: /null character/ });
  shm.unlink();
});

test("SharedMemory basics: name, size, repr, shared bytes, attach ignores size (Python's test_shared_memory_basics)", () => {
  const shm = new SharedMemory({ name: "test01_tsmb", create: true, size: 512 });
  try {
    assert.equal(shm.name, "test01_tsmb");
    assert.ok(shm.size >= 512);
    assert.ok(shm.buf.length >= shm.size);
    assert.equal(String(shm), "SharedMemory('test01_tsmb', size=512)");
    shm.buf[0] = 42;
    const same = new SharedMemory("test01_tsmb");
    assert.equal(same.buf[0], 42, "a second attach sees the first's write");
    const sized = new SharedMemory({ name: "test01_tsmb", size: 20 * 512 });
    assert.ok(sized.size < 20 * 512, "attaching uses the block's own size");
    same.close();
    assert.throws(() => same.buf, { name: "ValueError", message: /closed/ });
    assert.equal(shm.buf[0], 42, "closing one handle leaves the others");
    assert.throws(() => new SharedMemory({ name: "test01_tsmb", create: true, size: 8 }), FileExistsError);
    assert.throws(() => new SharedMemory("test01_notthere"), FileNotFoundError);
    assert.throws(() => new SharedMemory({ create: false }), { name: "ValueError", message: "'name' can only be None if create=True" });
  } finally {
    shm.unlink();
  }
  assert.throws(() => shm.unlink(), FileNotFoundError, "a second unlink is a FileNotFoundError");
  assert.equal(shm.buf[0], 42, "an unlinked block stays usable through open handles");
  assert.throws(() => new SharedMemory("test01_tsmb"), { name: "FileNotFoundError", message: /No such file or directory: 'test01_tsmb'/ });
});

test("FileExistsError and FileNotFoundError are OSErrors with Python's fields: errno, strerror, filename", () => {
  const shm = new SharedMemory({ name: "test_oserror_fields", create: true, size: 8 });
  try {
    assert.throws(() => new SharedMemory({ name: "test_oserror_fields", create: true, size: 8 }), (error: FileExistsError) => {
      assert.ok(error instanceof FileExistsError && error instanceof OSError);
      assert.deepEqual([error.errno, error.strerror, error.filename], [17, "File exists", "test_oserror_fields"]);
      return true;
    });
  } finally {
    shm.unlink();
  }
  assert.throws(() => shm.unlink(), (error: FileNotFoundError) => {
    assert.ok(error instanceof FileNotFoundError && error instanceof OSError);
    assert.deepEqual([error.errno, error.strerror, error.filename], [2, "No such file or directory", "test_oserror_fields"]);
    return true;
  });
});

test("a new block whose generated name is taken silently takes the next name (Python's test_shared_memory_recreate)", () => {
  const first = new SharedMemory({ create: true, size: 8 });
  const second = withNames([first.name, "test_recreate_b"], (calls) => {
    const shm = new SharedMemory({ create: true, size: 8 });
    assert.equal(calls(), 2);
    return shm;
  });
  assert.equal(second.name, "test_recreate_b");
  first.unlink();
  second.unlink();
});

test("a size that is not a positive integer is refused with Python's ValueError (test_invalid_shared_memory_creation)", () => {
  assert.throws(() => new SharedMemory({ create: true, size: -1 }), { name: "ValueError", message: "'size' must be a positive integer" });
  assert.throws(() => new SharedMemory({ create: true, size: 0 }), {
    name: "ValueError",
    message: "'size' must be a positive number different from zero",
  });
  assert.throws(() => new SharedMemory({ create: true }), ValueError);
  assert.throws(() => new SharedMemory({ create: true, size: 1.5 }), { name: "ValueError", message: "'size' must be a positive integer" });
  assert.throws(() => new SharedMemory({ create: true, size: "8" as unknown as number }), TypeError);
  assert.throws(() => new SharedMemory({ name: "", create: true, size: 8 }), ValueError);
});

test("a SharedMemory handle travels by name and shares its bytes both ways (test_shared_memory_pickle_unpickle)", () => {
  const shm = new SharedMemory({ create: true, size: 16 });
  shm.buf.set(new TextEncoder().encode("pickle"));
  const copy = pickled(shm);
  assert.notEqual(copy, shm);
  assert.equal(copy.name, shm.name);
  assert.equal(text(copy.buf, 6), "pickle");
  copy.buf.set(new TextEncoder().encode("newval"));
  assert.equal(text(shm.buf, 6), "newval");
  shm.buf.set(new TextEncoder().encode("oldval"));
  assert.equal(text(copy.buf, 6), "oldval");
  shm.unlink();
  // test_shared_memory_pickle_unpickle_dead_object
  shm.close();
  assert.throws(() => pickled(shm), FileNotFoundError);
});

test("a child attaches by name, or through the handle it was given, and the parent sees its writes (test_shared_memory_across_processes)", async () => {
  const shm = new SharedMemory({ create: true, size: 16 });
  const byName = new Process({ target: attachAndWrite, args: [shm.name, "howdy"], module: TARGETS_MODULE });
  byName.start();
  await byName.join();
  assert.equal(byName.exitCode, 0);
  assert.equal(text(shm.buf, 5), "howdy");
  const byHandle = new Process({ target: writeThroughHandle, args: [shm, "HELLO"], module: TARGETS_MODULE });
  byHandle.start();
  await byHandle.join();
  assert.equal(byHandle.exitCode, 0);
  assert.equal(text(shm.buf, 5), "HELLO");
  shm.unlink();
});

test("a block made by a child that was terminated stays attachable until unlinked (test_shared_memory_cleaned_after_process_termination, adapted)", async () => {
  const names = new Queue<string>();
  const child = new Process({ target: createAndWait, args: ["left behind", names], module: TARGETS_MODULE });
  child.start();
  const name = await names.get({ timeout: 30_000 });
  child.terminate();
  await child.join();
  const shm = new SharedMemory(name);
  assert.equal(text(shm.buf, 11), "left behind");
  shm.unlink();
  assert.throws(() => new SharedMemory(name), FileNotFoundError);
});

test("a program whose first use of names is in a grandchild starts the registry then (the names reach every process)", async () => {
  const result = await runScript("tests/fixtures/shared_memory_targets.ts");
  assert.equal(result.stderr, "");
  assert.deepEqual(lines(result), ["from below"]);
  assert.equal(result.status, 0);
});

const SAMPLE = () => ["howdy", new TextEncoder().encode("HoWdY"), -273.154, 100, null, true, 42];

test("ShareableList basics: formats, reads, writes, count and index (Python's test_shared_memory_ShareableList_basics)", () => {
  const sl = new ShareableList(SAMPLE());
  try {
    assert.ok(String(sl).includes(sl.shm.name));
    assert.ok(String(sl).includes("['howdy', b'HoWdY', -273.154, 100, None, True, 42]"));
    assert.throws(() => sl[7], IndexError);
    assert.throws(() => sl.get(7), { name: "IndexError", message: "index out of range" });
    assert.throws(() => (sl[7] = 2), { name: "IndexError", message: "assignment index out of range" });
    sl[0] = "howdy";
    assert.equal(sl.format, "8s8sdqxxxxxx?xxxxxxxx?q", "re-assigning a string keeps its format");
    assert.equal(sl.length, 7);
    assert.throws(() => sl.index("100"), { name: "ValueError", message: "'100' not in this container" });
    assert.equal(sl.index(100), 3);
    assert.equal(sl[0], "howdy");
    assert.equal(sl[-2], true);
    assert.deepEqual([...sl], SAMPLE());
    sl[3] = 42;
    sl[4] = "some";
    assert.equal(sl.format, "8s8sdq8sxxxxxxx?q");
    assert.throws(() => (sl[4] = "far too many"), { name: "ValueError", message: /exceeds available storage/ });
    assert.equal(sl[4], "some", "a refused write leaves the item");
    assert.equal(sl.count(42), 2);
    assert.equal(sl.count(new TextEncoder().encode("HoWdY")), 1);
    assert.equal(sl.count(new TextEncoder().encode("adios")), 0);
    // An independent copy under a new name.
    const copy = new ShareableList(sl, { name: "test03_duplicate" });
    try {
      assert.notEqual(copy.shm.name, sl.shm.name);
      assert.equal(copy.shm.name, "test03_duplicate");
      assert.deepEqual([...copy], [...sl]);
      assert.equal(copy.format, sl.format);
      copy[-1] = 77;
      assert.equal(sl[-1], 42, "writes to the copy do not show in the original");
    } finally {
      copy.shm.unlink();
    }
    sl[0] = "encodés"; // 8 UTF-8 bytes: fits the 8 bytes of 'howdy'
    assert.equal(sl[0], "encodés");
    assert.deepEqual(sl[1], new TextEncoder().encode("HoWdY"), "without spilling into the next item");
    assert.throws(() => (sl[0] = "encodées"), ValueError, "9 UTF-8 bytes do not fit");
    assert.throws(() => (sl[1] = new TextEncoder().encode("123456789")), ValueError);
    const attached = new ShareableList(null, { name: sl.shm.name });
    attached[-1] = 880;
    assert.equal(sl[-1], 880, "an attached handle's write is seen by the original");
  } finally {
    sl.shm.unlink();
  }
  const empty = new ShareableList([]);
  assert.equal(empty.length, 0);
  assert.equal(empty.format, "");
  assert.equal(empty.count("any"), 0);
  assert.throws(() => empty.index(null), ValueError);
  empty.shm.unlink();
});

test("ShareableList keeps trailing NUL bytes and sizes strings in UTF-8 bytes (unlike Python, gh-96779, gh-145261)", () => {
  const sl = new ShareableList(["a\0\0", new Uint8Array([1, 0, 0]), "日本語"]);
  assert.equal(sl[0], "a\0\0");
  assert.deepEqual(sl[1], new Uint8Array([1, 0, 0]));
  assert.equal(sl[2], "日本語");
  assert.equal(sl.format, "8s8s16s", "9 UTF-8 bytes take 16");
  sl.shm.unlink();
});

test("ShareableList holds bigints as bigints and refuses a value it cannot hold before creating anything (KeyError, as Python)", () => {
  const sl = new ShareableList([2n ** 62n, -1n, 2 ** 60, 0.5]);
  assert.deepEqual([...sl], [2n ** 62n, -1n, 2 ** 60, 0.5]);
  assert.equal(sl.format, "qqdd");
  sl[2] = 7n;
  assert.equal(sl[2], 7n);
  assert.throws(() => (sl[0] = [1] as never), { name: "KeyError", message: /value is a Array, which a ShareableList cannot hold/ });
  sl.shm.unlink();
  withNames([], (calls) => {
    assert.throws(() => new ShareableList([1, undefined as never]), { name: "KeyError", message: /values\[1\] is undefined/ });
    assert.throws(() => new ShareableList([{}] as never), KeyError);
    assert.throws(() => new ShareableList([2n ** 64n]), { name: "ValueError", message: /64-bit/ });
    assert.equal(calls(), 0, "no block was created");
  });
  assert.throws(() => ((sl as unknown as Record<string, number>).other = 1), TypeError, "no plain property is set silently");
});

test("a ShareableList travels by name, whatever its length, and writes are shared both ways (test_shared_memory_ShareableList_pickling)", () => {
  const sl = new ShareableList(Array.from({ length: 10 }, (_, i) => i));
  sl[4] = "changed";
  const copy = pickled(sl);
  assert.equal(copy.shm.name, sl.shm.name);
  assert.equal(copy[4], "changed");
  copy[3] = "newvalue";
  assert.equal(sl[3], "newvalue");
  const long = new ShareableList(Array.from({ length: 400 }, (_, i) => i));
  assert.equal(encode(long).length, encode(sl).length, "only the name travels");
  long.shm.unlink();
  sl.shm.unlink();
  // test_shared_memory_ShareableList_pickling_dead_object
  assert.throws(() => pickled(sl), FileNotFoundError);
});

test("a SharedMemory handle crosses in a queue item and attaches where it arrives", async () => {
  const shm = new SharedMemory({ create: true, size: 16 });
  const handles = new Queue<SharedMemory>();
  const child = new Process({ target: writeFromQueue, args: [handles, "queued"], module: TARGETS_MODULE });
  child.start();
  await handles.put(shm);
  await child.join();
  assert.equal(child.exitCode, 0);
  assert.equal(text(shm.buf, 6), "queued");
  shm.unlink();
});

test("a ShareableList name crosses in a queue and a child writes through it", async () => {
  const sl = new ShareableList([1, 2, 3]);
  const names = new Queue<string>();
  const child = new Process({ target: setLastItem, args: [names, 99], module: TARGETS_MODULE });
  child.start();
  await names.put(sl.shm.name);
  await child.join();
  assert.equal(child.exitCode, 0);
  assert.equal(sl[-1], 99);
  sl.shm.unlink();
});
