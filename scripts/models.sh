#!/usr/bin/env bash
# Checks the SPIN models in model/ (see model/README.md): each configuration is compiled and
# explored exhaustively; one line each with states stored, transitions, depth, errors and
# seconds. A configuration marked "expect: violation" documents a hazard the README states:
# it passes when SPIN finds it (and fails if it no longer does, so the README is updated).
#   bash scripts/models.sh          the small scopes (CI, about 1.5 min on 2 cores)
#   bash scripts/models.sh large    larger scopes (on demand: an hour or more, GBs of memory)
set -uo pipefail
cd "$(dirname "$0")/../model"

need() {
  command -v "$1" >/dev/null && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing $2 (apt-get) for the models"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $2; } >/dev/null 2>&1
  fi
  command -v "$1" >/dev/null && return 0
  echo "the models need $1: install it with 'sudo apt-get install -y $2' (Debian/Ubuntu; elsewhere see spinroot.com)" >&2
  exit 1
}
need spin spin
need gcc "gcc libc6-dev"

ROOT=$(mktemp -d)
trap 'rm -rf "$ROOT"' EXIT
MODELS=$PWD
count=0

# check <model> <expect: ok|violation> <pan options> [-D flags...]: two at a time, in the
# background; `report` prints their lines in order.
check() {
  count=$((count + 1))
  while [ "$(jobs -rp | wc -l)" -ge 2 ]; do wait -n; done
  run_check "$ROOT/$count" "$@" >"$ROOT/$count.line" &
}

run_check() {
  local WORK=$1 model=$2 expect=$3 panopts=$4
  shift 4
  local flags="$*"
  local started=$SECONDS
  mkdir -p "$WORK"
  # BITSTATE (large scopes): a bit per state instead of the state (-w sets the bits: 2^w).
  local storage=-DCOLLAPSE
  case " $* " in *" -DBITSTATE "*) storage=-DBITSTATE ;; esac
  (cd "$WORK" && spin -a "$@" "$MODELS/$model.pml" >spin.log 2>&1 &&
    gcc -O1 -w -DSAFETY $storage -DVECTORSZ=4096 -o pan pan.c >gcc.log 2>&1 &&
    ./pan $panopts >pan.log 2>&1)
  local out="$WORK/pan.log"
  local errors stored transitions depth
  errors=$(sed -n 's/.*errors: \([0-9]*\).*/\1/p' "$out" | head -1)
  stored=$(sed -n 's/^ *\([0-9e.+]*\) states, stored.*/\1/p' "$out" | head -1)
  transitions=$(sed -n 's/^ *\([0-9e.+]*\) transitions.*/\1/p' "$out" | head -1)
  depth=$(sed -n 's/.*depth reached \([0-9]*\).*/\1/p' "$out" | head -1)
  local what=${flags:-"(defaults)"}
  local verdict
  if [ -z "$errors" ]; then
    verdict="FAIL (did not run: $(tail -2 "$WORK/spin.log" "$WORK/gcc.log" 2>/dev/null | tr '\n' ' '))"
  elif [ "$expect" = ok ] && [ "$errors" = 0 ]; then
    verdict="ok"
  elif [ "$expect" = violation ] && [ "$errors" != 0 ]; then
    verdict="ok (expected violation found: $(grep -m1 -o 'assertion violated.*\|invalid end state' "$out" | cut -c1-60))"
  else
    verdict="FAIL (expected $expect, errors $errors: $(grep -m1 -o 'assertion violated.*\|invalid end state' "$out" | cut -c1-80))"
  fi
  printf '%-8s %-52s states %10s  transitions %10s  depth %5s  errors %s  %3ss  %s\n' \
    "$model" "$what" "${stored:-?}" "${transitions:-?}" "${depth:-?}" "${errors:-?}" "$((SECONDS - started))" "$verdict"
}

echo "SPIN $(spin -V | head -1 | cut -d' ' -f3) models ($([ "${1:-}" = large ] && echo large || echo small) scopes): exhaustive search, -DSAFETY (assertions and invalid end states)"
if [ "${1:-}" = large ]; then
  check ring ok "-m10000000"
  check ring ok "-m10000000" -DZOMBIE -DGRACE_HOLDS
  # Two consumers: beyond 2e8 states (12 GB exhaustive): bitstate, 2^33 bits (1 GiB).
  check ring ok "-m10000000 -w33" -DNP=2 -DNC=2 -DK=2 -DNS=2 -DBITSTATE
  check ring ok "-m10000000 -w33" -DNP=2 -DNC=2 -DK=2 -DNS=2 -DSTREAM -DBITSTATE
  check ring ok "-m10000000 -w33" -DNP=2 -DNC=2 -DK=2 -DNS=3 -DZOMBIE -DGRACE_HOLDS -DSTREAM -DBITSTATE
  check ring ok "-m10000000" -DNP=3 -DNC=1 -DK=2 -DNS=2 -DMAXKILLS=2
  check semlock ok "-m10000000" -DSEMAPHORE -DMAXV=2
  check semlock ok "-m10000000" -DNPROC=3 -DROUNDS=3 -DMAXKILLS=2
  check wait ok "-m10000000" -DNWAITERS=3 -DK=3 -DKILL -DSLICES
else
  # The ring: 2 producers (a streamed item, then a whole one), 1 consumer, 2 record slots
  # (wraps, fills), 1 kill at any step.
  check ring ok "-m2000000" -DSTREAM
  check ring ok "-m2000000" -DZOMBIE -DGRACE_HOLDS -DSTREAM
  check ring violation "-m2000000" -DZOMBIE
  # The robust lock and semaphore: 3 processes, 2 rounds, 1 kill.
  check semlock ok "-m1000000"
  check semlock ok "-m1000000" -DZOMBIE -DGRACE_HOLDS
  check semlock violation "-m1000000" -DZOMBIE
  check semlock ok "-m1000000" -DSEMAPHORE -DROUNDS=1
  check semlock violation "-m1000000" -DSEMAPHORE -DKILL_IN_LEAK_WINDOW
  # The waits: lost wake-ups with and without the re-check slice.
  check wait ok "-m100000"
  check wait ok "-m100000" -DSLICES
  check wait violation "-m100000" -DKILL
  check wait ok "-m100000" -DKILL -DSLICES
fi
wait
failed=0
for i in $(seq 1 "$count"); do
  cat "$ROOT/$i.line"
  grep -q ' FAIL ' "$ROOT/$i.line" && failed=1
done
if [ $failed != 0 ]; then
  echo "models: FAILED"
  exit 1
fi
echo "models: all configurations as expected (0 errors where none is allowed)"
