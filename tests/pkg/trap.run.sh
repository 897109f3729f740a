#!/usr/bin/env bash
# A trap never becomes a hang (run by run.sh): builds the wasm with `--features trap-test`, where
# getTask('trap-panic') panics inside its future and getTask('trap-unreachable') traps at once
# (src/web/client.rs), runs wasm-bindgen on it into target/trap-test/, and runs trap.test.mjs
# against that glue in Node (TAP: run.sh counts its "# pass" and "# fail" lines).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=$ROOT/target/trap-test
cd "$ROOT"
cargo build --quiet --release --target wasm32-unknown-unknown --lib --features trap-test
rm -rf "$OUT" && mkdir -p "$OUT"
cp target/wasm32-unknown-unknown/release/evolink_tasks.wasm "$OUT/trap.wasm"
# The normal build again, so that the next `make pkg` finds it fresh.
cargo build --quiet --release --target wasm32-unknown-unknown --lib
wasm-bindgen --target web --out-dir "$OUT/bindgen" --no-typescript "$OUT/trap.wasm"
GLUE=$OUT/bindgen/trap.js node --test --test-reporter=tap --unhandled-rejections=strict "$ROOT/tests/pkg/trap.test.mjs"
