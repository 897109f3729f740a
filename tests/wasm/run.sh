#!/usr/bin/env bash
# Runs the wasm-bindgen-test suite (tests/wasm/main.rs) in every host: Node, a headless Chromium
# page, and a dedicated worker in that Chromium. Same tests, three hosts.
set -euo pipefail
cd "$(dirname "$0")/../.."
export CHROMEDRIVER=/usr/bin/chromedriver
export WASM_BINDGEN_TEST_WEBDRIVER_JSON="$PWD/tests/wasm/webdriver.json"
export WASM_BINDGEN_TEST_TIMEOUT=60
run() {
  echo "--> wasm tests in $1"
  shift
  env "$@" timeout 300 cargo test --target wasm32-unknown-unknown --test wasm
}
run node WASM_BINDGEN_TEST_ONLY_NODE=1
run chromium WASM_BINDGEN_USE_BROWSER=1
run "a dedicated worker" WASM_BINDGEN_USE_DEDICATED_WORKER=1
