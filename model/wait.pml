/*
 * The waits of src/transport/steps.ts and wait.ts, checked with SPIN: a waiter counts itself
 * in a waiters word, sleeps with Atomics.wait while the cell still holds what it saw, and
 * uncounts itself; a waker changes the cell, then notifies only when the waiters word is
 * above 0 (ring.ts #writeRecord: `if (Atomics.load(control, DATA_WAITERS) > 0) wake(...)`).
 * Atomics.wait is a futex: it sleeps only if the cell still holds `seen` (atomically with
 * joining the wait set), and a notify wakes the sleepers.
 *
 * NWAITERS waiters each wait until the cell reached K; one waker raises it K times.
 * Without SLICES a sleeper wakes only by a notify: once nothing can move, a sleeper whose
 * cell changed since it looked lost its wake-up (Monitor's assert). SLICES: a sleep also ends after a slice (MAX_WAIT_SLICE_MS), at any moment.
 * KILL: the waker may be killed at any step (between its change and its notify too).
 * Expected: no lost wake-up without kills even without slices; with KILL, a lost wake-up
 * without slices (SPIN finds it), none with SLICES (the re-check slice is what recovers).
 */

#ifndef K
#define K 2
#endif
#ifndef NWAITERS
#define NWAITERS 2
#endif

byte cell;                   /* e.g. TAIL */
byte waiters;                /* e.g. DATA_WAITERS */
bool asleep[NWAITERS];       /* in the futex wait set */
byte seenBy[NWAITERS];       /* what each sleeper saw */
bool killed;

proctype Waiter(byte me) {
  byte seen;
  do
  :: seen = cell;                                   /* check the condition: Atomics.load */
     if
     :: seen >= K -> break
     :: else ->
        waiters++;                                  /* Atomics.add(cell, waiters, 1) */
        atomic { if :: cell == seen -> asleep[me] = true; seenBy[me] = seen :: else -> skip fi };   /* Atomics.wait */
#ifdef SLICES
        if
        :: !asleep[me]
        :: atomic { asleep[me] -> asleep[me] = false }   /* the slice ran out */
        fi;
#else
endSleep:
        !asleep[me];                                /* woken by a notify */
#endif
        waiters--                                   /* Atomics.sub(cell, waiters, 1) */
     fi
  od
}

proctype Waker() {
  byte i;
  {
    for (i : 1 .. K) {
      cell++;                                       /* the change (e.g. CAS TAIL) */
      if                                            /* skip notify when nobody waits */
      :: waiters > 0 -> d_step { byte j; for (j : 0 .. NWAITERS - 1) { asleep[j] = false } }   /* Atomics.notify */
      :: else -> skip
      fi
    }
  } unless { killed }
}

/* When nothing can move any more: a sleeper whose cell changed since it looked lost its wake-up. */
active proctype Monitor() {
  byte j;
  timeout -> for (j : 0 .. NWAITERS - 1) { assert(!asleep[j] || cell == seenBy[j]) }
}

active proctype Killer() {
  skip;
#ifdef KILL
  if
  :: killed = true
  :: skip
  fi
#endif
}

init {
  byte i;
  atomic {
    for (i : 0 .. NWAITERS - 1) { run Waiter(i) }
    run Waker()
  }
}
