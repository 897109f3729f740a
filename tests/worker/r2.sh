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
source "$HERE/lib.sh"

[[ -f $ROOT/pkg/evolink_tasks.wasm ]] || { echo "pkg/ is not built: run make pkg" >&2; exit 1; }
[[ -x $BIN/wrangler && -d $ROOT/node_modules/miniflare ]] || { echo "wrangler or miniflare is not installed: run make setup (npm ci)" >&2; exit 1; }

install_example r2.test.mjs
bundle_with_wrangler
start_fake_evolink

echo "--> driving the worker in Miniflare $(node -p "require('$ROOT/node_modules/miniflare/package.json').version")"
set +e
env BASE="$BASE" KEY="sk-test-$(random)" SERVER_TOKEN="server-token-$(random)" CALLBACK_SECRET="callback-secret-$(random)" \
  DIST="$SCRATCH/dist" WASM="$wasm" PERSIST="$SCRATCH/persist" ROOT="$ROOT" \
  REPORT="$SCRATCH/logs/report.txt" LOGS="$SCRATCH/logs" \
  timeout -k 5 240 node --test --test-reporter=tap --unhandled-rejections=strict "$@" r2.test.mjs \
  > logs/test.log 2>&1
rc=$?
set -e
summarise_tests 'worker r2' "$rc" 'logs/workerd-*.log'
