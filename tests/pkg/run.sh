#!/usr/bin/env bash
# `make test-pkg` (after `make pkg`): the packed npm package, installed by name in a fresh scratch
# project (tests/artifacts/scratch), runs the behaviour suite (suite.mjs) against one fake EvoLink
# server in Node ESM and CJS, Deno, workerd (at its current compatibility date and two older ones),
# Chromium (plain page + Web Worker, Vite build), and its types go through tsc, with every JS/TS
# example of README.md and of the package's README (src/js/README.md). Prints
# "<runtime>: N passed, M failed" per runtime (names: lower case, digits, dashes, e.g.
# workerd-2023-05-18) and, last, "pkg: N passed, M failed"; exits 1 on any failure or any runtime
# that did not report.
#
# Files here: package.test.mjs (the tarball's files, manifest and README), report.mjs (summary
# lines), chromium.mjs (playwright launcher); per runtime:
# node-esm.test.mjs (+ node-process.test.mjs: Node-only checks), node-cjs.test.cjs, deno.test.mjs,
# workerd.run.mjs (+ workerd-worker.mjs, workerd.capnp), browser.run.mjs (+ browser/),
# vite.run.mjs (+ vite/), tsc.run.mjs (+ tsc/), readme-snippets.mjs (writes readme/ there),
# trap.run.sh (+ trap.test.mjs: a test build that traps on purpose, run against its own glue). What
# imports 'evolink-tasks' is copied into the scratch project (users import it by name); the
# *.run.mjs drivers and readme-snippets.mjs run from here.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE=$ROOT/tests/pkg
BIN=$ROOT/node_modules/.bin
SCRATCH=$ROOT/tests/artifacts/scratch
export DENO_DIR=$SCRATCH/.deno DENO_NO_UPDATE_CHECK=1 NO_COLOR=1

[[ -f $ROOT/pkg/evolink_tasks.wasm ]] || { echo "pkg/ is not built: run make pkg" >&2; exit 1; }

echo "--> packing pkg/ and installing the tarball in ${SCRATCH#"$ROOT"/}"
rm -rf "$SCRATCH"
mkdir -p "$SCRATCH/logs"
cd "$SCRATCH"
tarball=$(timeout 60 npm pack "$ROOT/pkg" --pack-destination . --silent)
echo '{ "name": "evolink-tasks-consumer", "private": true, "type": "module" }' > package.json
timeout 60 npm install --offline --no-audit --no-fund --loglevel=error "./$tarball"
cp "$HERE"/{package.test.mjs,suite.mjs,report.mjs,node-esm.test.mjs,node-process.test.mjs,node-cjs.test.cjs,deno.test.mjs} .
cp -r "$HERE"/{workerd-worker.mjs,workerd.capnp,browser,vite,tsc} .
mkdir fake-server && cp "$ROOT"/tests/fake-server/*.mjs fake-server/ # for node-process.test.mjs

echo "--> starting the fake server"
source "$ROOT/tests/fake-server/start.sh"
trap 'kill "${FAKE_PID:-}" 2>/dev/null || true; wait "${FAKE_PID:-}" 2>/dev/null || true' EXIT
trap 'exit 130' INT TERM
start_fake_server logs/fake-server.log --static "/=$SCRATCH" || exit 1
export BASE
echo "    $BASE"

passed=0 failed=0 not_run=()
# step NAME SECONDS COMMAND...: runs COMMAND in the scratch project and adds up the summary lines
# it prints ("<runtime>: N passed, M failed"), or, for a node:test run, its "# pass/# fail" lines.
step() {
  local name=$1 seconds=$2 log=logs/$1.log rc
  shift 2
  echo "--> $name: $*"
  set +e
  timeout -k 10 "$seconds" "$@" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  set -e
  if ! grep -qE '^[a-z0-9-]+: [0-9]+ passed, [0-9]+ failed$' "$log" && grep -q '^# pass ' "$log"; then
    echo "$name: $(sed -n 's/^# pass //p' "$log") passed, $(sed -n 's/^# fail //p' "$log") failed" | tee -a "$log"
  fi
  local lines
  lines=$(grep -E '^[a-z0-9-]+: [0-9]+ passed, [0-9]+ failed$' "$log" || true)
  if [[ -z $lines ]]; then
    if ((rc == 124)); then not_run+=("$name (timed out after $seconds s)"); else not_run+=("$name (exit $rc)"); fi
    return
  fi
  while read -r _ p _ f _; do
    passed=$((passed + p)) failed=$((failed + f))
  done <<< "$lines"
  if ((rc != 0)) && ! grep -qE ' [1-9][0-9]* failed$' <<< "$lines"; then
    not_run+=("$name (exit $rc after reporting no failure)")
  fi
}

step package 60 env TARBALL="$tarball" node --test --test-reporter=tap package.test.mjs
step node-esm 120 node --test --test-reporter=tap --unhandled-rejections=strict node-esm.test.mjs
step node-process 180 env ESBUILD="$BIN/esbuild" node --test --test-reporter=tap --unhandled-rejections=strict node-process.test.mjs
step node-cjs 120 node --unhandled-rejections=strict node-cjs.test.cjs
# No --allow-read: the Node entry Deno uses carries the wasm inside.
step deno 120 "$BIN/deno" run --no-prompt --cached-only --allow-net=127.0.0.1 deno.test.mjs "$BASE"
# The suite once per compatibility date (three dates, about 30 s each).
step workerd 300 node "$HERE/workerd.run.mjs" "$SCRATCH" "$BASE"
step chromium 180 node "$HERE/browser.run.mjs" "$BASE"
step vite 180 node "$HERE/vite.run.mjs" "$SCRATCH" "$BASE"
step tsc 120 node "$HERE/tsc.run.mjs" "$SCRATCH"
# A trap provoked on purpose in a test build (cargo --features trap-test) rejects every pending call.
step trap 300 "$HERE/trap.run.sh"
step readme 120 node "$HERE/readme-snippets.mjs" "$SCRATCH" "$ROOT"

echo "--> done in $SECONDS s"
for name in "${not_run[@]}"; do echo "did not run: $name"; done
echo "pkg: $passed passed, $failed failed"
((failed == 0 && ${#not_run[@]} == 0))
