#!/usr/bin/env bash
# The reliability checks of one runtime (README "Reliability"), from the sources: the fault
# matrix (a child ended at every labelled step), queue chaos with random kills (bounded and
# unbounded queues, items that stream through the ring; at least 300 kills and 200k items in
# all, each run killing on past its seconds until it killed 150), lock chaos (tst-robust8 style) and 200 spawn/terminate cycles. Each prints its
# figures; the step fails on any forbidden outcome or when the kills or items fall short.
#   bash scripts/reliability.sh deno|bun|node [--soak MINUTES]
# --soak: queue and lock chaos runs of a minute each, over and over for that long (on-demand
# runs of an hour or more); each run is graded on its own.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=node_modules/.bin
runtime=${1:?usage: scripts/reliability.sh deno|bun|node [--soak MINUTES]}
soak=0
[ "${2:-}" = --soak ] && soak=${3:?--soak takes minutes}

case $runtime in
  deno) run() { "$BIN/deno" run -A "scripts/$1.ts" "${@:2}"; } ;;
  bun) run() { "$BIN/bun" "scripts/$1.ts" "${@:2}"; } ;;
  node) [ -f build/node/scripts/chaos/queue_chaos.js ] || "$BIN/tsc" -p . || exit 1
        run() { node "build/node/scripts/$1.js" "${@:2}"; } ;;
  *) echo "unknown runtime $runtime" >&2; exit 2 ;;
esac

# Seconds of killing per queue-chaos run: Deno starts and ends a child more slowly.
seconds=8
[ "$runtime" = deno ] && seconds=20
rounds=3
seed=${SEED:-$((RANDOM * 32768 + RANDOM))}
failed=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT

figure() { sed -n "s/.* $1=\([0-9]*\).*/\1/p" "$out" | awk '{ s += $1 } END { print s + 0 }'; }

if [ "$soak" -gt 0 ]; then
  echo "soak on $runtime for $soak minutes (seed $seed)"
  ends=$((SECONDS + soak * 60))
  while [ $SECONDS -lt $ends ]; do
    for maxsize in 64 0; do
      run chaos/queue_chaos --seconds 60 --interval 30 --maxsize "$maxsize" --steady 1 --seed "$seed" | tee -a "$out" || failed=1
      seed=$((seed + 1))
    done
    run chaos/lock_chaos --rounds 10 --round-ms 3000 --seed "$seed" || failed=1
  done
  echo "soak $runtime: $(figure kills) kills, $(figure delivered) items delivered, $(grep -c '^FAIL' "$out") failed runs"
  exit $failed
fi

echo "reliability on $runtime (seed $seed; rerun with SEED=$seed)"
run reliability/fault_matrix | grep -v '^ok' || failed=1
: >"$out"
for maxsize in 64 0; do
  run chaos/queue_chaos --seconds "$seconds" --interval 30 --maxsize "$maxsize" --steady 1 --min-items 130000 --min-kills 150 --seed "$seed" \
    | tee -a "$out" || failed=1
done
kills=$(figure kills)
items=$(figure delivered)
echo "queue chaos $runtime: $kills kills, $items items delivered in all (needs >= 300 and >= 200000)"
if [ "$kills" -lt 300 ] || [ "$items" -lt 200000 ]; then failed=1; fi
run chaos/lock_chaos --rounds "$rounds" --round-ms 1500 --seed "$seed" || failed=1
run chaos/spawn_churn --cycles 200 --seed "$seed" || failed=1
exit $failed
