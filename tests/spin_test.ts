import { test } from "node:test";
import assert from "node:assert/strict";
import { AdaptiveSpin } from "../src/transport/spin.ts";

/** A `ready` that never turns true and counts how often it was asked. */
function neverReady(): { ready: () => boolean; calls: () => number } {
  let calls = 0;
  return { ready: () => (calls++, false), calls: () => calls };
}

/** Blocks the thread for `ms` (stands in for a sleep in `Atomics.wait`). */
function sleepFor(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Runs `attempt` until it passes, at most 5 times: a near miss means "woken within a quarter
 * millisecond", which a loaded machine may stretch by preempting the test between two lines.
 */
function passesOnce(attempt: () => void): void {
  for (let i = 1; ; i++) {
    try {
      return attempt();
    } catch (error) {
      if (i === 5) throw error;
    }
  }
}

/** How long one missed spin lasts, in ms. */
function spinLength(spin: AdaptiveSpin): number {
  const start = performance.now();
  assert.equal(spin.spinUntil(() => false, Infinity), false);
  return performance.now() - start;
}

test("a spin returns true as soon as what it waits for is ready", () => {
  let calls = 0;
  const spin = new AdaptiveSpin(1000);
  const start = performance.now();
  assert.equal(spin.spinUntil(() => ++calls === 5, Infinity), true);
  assert.equal(calls, 5);
  assert.ok(performance.now() - start < 500, "it did not spin out its budget");
});

test("a spin stops at the deadline even with budget left", () => {
  const spin = new AdaptiveSpin(10_000);
  const start = performance.now();
  assert.equal(spin.spinUntil(() => false, start + 2), false);
  const spun = performance.now() - start;
  assert.ok(spun >= 2 && spun < 1000, `spun ${spun} ms`);
});

test("a spinner whose spins keep missing skips spinning (the other side has no core), until one catches", () => passesOnce(() => {
  const spin = new AdaptiveSpin(0.02);
  const probe = neverReady();
  for (let i = 0; i < 8; i++) {
    spin.spinUntil(probe.ready, Infinity);
    sleepFor(5);
    spin.sleptUntilReady(); // a long sleep: a miss
  }
  const asked = probe.calls();
  assert.equal(spin.spinUntil(probe.ready, Infinity), false);
  assert.equal(probe.calls(), asked, "skipped: ready was not asked");
}));

test("a near miss of a short spin makes the next spin last the whole cap, never longer", () => passesOnce(() => {
  const spin = new AdaptiveSpin(0.5);
  for (let i = 0; i < 40; i++) assert.equal(spin.spinUntil(() => true, Infinity), true); // catches at once
  assert.ok(spinLength(spin) < 0.5, "the budget followed the catches down");
  spin.sleptUntilReady(); // woken at once: the message came just after the spin gave up
  const length = spinLength(spin);
  assert.ok(length >= 0.5 && length < 50, `spun ${length} ms`);
}));
