# The two commands that matter: `make demo` and `make test`. Everything installs on first use.
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
WASM := target/wasm32-unknown-unknown/release/evolink_tasks.wasm
BIN := node_modules/.bin
# wasm-opt for size, except that a function with one caller is inlined only when it is small
# (-ocimfs 20): inlining the large ones shrinks the raw wasm but grows its brotli size, which is
# what a browser downloads (measured: 212.5 → 216.5 kB raw, 76.1 → 73.4 kB brotli). bench/ reads
# this line to build the floor and the named wasm the same way.
WASM_OPT_FLAGS := -Oz -ocimfs 20 --enable-reference-types --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals --enable-multivalue

.PHONY: setup pkg test test-native test-wasm test-pkg test-bundlers test-worker test-demo lint demo bench fuzz clean

setup:
	@scripts/setup.sh

## pkg: build the npm package into pkg/
pkg: setup
	@echo "==> building the wasm (release, size profile)"
	cargo build --quiet --release --target wasm32-unknown-unknown --lib
	rm -rf target/bindgen
	wasm-bindgen --target web --out-dir target/bindgen --no-typescript $(WASM)
	$(BIN)/wasm-opt $(WASM_OPT_FLAGS) \
	  --strip-debug --strip-producers --strip-target-features target/bindgen/evolink_tasks_bg.wasm -o pkg/evolink_tasks.wasm
	node scripts/build-pkg.mjs
	@node scripts/size.mjs

## test: everything, as CI runs it
test: setup lint test-native test-wasm test-pkg test-bundlers test-worker test-demo
	@echo "==> all tests passed"

lint:
	@echo "==> cargo fmt, clippy (host and wasm32)"
	cargo fmt --check
	cargo clippy --quiet --all-targets -- -D warnings
	cargo clippy --quiet --target wasm32-unknown-unknown --lib --test web -- -D warnings

test-native:
	@echo "==> core tests (native)"
	cargo test --quiet
	@echo "==> the crate as published (cargo package: files, fields, wasm32 build)"
	tests/crate/check.sh
	@echo "==> fake server self-test"
	node --test --test-reporter=dot tests/fake-server/

test-wasm: setup
	@echo "==> the Rust client (tests/web.rs) in Node and headless Chromium, with wasm-bindgen-test"
	tests/web/run.sh

test-pkg: pkg
	@echo "==> the packed package in Node (ESM, CJS), Deno, workerd, Chromium (page, Vite), tsc"
	tests/pkg/run.sh

## test-bundlers: a tiny app per bundler and Next.js (Turbopack, webpack), built at the tools'
## defaults, run in Chromium and hit with requests (about 3 minutes here; the time box kills a stuck build)
test-bundlers: pkg
	@echo "==> the packed package bundled by esbuild, Bun, Rollup, Parcel, webpack, Vite and Next.js"
	timeout -k 10 1800 node tests/bundlers/run.mjs

test-worker: pkg
	@echo "==> the edge worker example inside workerd"
	tests/worker/run.sh

test-demo: pkg
	@echo "==> the demo page in Chromium"
	node tests/demo/run.mjs

demo: pkg
	node www/serve.mjs

bench: pkg
	node bench/run.mjs

## fuzz: the fuzz harness, FUZZ_SECONDS per target (default 100: about 8 minutes for its 5 targets)
fuzz:
	FUZZ_SECONDS=$${FUZZ_SECONDS:-100} cargo test --release --test fuzz -- --nocapture --test-threads=1

clean:
	rm -rf target pkg/*.mjs pkg/*.cjs pkg/*.wasm pkg/*.d.ts pkg/*.d.cts pkg/README.md pkg/CHANGELOG.md pkg/LICENSE-MIT pkg/LICENSE-APACHE tests/artifacts
