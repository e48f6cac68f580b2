/*
 * The robust SemLock of src/transport/semlock.ts (with holder_counts.ts and liveness.ts),
 * checked with SPIN. One statement = one Atomics operation of the real code.
 *
 * MUTEX (default): NPROC processes each take the lock ROUNDS times (semlock.ts #attemptMutex:
 * haltIfEnded, CAS OWNER 0 -> me, or a takeover CAS from an owner that isPidGone; release:
 * haltIfEnded, CAS OWNER me -> 0). Property: never two live holders; no deadlock.
 *
 * SEMAPHORE: a semaphore of MAXV permits used as a resource pool (acquire, then release).
 * #attemptPermit: load VALUE, CAS VALUE v -> v-1, then count the permit held (HolderCounts.add);
 * release: take it off the count (take), then CAS VALUE v -> v+1; a process that ends holding
 * permits has them returned by the next acquirer that finds VALUE 0 (reclaimEnded: CAS pid ->
 * RECLAIMING, exchange count -> 0, CAS VALUE += count, store pid 0). Properties: never more
 * permits in use by live processes than MAXV (no permit handed out twice); at the end, free
 * permits + permits leaked (a reclaimer ended mid-reclaim) == MAXV, with leaks <= kills.
 * KILL_IN_LEAK_WINDOW also kills between the VALUE CAS and the count (HolderCounts.add): the
 * permit is leaked, as semlock.ts documents; with one permit the others then wait for ever
 * (an expected violation: SPIN finds it).
 *
 * Kills: hard (any step), or ZOMBIE (Deno: runs on to its next haltIfEnded; the grace passes
 * only while it waits, as LINGER_GRACE_MS assumes: GRACE_HOLDS).
 */

#ifndef NPROC
#define NPROC 3
#endif
#ifndef ROUNDS
#define ROUNDS 2
#endif
#ifndef MAXKILLS
#define MAXKILLS 1
#endif
#ifndef MAXV
#define MAXV 1
#endif
#define NONE 255
#define RECLAIMING 254

bool alive[NPROC], lingering[NPROC], graceOver[NPROC], confirmed[NPROC], killed[NPROC];
bool inWindow[NPROC];
bool inLeakWindow[NPROC];    /* between taking a permit and recording it (semlock.ts: the documented leak) */
byte kills;
#define GONE(q) (!alive[q] && (!lingering[q] || graceOver[q] || confirmed[q]))
#define CHECK_ENTER(me) atomic { if :: !alive[me] -> confirmed[me] = true; goto halted :: else -> inWindow[me] = true fi }

byte owner = NONE;           /* OWNER */
byte inCS[NPROC];            /* ghost: holds the lock / a permit, in its critical section */
byte value = MAXV;           /* VALUE */
byte held[NPROC];            /* HolderCounts: permits held per process (slot = pid) */
byte slotPid[NPROC];         /* HolderCounts slot pid (pid + 1, RECLAIMING, 0 free) */
byte leaked;                 /* ghost: permits lost in the documented windows */
byte finished;
bool over[NPROC];            /* ghost: this process finished its rounds */

#define RUNNING(q) (!killed[q] && !confirmed[q])
#define LIVE_IN_CS (((RUNNING(0) && inCS[0]) -> 1 : 0) + ((NPROC > 1 && RUNNING(1) && inCS[1]) -> 1 : 0) + ((NPROC > 2 && RUNNING(2) && inCS[2]) -> 1 : 0))

#ifndef SEMAPHORE
proctype Client(byte me) {
  byte r;
  {
    for (r : 1 .. ROUNDS) {
      do                                             /* acquireSync */
      :: CHECK_ENTER(me);
         if
         :: atomic { owner == NONE -> owner = me; break }
         :: atomic { owner != NONE && owner != me && GONE(owner) -> owner = me; break }   /* takeover */
         :: atomic { owner != NONE && !(owner != me && GONE(owner)) -> inWindow[me] = false };
            (owner == NONE || GONE(owner))           /* Atomics.wait on OWNER (slices: re-check) */
         fi
      od;
      atomic { inCS[me] = 1; assert(LIVE_IN_CS <= 1) };   /* mutual exclusion */
      inCS[me] = 0;
      CHECK_ENTER(me);                               /* release: haltIfEnded */
      atomic { inWindow[me] = false;
               if :: owner == me -> owner = NONE     /* CAS OWNER me -> 0 */
                  :: else -> assert(!alive[me]); confirmed[me] = true; goto halted fi }
    }
    atomic { finished++; over[me] = true }
  } unless { killed[me] };
halted: skip
}
#else
/* HolderCounts.#reclaimSlot + SemLock.#returnPermits for every ended holder (reclaimEnded) */
inline reclaimEnded(me) {
  for (q : 0 .. NPROC - 1) {
    if
    :: atomic { slotPid[q] == q + 1 && held[q] > 0 && GONE(q) -> slotPid[q] = RECLAIMING };   /* CAS pid -> RECLAIMING */
       atomic { c = held[q]; held[q] = 0; leaked = leaked + c };                               /* exchange count -> 0 */
       atomic { w = value; value = ((w + c > MAXV) -> MAXV : w + c); leaked = leaked - (value - w) };  /* return (capped) */
       slotPid[q] = 0
    :: else -> skip
    fi
  }
}

proctype Client(byte me) {
  byte r, v, q, c, w;
  {
    for (r : 1 .. ROUNDS) {
      do
      :: CHECK_ENTER(me);
         v = value;                                   /* Atomics.load(VALUE) */
         if
         :: v > 0 ->
            if
            :: atomic { value == v -> value = v - 1; leaked++; inLeakWindow[me] = true } -> break   /* CAS; uncounted until add */
            :: atomic { value != v -> skip }
            fi
         :: v == 0 ->
            reclaimEnded(me);
            atomic { inWindow[me] = false };
            (value > 0 || (slotPid[0] == 1 && GONE(0)) || (slotPid[1] == 2 && GONE(1)) || (NPROC > 2 && slotPid[2] == 3 && GONE(2)))
         fi
      od;
      atomic { slotPid[me] = me + 1; held[me]++; leaked--; inLeakWindow[me] = false };   /* #recordTaken: held.add(1) */
      atomic { inCS[me] = 1; assert(LIVE_IN_CS <= MAXV) };     /* no permit handed out twice */
      inCS[me] = 0;
      CHECK_ENTER(me);                                          /* release: haltIfEnded */
      atomic { held[me]--; leaked++ };                          /* held.take(1) */
      atomic { value++; leaked--; inWindow[me] = false }        /* CAS VALUE v -> v + 1 */
    }
    atomic { finished++; over[me] = true }
  } unless { killed[me] };
halted: skip
}
#endif

#ifdef GRACE_HOLDS
#define GRACE_OK(v) (!inWindow[v])
#else
#define GRACE_OK(v) true
#endif
#define PENDING(v) ((v) < NPROC && lingering[v] && !graceOver[v] && !confirmed[v])
#define CAN_PASS(v) (PENDING(v) && GRACE_OK(v))
#define ANY_PENDING (PENDING(0) || PENDING(1) || PENDING(2))
#define ANY_CAN_PASS (CAN_PASS(0) || CAN_PASS(1) || CAN_PASS(2))

active proctype Killer() {
  byte v;
  do
  :: kills < MAXKILLS ->
     atomic {
       select(v : 0 .. NPROC - 1);
       if
#ifdef KILL_IN_LEAK_WINDOW
       :: alive[v] && !over[v] ->
#else
       :: alive[v] && !over[v] && !inLeakWindow[v] ->
#endif
          alive[v] = false; kills++;
#ifdef ZOMBIE
          lingering[v] = true
#else
          killed[v] = true
#endif
       :: else -> skip
       fi
     }
  :: ANY_CAN_PASS -> atomic { select(v : 0 .. NPROC - 1); if :: CAN_PASS(v) -> graceOver[v] = true :: else -> skip fi }
  :: !ANY_PENDING -> break
  od
}

#ifdef SEMAPHORE
/* At the end (everyone finished or stopped): conservation, leaks bounded by kills. */
active proctype Auditor() {
  byte q, dead;
end:
  atomic {
    finished + kills == NPROC && !ANY_PENDING ->
    dead = 0;
    for (q : 0 .. NPROC - 1) { if :: !alive[q] -> dead = dead + held[q] :: else -> skip fi }
    /* what a later acquirer would return (reclaimEnded) */
    assert(value + dead + leaked == MAXV);
    assert(leaked <= kills)
  }
}
#endif

init {
  byte i;
  atomic {
    for (i : 0 .. NPROC - 1) { alive[i] = true }
    for (i : 0 .. NPROC - 1) { run Client(i) }
  }
}
