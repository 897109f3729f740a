# The two commands that matter: `make demo` and `make test`. Everything installs on first use.
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
# The npm artifact's wasm is built by the nightly toolchain with the standard library rebuilt for
# size (10 kB less brotli; scripts/setup.sh installs what it needs; the README's "How it is
# built" says what it buys and risks). `make pkg NIGHTLY=0` builds it with stable, as
# everything else here is.
NIGHTLY ?= 1
export NIGHTLY # tests/pkg/trap.run.sh builds as pkg does, and says what that keeps
# The nightly it is built and tested with, pinned: a newer one may rename or drop the flags below.
# (1.97.0-nightly, e50aa6fba of 2026-05-19; scripts/setup.sh installs it and reads it here.)
NIGHTLY_TOOLCHAIN := nightly-2026-05-20
export NIGHTLY_TOOLCHAIN
ifeq ($(NIGHTLY),0)
PKG_CARGO := cargo
PKG_TARGET := target
else
PKG_CARGO := cargo +$(NIGHTLY_TOOLCHAIN)
PKG_TARGET := target/nightly
PKG_CARGO_FLAGS := --target-dir $(PKG_TARGET) -Zbuild-std=std,panic_abort -Zbuild-std-features=optimize_for_size \
  --config 'target.wasm32-unknown-unknown.rustflags=["-Zunstable-options", "-Cpanic=immediate-abort", "-Zfmt-debug=none", "-Zlocation-detail=none"]'
endif
WASM := $(PKG_TARGET)/wasm32-unknown-unknown/release/evolink_tasks.wasm
BIN := node_modules/.bin
# wasm-opt for what a browser downloads (brotli), not for raw bytes: a function with one caller
# is inlined only when it is small (-ocimfs 20): inlining the large ones shrinks the raw wasm but
# grows its brotli size (measured: 212.5 → 216.5 kB raw, 76.1 → 73.4 kB brotli); -Os with the
# passes run until nothing changes (--converge) rather than -Oz (measured: 188.4 → 191.3 kB raw,
# 65.8 → 65.3 kB brotli). bench/ reads this line to build the floor and the named wasm the same way.
WASM_OPT_FLAGS := -Os -ocimfs 20 --converge --enable-reference-types --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals --enable-multivalue

.PHONY: setup pkg trap-wasm test test-native test-wasm test-pkg test-isolate test-bundlers test-worker test-demo test-frontend lint demo bench fuzz clean

setup:
	@scripts/setup.sh

## pkg: build the npm package into pkg/
pkg: setup
	@echo "==> building the wasm (release, size profile)"
	$(PKG_CARGO) build --quiet --release --target wasm32-unknown-unknown --lib $(PKG_CARGO_FLAGS)
	rm -rf target/bindgen
	wasm-bindgen --target web --out-dir target/bindgen --no-typescript $(WASM)
	$(BIN)/wasm-opt $(WASM_OPT_FLAGS) \
	  --strip-debug --strip-producers --strip-target-features target/bindgen/evolink_tasks_bg.wasm -o pkg/evolink_tasks.wasm
	node scripts/build-pkg.mjs
	@node scripts/size.mjs

## trap-wasm: the wasm with --features trap-test (it traps on purpose), built as pkg's is, into
## target/trap-test/trap.wasm (for tests/pkg/trap.run.sh)
trap-wasm: setup
	$(PKG_CARGO) build --quiet --release --target wasm32-unknown-unknown --lib --features trap-test $(PKG_CARGO_FLAGS)
	mkdir -p target/trap-test && cp $(WASM) target/trap-test/trap.wasm
	$(PKG_CARGO) build --quiet --release --target wasm32-unknown-unknown --lib $(PKG_CARGO_FLAGS)

## test: everything, as CI runs it
test: setup lint test-native test-wasm test-pkg test-isolate test-bundlers test-worker test-demo test-frontend
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

test-isolate: pkg
	@echo "==> clients kept for a Workers isolate's life (module scope, Durable Object), in workerd"
	node tests/isolate/run.mjs

## test-bundlers: a tiny app per bundler and Next.js (Turbopack, webpack), built at the tools'
## defaults, run in Chromium and hit with requests (about 3 minutes here; the time box kills a stuck build)
test-bundlers: pkg
	@echo "==> the packed package bundled by esbuild, Bun, Rollup, Parcel, webpack, Vite and Next.js"
	timeout -k 10 1800 node tests/bundlers/run.mjs

test-worker: pkg
	@echo "==> the edge worker example inside workerd"
	tests/worker/run.sh
	tests/worker/r2.sh  # its saved results with a local R2, in Miniflare

test-demo: pkg
	@echo "==> the demo page in Chromium"
	node tests/demo/run.mjs

test-frontend: pkg
	@echo "==> in a web frontend: remembered tasks, tabs sharing a poll, the React hooks (Chromium, Node)"
	node tests/frontend/run.mjs

demo: pkg
	node www/serve.mjs

bench: pkg
	node bench/run.mjs

## fuzz: the fuzz harness, FUZZ_SECONDS per target (default 100: about 8 minutes for its 5 targets)
fuzz:
	FUZZ_SECONDS=$${FUZZ_SECONDS:-100} cargo test --release --test fuzz -- --nocapture --test-threads=1

clean:
	rm -rf target pkg/*.mjs pkg/*.cjs pkg/*.wasm pkg/*.d.ts pkg/*.d.cts pkg/README.md pkg/CHANGELOG.md pkg/LICENSE-MIT pkg/LICENSE-APACHE tests/artifacts
