/*
 * The shared-memory ring of src/transport/ring.ts with its robust side locks (semlock.ts),
 * per-producer counts (producer_counts.ts) and process table (liveness.ts), checked with SPIN.
 * One Promela statement = one Atomics operation (or one plain store/load of record bytes) of
 * the real code; each step names the code it stands for. Records are counted in slots (the
 * ring holds NS records); a record's header and payload are written in two plain steps, so a
 * reader racing a writer sees a torn record.
 *
 * Processes: NP producers put K items each (a 2-record streamed item when STREAM is defined),
 * NC consumers take items for ever. A killer ends up to MAXKILLS of them at any step:
 *   - hard (Node, Bun, a crash): the process stops between any two statements (`unless`);
 *   - zombie (Deno, ZOMBIE defined): it is marked ended and *runs on* until one of the
 *     library's checks (haltIfEnded), while the others see it end; it is "gone" (its locks may
 *     be taken over) once it confirmed that it stopped, or its grace passed (graceOver).
 *     GRACE_HOLDS: the grace never passes while the zombie is between its log and its
 *     publish (the timing assumption LINGER_GRACE_MS makes); without it the model finds the
 *     one hazard the README states (a late zombie's plain stores into a record published
 *     after the takeover).
 *
 * Properties (asserts): every item is taken at most once (exactly-once with the end check),
 * per-producer FIFO, no torn or phantom record, never two live holders of a side lock, and,
 * once everyone is done or ended, the item count (repairs done) equals the items in the ring.
 * Invalid end states = deadlocks.
 */

#ifndef NP
#define NP 2
#endif
#ifndef NC
#define NC 1
#endif
#ifndef K
#define K 2
#endif
#ifndef NS
#define NS 2
#endif
#ifndef MAXKILLS
#define MAXKILLS 1
#endif

#define NPROC (NP + NC)
#define RANGE (2 * NS)          /* positions wrap at 2*NS: full and empty differ */
#define NONE 255
#define WHOLE 0
#define FIRST 1
#define LAST 3

/* ---- process table (liveness.ts) ---- */
bool alive[NPROC];
bool lingering[NPROC];          /* markPidEnded(pid, mayRunOn = true) */
bool graceOver[NPROC];          /* LINGER_GRACE_MS passed */
bool confirmed[NPROC];          /* confirmStopped() */
bool killed[NPROC];             /* hard stop */
bool inWindow[NPROC];           /* running library code since its last check (haltIfEnded) */
byte kills;
#define GONE(q) (!alive[q] && (!lingering[q] || graceOver[q] || confirmed[q]))   /* isPidGone */
#define HALT_IF_ENDED(me) if :: !alive[me] -> confirmed[me] = true; goto halted :: else -> skip fi

/* ---- ring control words (ring.ts) ---- */
byte headPos, headEp, tailPos, tailEp;       /* HEAD, TAIL: position + epoch in one word */
byte taken;                                  /* TAKEN */
byte takeTgtPos = NONE, takeTgtEp, takeSeen; /* TAKE_TARGET, TAKE_SEEN */
byte pubTgtPos = NONE, pubTgtEp, pubSlot = NONE, pubSeen; /* PUBLISH_TARGET, _SLOT, _SEEN */
byte plock = NONE, clock = NONE;             /* producer / consumer SemLock OWNER (pid) */
byte reserved[NP], published[NP];            /* producer_counts.ts: per-producer counts */

/* ---- records: header (frame, prod, seq) and payload (prod, seq), written in two steps ---- */
typedef Rec { byte fr; byte hp; byte hs; byte pp; byte ps }
Rec rec[NS];

/* ---- ghost state for the properties ---- */
bool got[NP * K];                /* an item taken by a consumer (handed out) */
bool pub[NP * K];                /* an item whose first record was published */
byte lastTaken[NP];              /* per-producer FIFO: seq + 1 of the last taken item */
bool holds[2 * NPROC];           /* who holds a side lock: [0..) producer lock, [NPROC..) consumer lock */
bool finished[NPROC];            /* a producer that put all its items */
bool waitingEmpty[NPROC];        /* a consumer asleep on an empty ring */
byte ndone;                      /* producers that finished */
#define STOPPED(q) (killed[q] || confirmed[q] || finished[q])
#define NO_CONSUMER_LEFT (!alive[NP] && (NC < 2 || !alive[NP + 1]))

inline holding(side, me) {
  /* mutual exclusion: no other live process holds the lock */
  d_step { byte j; for (j : 0 .. NPROC - 1) { assert(j == me || !holds[side * NPROC + j] || !alive[j]) }; holds[side * NPROC + me] = true }
}

inline lockSide(lock, me, tookOver) {
  /* SemLock.#attemptMutex: haltIfEnded; CAS OWNER 0 -> me; else a takeover if the owner is
     gone (isPidGone); else wait until OWNER changes (acquireSync/acquire), and check again */
  tookOver = false;
  do
  :: atomic { if :: !alive[me] -> confirmed[me] = true; goto halted :: else -> inWindow[me] = true fi };
     if
     :: atomic { lock == NONE -> lock = me; break }
     :: atomic { lock != NONE && lock != me && GONE(lock) -> lock = me; tookOver = true; break }
     :: atomic { lock != NONE && !(lock != me && GONE(lock)) -> inWindow[me] = false };
        /* A valid place to stay: e.g. a consumer waiting for the lock of one that sleeps on an
           empty ring nobody writes to any more. (A holder that never lets go would show as its
           own invalid end state, or as the Auditor's.) */
endLock:
        if
        :: (lock == NONE || (lock != me && GONE(lock)))
        :: atomic { me < NP && NO_CONSUMER_LEFT -> finished[me] = true }; goto halted   /* waits for ever */
        fi
     fi
  od
}

inline unlockSide(lock, me) {
  /* SemLock.release: haltIfEnded, then CAS OWNER me -> 0 (fails only for a taken-over zombie) */
  HALT_IF_ENDED(me);
  atomic { inWindow[me] = false; if :: lock == me -> lock = NONE :: else -> assert(!alive[me]); confirmed[me] = true; goto halted fi }
}

inline repairProducer() {
  /* ring.ts #repairProducerSide: count a logged publish, bump TAIL's epoch (a CAS loop) */
  byte rp, re;
  do
  :: atomic { rp = tailPos; re = tailEp };
     if
     :: rp == pubTgtPos && re == pubTgtEp && pubSlot != NONE ->
        atomic { if :: published[pubSlot] == pubSeen -> published[pubSlot]++ :: else -> skip fi }
     :: else -> skip
     fi;
     if
     :: atomic { tailPos == rp && tailEp == re -> tailEp = (re + 1) % 8; break }
     :: atomic { !(tailPos == rp && tailEp == re) -> skip }
     fi
  od;
  pubSlot = NONE
}

inline repairConsumer() {
  /* ring.ts #repairConsumerSide */
  byte rh, rhe;
  do
  :: atomic { rh = headPos; rhe = headEp };
     if
     :: rh == takeTgtPos && rhe == takeTgtEp ->
        atomic { if :: taken == takeSeen -> taken++ :: else -> skip fi }
     :: else -> skip
     fi;
     if
     :: atomic { headPos == rh && headEp == rhe -> headEp = (rhe + 1) % 8; break }
     :: atomic { !(headPos == rh && headEp == rhe) -> skip }
     fi
  od
}

inline writeRecord(me, s, kind) {
  /* ring.ts #writeRecord */
  byte t, te, seen;
  atomic { t = tailPos; te = tailEp };                       /* Atomics.load(TAIL) */
  seen = published[me];                                      /* this.#counts.published(slot) */
  atomic { pubTgtPos = (t + 1) % RANGE; pubTgtEp = te }     /* store PUBLISH_TARGET */
  if :: kind != LAST -> pubSlot = me; pubSeen = seen :: else -> skip fi      /* PUBLISH_SLOT, _SEEN */
  atomic { rec[t % NS].fr = kind; rec[t % NS].hp = me; rec[t % NS].hs = s };  /* header (plain) */
  atomic { rec[t % NS].pp = me; rec[t % NS].ps = s };       /* payload (#copyIn, plain) */
  if                                                         /* CAS TAIL tail -> target */
  :: atomic { tailPos == t && tailEp == te -> tailPos = (t + 1) % RANGE;
              if :: kind != LAST -> pub[me * K + s] = true :: else -> skip fi }
  :: atomic { !(tailPos == t && tailEp == te) };
     assert(!alive[me]); confirmed[me] = true; goto halted   /* haltEndedProducer */
  fi;
  if                                                         /* CAS the published count */
  :: kind != LAST ->
     if
     :: atomic { published[me] == seen -> published[me]++ }
     :: atomic { published[me] != seen -> skip }; assert(!alive[me]); confirmed[me] = true; goto halted
     fi
  :: else -> skip
  fi
}

inline waitRoom(me) {
  /* writeSome: room now (#free), or the feeder waits for HEAD to move, back in its event loop
     (where Deno ends a terminated thread), and checks when it wakes (runAsync, haltIfEndedAsync) */
  if
  :: atomic { ((tailPos + RANGE - headPos) % RANGE) < NS -> skip }
  :: atomic { ((tailPos + RANGE - headPos) % RANGE) == NS -> inWindow[me] = false };
     do
     :: atomic { ((tailPos + RANGE - headPos) % RANGE) < NS -> break }
     :: atomic { NO_CONSUMER_LEFT -> finished[me] = true }; goto halted   /* nobody will make room: it waits for ever */
     od;
     atomic { if :: !alive[me] -> confirmed[me] = true; goto halted :: else -> inWindow[me] = true fi }
  fi
}

proctype Producer(byte me) {
  byte s; bool tookOver;
  {
    s = 0;
    do
    :: s < K ->
       reserved[me]++;                                       /* tryReserve: Atomics.add(reserved) */
       lockSide(plock, me, tookOver);
       holding(0, me);
       if :: tookOver -> repairProducer() :: else -> skip fi;
#ifdef STREAM
       if
       :: s == 0 -> waitRoom(me); writeRecord(me, s, FIRST); waitRoom(me); writeRecord(me, s, LAST)
       :: else -> waitRoom(me); writeRecord(me, s, WHOLE)
       fi;
#else
       waitRoom(me); writeRecord(me, s, WHOLE);
#endif
       holds[me] = false;
       unlockSide(plock, me);
       s++
    :: else -> break
    od;
    atomic { ndone++; finished[me] = true }
  } unless { killed[me] };
halted: skip
}

proctype Consumer(byte me) {
  byte h, he, tk, f, p, sq; bool tookOver, assembling; byte ap, as;
  {
    do
    :: lockSide(clock, me, tookOver);
       holding(1, me);
       if :: tookOver -> repairConsumer() :: else -> skip fi;
       assembling = false;
pump:  atomic { h = headPos; he = headEp };                  /* Atomics.load(HEAD) */
       if
       :: atomic { h == tailPos ->                           /* empty: the abandon check, then wait */
            if :: assembling && (plock == NONE || !alive[plock]) -> assembling = false :: else -> skip fi }
          if
          :: !assembling ->                                   /* #readSteps: wait on TAIL, lock held */
             waitingEmpty[me] = true;
endWait:     (h != tailPos || !alive[me]);
             waitingEmpty[me] = false
          :: else -> (h != tailPos || !alive[me] || plock == NONE || !alive[plock])  /* a slice */
          fi;
          HALT_IF_ENDED(me); goto pump
       :: else
       fi;
       atomic { f = rec[h % NS].fr; p = rec[h % NS].hp; sq = rec[h % NS].hs };   /* header */
       /* payload: a record published by its producer and not written since (no torn read) */
       atomic { assert(rec[h % NS].pp == p && rec[h % NS].ps == sq) };
       if
       :: f == WHOLE || f == FIRST ->
          assert(pub[p * K + sq]);                           /* published: no phantom */
          tk = taken;                                        /* Atomics.load(TAKEN) */
          atomic { takeTgtPos = (h + 1) % RANGE; takeTgtEp = he };   /* store TAKE_TARGET */
          takeSeen = tk;                                     /* store TAKE_SEEN */
       :: else -> skip
       fi;
       if                                                    /* CAS HEAD head -> target */
       :: atomic { headPos == h && headEp == he -> headPos = (h + 1) % RANGE;
            if
            :: f == WHOLE || f == FIRST ->
               assert(!got[p * K + sq]); got[p * K + sq] = true;      /* exactly once */
               assert(sq + 1 > lastTaken[p]); lastTaken[p] = sq + 1   /* per-producer FIFO */
            :: else -> skip
            fi }
       :: atomic { !(headPos == h && headEp == he) }; assert(!alive[me]); confirmed[me] = true; goto halted
       fi;
       if                                                    /* CAS TAKEN seen -> seen + 1 */
       :: f == WHOLE || f == FIRST ->
          if
          :: atomic { taken == tk -> taken++ }
          :: atomic { taken != tk }; assert(!alive[me]); confirmed[me] = true; goto halted
          fi
       :: else -> skip
       fi;
       if
       :: f == FIRST -> assembling = true; ap = p; as = sq; goto pump
       :: f == LAST && assembling -> assert(p == ap && sq == as); assembling = false
       :: f == LAST && !assembling -> goto pump               /* the rest of an item handed out before */
       :: f == WHOLE -> assembling = false
       fi;
       holds[NPROC + me] = false;
       unlockSide(clock, me)
    od
  } unless { killed[me] };
halted: skip
}

/* Ends processes at any step: hard, or (ZOMBIE) as Deno does; the grace passes some time after. */
#ifdef GRACE_HOLDS
#define GRACE_OK(v) (!inWindow[v])
#else
#define GRACE_OK(v) true
#endif
#define PENDING(v) ((v) < NPROC && lingering[v] && !graceOver[v] && !confirmed[v])
#define CAN_PASS(v) (PENDING(v) && GRACE_OK(v))
#define ANY_PENDING (PENDING(0) || PENDING(1) || PENDING(2) || PENDING(3) || PENDING(4))
#define ANY_CAN_PASS (CAN_PASS(0) || CAN_PASS(1) || CAN_PASS(2) || CAN_PASS(3) || CAN_PASS(4))

active proctype Killer() {
  byte v;
  do
  :: kills < MAXKILLS ->
     atomic {
       select(v : 0 .. NPROC - 1);
       if
       :: alive[v] && !finished[v] ->
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
  :: !ANY_PENDING -> break          /* no more kills; every grace passed */
  od
}

/*
 * Once every producer finished or stopped and every consumer sleeps on an empty ring or
 * stopped: what itemCount() computes (after taking over the side locks of stopped processes,
 * which repairs them) must equal the items in the ring, and every item published and not in
 * the ring must have been taken (no loss but what a killed consumer had taken).
 */
active proctype Auditor() {
  byte i, n, pos, sum, npub, ngot, unpublished;
end:  /* a run that never gets quiet (a producer waits for room nobody makes) has nothing to audit */
  atomic {
    (finished[0] || STOPPED(0)) && (NP < 2 || finished[1] || STOPPED(1)) && (NP < 3 || finished[2] || STOPPED(2)) &&
    (waitingEmpty[NP] || STOPPED(NP)) && (NC < 2 || waitingEmpty[NP + 1] || STOPPED(NP + 1)) ->
    /* #takeOverAbandonedLocks: the repairs a takeover runs (nobody else acts any more) */
    if
    :: plock != NONE && STOPPED(plock) && tailPos == pubTgtPos && tailEp == pubTgtEp && pubSlot != NONE &&
       published[pubSlot] == pubSeen -> published[pubSlot]++
    :: else -> skip
    fi;
    if
    :: clock != NONE && STOPPED(clock) && headPos == takeTgtPos && headEp == takeTgtEp && taken == takeSeen -> taken++
    :: else -> skip
    fi;
    n = 0; pos = headPos;
    do
    :: pos != tailPos -> if :: rec[pos % NS].fr != LAST -> n++ :: else -> skip fi; pos = (pos + 1) % RANGE
    :: else -> break
    od;
    sum = 0; unpublished = 0;
    for (i : 0 .. NP - 1) {
      if
      :: !GONE(i) -> sum = sum + reserved[i]; unpublished = unpublished + reserved[i] - published[i]
      :: else -> sum = sum + published[i]
      fi
    }
    /* the count: the items in the ring, and those a producer that runs has not written yet */
    assert(sum - taken == n + unpublished);
    npub = 0; ngot = 0;
    for (i : 0 .. NP * K - 1) { if :: pub[i] -> npub++ :: else fi; if :: got[i] -> ngot++ :: else fi }
    assert(npub - ngot == n);                     /* nothing published was lost */
  }
}

init {
  byte i;
  atomic {
    for (i : 0 .. NPROC - 1) { alive[i] = true }
    for (i : 0 .. NP - 1) { run Producer(i) }
    for (i : NP .. NPROC - 1) { run Consumer(i) }
  }
}
