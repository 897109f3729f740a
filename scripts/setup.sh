#!/usr/bin/env bash
# Installs what building and testing need, skipping whatever is already there:
# the wasm32 target, the wasm-bindgen CLI and test runner at the version Cargo.toml pins, the
# npm dev tools from package-lock.json (esbuild, wasm-opt, Deno, workerd, Playwright's client),
# React for tests/frontend and the bundlers of tests/bundlers (each from its own lockfile), and
# (when root) Debian's Chromium and ChromeDriver.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '==> %s\n' "$*"; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# The npm artifact is built by the nightly toolchain with the standard library rebuilt
# (Makefile: NIGHTLY, NIGHTLY_TOOLCHAIN, the nightly pinned): its wasm32 target and the library's
# source. Not needed for `make pkg NIGHTLY=0`.
if [ "${NIGHTLY:-1}" != 0 ]; then
  nightly=${NIGHTLY_TOOLCHAIN:-$(sed -n 's/^NIGHTLY_TOOLCHAIN := //p' Makefile)}
  if ! rustup toolchain list | grep -q "^$nightly-"; then
    say "installing the $nightly toolchain (minimal profile)"
    rustup toolchain install "$nightly" --profile minimal --no-self-update
  fi
  if ! rustup +"$nightly" target list --installed | grep -qx wasm32-unknown-unknown; then
    rustup +"$nightly" target add wasm32-unknown-unknown
  fi
  if ! rustup +"$nightly" component list --installed | grep -q '^rust-src'; then
    rustup +"$nightly" component add rust-src
  fi
fi

# The CLI must be the very version of the wasm-bindgen crate (Cargo.toml pins it with `=`).
want=$(sed -n 's/^wasm-bindgen = "=\([0-9.]*\)"/\1/p' Cargo.toml)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$want" ]; then
  say "installing wasm-bindgen-cli $want (a few minutes, once)"
  cargo install --quiet wasm-bindgen-cli --version "$want"
fi

if [ ! -x node_modules/.bin/esbuild ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm dev tools from package-lock.json"
  npm ci --no-audit --no-fund
fi

# React 19 and Vite's React plugin for tests/frontend (the hooks' tests), pinned in its own lockfile.
if [ ! -d tests/frontend/node_modules/react ] || [ tests/frontend/package-lock.json -nt tests/frontend/node_modules/.package-lock.json ]; then
  say "installing the frontend tests' React from tests/frontend/package-lock.json"
  npm ci --prefix tests/frontend --no-audit --no-fund
fi

# The bundlers tests/bundlers builds its apps with, each pinned in its own lockfile.
if [ ! -x tests/bundlers/node_modules/.bin/next ] || [ tests/bundlers/package-lock.json -nt tests/bundlers/node_modules/.package-lock.json ]; then
  say "installing the bundlers of tests/bundlers from its package-lock.json"
  (cd tests/bundlers && npm ci --no-audit --no-fund)
fi

if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
  if [ "$(id -u)" = 0 ]; then
    say "installing Chromium from Debian"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
  else
    echo "Chromium is missing and this is not root: install chromium" >&2
    exit 1
  fi
fi

