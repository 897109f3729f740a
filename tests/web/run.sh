#!/usr/bin/env bash
# The wasm tests of the Rust client (tests/web.rs) against the fake EvoLink server, in Node and in
# headless Chromium. Starts the server, exports its URL as EVOLINK_FAKE_BASE (the tests read it
# at compile time), builds the test once, then runs it with wasm-bindgen-test-runner (the
# `runner` in .cargo/config.toml): in Node, its default, then in Chromium through chromedriver
# (WASM_BINDGEN_USE_BROWSER=1; capabilities in webdriver.json). Prints
# "rust-wasm-node: N passed, M failed" and "rust-wasm-chromium: N passed, M failed"; exits 1 on
# any failure or any run that did not report. Logs: tests/artifacts/web/.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE=$ROOT/tests/web
LOGS=$ROOT/tests/artifacts/web
cd "$ROOT"
mkdir -p "$LOGS"

source "$ROOT/tests/fake-server/start.sh"
trap 'kill "${FAKE_PID:-}" 2>/dev/null || true; wait "${FAKE_PID:-}" 2>/dev/null || true' EXIT
trap 'exit 130' INT TERM
start_fake_server "$LOGS/fake-server.log" || exit 1
export EVOLINK_FAKE_BASE=$BASE
echo "--> fake server at $BASE"

echo "--> building tests/web.rs for wasm32"
timeout -k 10 900 cargo test --target wasm32-unknown-unknown --test web --no-run 2>&1 | tee "$LOGS/build.log" \
  || { echo "rust-wasm: the tests did not build (see ${LOGS#"$ROOT"/}/build.log)" >&2; exit 1; }

status=0
# run NAME SECONDS [ENV=VALUE…]: runs the suite with those variables, then prints its summary
# line from the harness's "test result:" line.
run() {
  local name=$1 seconds=$2 log=$LOGS/$1.log rc result
  shift 2
  echo "--> $name"
  set +e
  SECONDS=0
  env "$@" timeout -k 10 "$seconds" cargo test --target wasm32-unknown-unknown --test web > "$log" 2>&1
  rc=$?
  local took=$SECONDS
  set -e
  grep -E '^test .* \.\.\. (FAIL|FAILED|ignored)$' "$log" || true
  result=$(grep -E '^test result: ' "$log" | tail -1 || true)
  if [[ $result =~ ([0-9]+)\ passed\;\ ([0-9]+)\ failed ]]; then
    echo "    took $took s (log: ${log#"$ROOT"/})"
    echo "$name: ${BASH_REMATCH[1]} passed, ${BASH_REMATCH[2]} failed"
    if ((rc != 0 || BASH_REMATCH[2] > 0 || BASH_REMATCH[1] == 0)); then
      sed -n '/^failures:/,$p' "$log" | head -80 || true
      status=1
    fi
  else
    if ((rc == 124)); then echo "did not run: $name (timed out after $seconds s)"; else echo "did not run: $name (exit $rc)"; fi
    tail -40 "$log" || true
    status=1
  fi
}

run rust-wasm-node 180
run rust-wasm-chromium 240 WASM_BINDGEN_USE_BROWSER=1 CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}" \
  WASM_BINDGEN_TEST_WEBDRIVER_JSON="$HERE/webdriver.json"
# The runner falls back to Node if it is not told about the browser: make sure it was not.
if ! grep -q '^Running headless tests in Chrome' "$LOGS/rust-wasm-chromium.log"; then
  echo "rust-wasm-chromium: the runner did not start Chromium" >&2
  status=1
fi
exit "$status"
