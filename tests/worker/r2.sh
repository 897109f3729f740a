#!/usr/bin/env bash
# The example worker's saved results (issue 21: RESULTS, an R2 bucket) with a real local R2:
# raw workerd has none, so the bundle is served by Miniflare (Cloudflare's local simulator, the
# engine of `wrangler dev`) with an R2 bucket, Durable Objects and their storage persisted in a
# temporary directory, against the fake EvoLink server and its result files. Bundled as run.sh
# does: the packed package installed (offline) into a copy of the example under
# tests/artifacts/worker-r2, then the real `wrangler deploy --dry-run --outdir dist`.
# r2.test.mjs starts the Miniflare instances itself (see there) and drives them over HTTP.
# Arguments go to `node --test`. Prints "worker r2: N passed, M failed" last.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE=$ROOT/tests/worker
EXAMPLE=$ROOT/examples/worker
BIN=$ROOT/node_modules/.bin
SCRATCH=$ROOT/tests/artifacts/worker-r2

[[ -f $ROOT/pkg/evolink_tasks.wasm ]] || { echo "pkg/ is not built: run make pkg" >&2; exit 1; }
[[ -x $BIN/wrangler && -d $ROOT/node_modules/miniflare ]] || { echo "wrangler or miniflare is not installed: run make setup (npm ci)" >&2; exit 1; }

echo "--> installing the packed package into a copy of the example (${SCRATCH#"$ROOT"/})"
rm -rf "$SCRATCH"
mkdir -p "$SCRATCH/logs"
cp -r "$EXAMPLE/src" "$EXAMPLE/wrangler.toml" "$EXAMPLE/package.json" "$SCRATCH/"
cd "$SCRATCH"
node -e '
  const fs = require("fs"); const p = JSON.parse(fs.readFileSync("package.json", "utf8"));
  delete p.dependencies["evolink-tasks"]; delete p.devDependencies;
  fs.writeFileSync("package.json", JSON.stringify(p, null, 2));'
tarball=$(timeout 60 npm pack "$ROOT/pkg" --pack-destination . --silent)
timeout 60 npm install --offline --no-audit --no-fund --loglevel=error "./$tarball"
cp "$HERE/r2.test.mjs" .

echo "--> bundling with wrangler deploy --dry-run"
WRANGLER_SEND_METRICS=false WRANGLER_SEND_ERROR_REPORTS=false WRANGLER_HIDE_BANNER=true \
  XDG_CONFIG_HOME=$SCRATCH/.config WRANGLER_LOG_PATH=$SCRATCH/logs/wrangler.log \
  timeout 120 "$BIN/wrangler" deploy --dry-run --outdir dist > logs/wrangler.out 2>&1 \
  || { cat logs/wrangler.out >&2; exit 1; }
wasm=$(cd dist && ls -- *.wasm)
[[ $(wc -l <<< "$wasm") == 1 && -n $wasm ]] || { echo "wrangler's output has not one .wasm: $wasm" >&2; exit 1; }

pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "--> starting the fake server"
source "$ROOT/tests/fake-server/start.sh"
started=0
start_fake_server logs/fake-server.log --evolink-ids && started=1
pids+=("$FAKE_PID")
((started)) || exit 1

echo "--> driving the worker in Miniflare $(node -p "require('$ROOT/node_modules/miniflare/package.json').version")"
random() { node -e 'console.log(require("crypto").randomBytes(12).toString("hex"))'; }
set +e
env BASE="$BASE" KEY="sk-test-$(random)" SERVER_TOKEN="server-token-$(random)" CALLBACK_SECRET="callback-secret-$(random)" \
  DIST="$SCRATCH/dist" WASM="$wasm" PERSIST="$SCRATCH/persist" ROOT="$ROOT" \
  REPORT="$SCRATCH/logs/report.txt" LOGS="$SCRATCH/logs" \
  timeout -k 5 240 node --test --test-reporter=tap --unhandled-rejections=strict "$@" r2.test.mjs \
  > logs/test.log 2>&1
rc=$?
set -e
grep -E '^(not ok|# (tests|pass|fail|duration_ms)) ' logs/test.log || true
if [[ -f logs/report.txt ]]; then cat logs/report.txt; fi
if grep -q '^not ok' logs/test.log; then
  echo "--- failures (logs/test.log)"; grep -A25 '^ *not ok' logs/test.log | head -150
  for log in logs/workerd-*.log; do echo "--- $log (last lines)"; tail -5 "$log"; done
fi
passed=$(sed -n 's/^# pass //p' logs/test.log)
failed=$(sed -n 's/^# fail //p' logs/test.log)
if [[ -z $passed ]]; then
  echo "the test run did not report (exit $rc)"; tail -20 logs/test.log; passed=0 failed=${failed:-1}
elif ((rc != 0 && failed == 0)); then
  echo "the test run exited $rc without reporting a failure"; failed=1
fi
echo "--> done in $SECONDS s"
echo "worker r2: $passed passed, $failed failed"
((failed == 0))
