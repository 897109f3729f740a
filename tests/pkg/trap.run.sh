#!/usr/bin/env bash
# A trap never becomes a hang (run by run.sh): builds the wasm with `--features trap-test`
# (`make trap-wasm`), where
# getTask('trap-panic') panics inside its future and getTask('trap-unreachable') traps at once
# (src/web/client.rs), runs wasm-bindgen on it into target/trap-test/, bundles that glue, and runs
# trap.test.mjs against it in Node (TAP: run.sh counts its "# pass" and "# fail" lines).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=$ROOT/target/trap-test
cd "$ROOT"
rm -rf "$OUT"
# Built as the package's wasm is (the toolchain and flags of `make pkg`: with nightly, a panic
# aborts at once, and the trap is seen as a RuntimeError), then the package's build again.
make -s --no-print-directory trap-wasm
wasm-bindgen --target web --out-dir "$OUT/bindgen" --no-typescript "$OUT/trap.wasm"
# One file, glue and errors.js together, as scripts/build-pkg.mjs bundles every entry (the trap
# monitor knows the package's own errors by the file they come from).
"$ROOT/node_modules/.bin/esbuild" "$OUT/bindgen/trap.js" --bundle --format=esm --platform=node \
  --outfile="$OUT/trap.bundle.mjs" --log-level=error
# The nightly build (the default, as the package's) aborts at a panic without running the hook
# that reports its message: the trap is named by its RuntimeError ("unreachable") instead.
PANIC_MESSAGE=$([[ ${NIGHTLY:-1} == 0 ]] && echo kept || echo lost) \
GLUE=$OUT/trap.bundle.mjs WASM=$OUT/bindgen/trap_bg.wasm node --test --test-reporter=tap --unhandled-rejections=strict "$ROOT/tests/pkg/trap.test.mjs"
