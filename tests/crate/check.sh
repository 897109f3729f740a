#!/usr/bin/env bash
# The crate as a Rust user gets it (`cargo package`): it ships the sources, the JavaScript snippet
# that src/web/sys.rs binds (`module = "/src/js/errors.js"`), the README, the licences and the
# changelog, and nothing of the npm package, tests, benches, demo or images; Cargo.toml names its
# repository and documentation; and the packaged crate, unpacked on its own, builds for wasm32
# (`cargo package` verifies it for that target, offline, in target/crate). Prints
# "crate: N passed, M failed"; exits 1 on any failure.
#
# CRATE_BUILD=0 skips the build (the file list and fields take a second; the build about 30 s
# cold, a few seconds after that).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"

passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok - $1"; }
not_ok() { failed=$((failed + 1)); echo "not ok - $1"; }

echo "--> cargo package --list"
list=$(cargo package --list --allow-dirty --offline --quiet)

for file in Cargo.toml README.md CHANGELOG.md LICENSE-MIT LICENSE-APACHE src/lib.rs src/web/sys.rs src/js/errors.js; do
  if grep -qxF "$file" <<< "$list"; then ok "ships $file"; else not_ok "ships $file"; fi
done

# Everything else: npm tooling and the package, tests, benches, the demo, the example worker,
# images, build scripts. Only .rs sources, errors.js and the top-level files above may ship.
unwanted=$(grep -vxE 'Cargo\.toml|Cargo\.toml\.orig|Cargo\.lock|\.cargo_vcs_info\.json|README\.md|CHANGELOG\.md|LICENSE-MIT|LICENSE-APACHE|src/.*\.rs|src/js/errors\.js' <<< "$list" || true)
if [[ -z $unwanted ]]; then
  ok "ships nothing else"
else
  not_ok "ships nothing else; also shipped:"
  sed 's/^/    /' <<< "$unwanted"
fi
for dir in bench www tests docs examples scripts pkg node_modules; do
  if grep -q "^$dir/" <<< "$list"; then not_ok "no $dir/"; else ok "no $dir/"; fi
done
for file in package.json package-lock.json Makefile; do
  if grep -qxF "$file" <<< "$list"; then not_ok "no $file"; else ok "no $file"; fi
done

echo "--> Cargo.toml's [package] fields"
metadata=$(cargo metadata --no-deps --format-version 1 --offline)
for field in repository documentation homepage license; do
  value=$(node -e 'const m = JSON.parse(process.argv[1]); const p = m.packages.find((p) => p.name === "evolink-tasks"); console.log(p[process.argv[2]] ?? "")' "$metadata" "$field")
  if [[ -n $value ]]; then ok "$field = $value"; else not_ok "$field is set"; fi
done

if [[ ${CRATE_BUILD:-1} != 0 ]]; then
  echo "--> cargo package, verified by building the unpacked crate for wasm32"
  # The example (bench/schedule_sim.rs) and the tests are left out on purpose: cargo says so.
  rc=0
  out=$(CARGO_TARGET_DIR=$ROOT/target/crate cargo package --allow-dirty --offline --quiet \
    --target wasm32-unknown-unknown 2>&1) || rc=$?
  out=$(grep -v '^warning: ignoring \(example\|test\) .* is not included in the published package$' <<< "$out" || true)
  [[ -z $out ]] || echo "$out"
  if ((rc == 0)); then ok "the packaged crate builds for wasm32"; else not_ok "the packaged crate builds for wasm32"; fi
fi

echo "crate: $passed passed, $failed failed"
((failed == 0))
