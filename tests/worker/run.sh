#!/usr/bin/env bash
# The example Cloudflare Worker (examples/worker) inside workerd, against the fake EvoLink server.
# Packs pkg/ and installs the tarball (only it, offline) into a fresh copy of the example under
# tests/artifacts/worker, bundles it with the real `wrangler deploy --dry-run --outdir dist` (as
# users deploy it; no account, no network: metrics, error reports and the update check are off),
# serves that output with `workerd serve workerd.capnp` — one socket per configuration (see the
# config) on free loopback ports — and drives them over HTTP with worker.test.mjs (node:test),
# against the fake server giving task ids EvoLink's shape (--evolink-ids).
# Arguments go to `node --test` (e.g. --test-name-pattern=alarms to run some tests only).
# Prints "worker: N passed, M failed" last; exits non-zero on any failure.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE=$ROOT/tests/worker
EXAMPLE=$ROOT/examples/worker
BIN=$ROOT/node_modules/.bin
SCRATCH=$ROOT/tests/artifacts/worker
source "$HERE/lib.sh"

[[ -f $ROOT/pkg/evolink_tasks.wasm ]] || { echo "pkg/ is not built: run make pkg" >&2; exit 1; }
[[ -x $BIN/wrangler ]] || { echo "wrangler is not installed: run make setup (npm ci)" >&2; exit 1; }
date_of() { sed -n 's/^ *compatibility_\?[dD]ate *= *"\([0-9-]*\)".*/\1/p' "$1" | sort -u; }
if [[ $(date_of "$EXAMPLE/wrangler.toml") != "$(date_of "$HERE/workerd.capnp")" ]]; then
  echo "the compatibility dates of wrangler.toml and workerd.capnp differ" >&2; exit 1
fi

install_example worker.test.mjs workerd.capnp
bundle_with_wrangler
grep -qF "from \"./$wasm\"" dist/index.js \
  || { echo "dist/index.js does not import ./$wasm: wrangler did not pick the workerd entry" >&2; exit 1; }
sed -i "s/WASM_MODULE/$wasm/g" workerd.capnp

start_fake_evolink

echo "--> starting workerd"
SOCKETS=(main twin alarms fast limits turnstile nokey nocaller gateway)
read -r -a ports < <(node -e '
  const net = require("net");
  const free = () => new Promise((ok) => { const s = net.createServer().listen(0, "127.0.0.1", () => { const { port } = s.address(); s.close(() => ok(port)); }); });
  Promise.all(Array.from({ length: Number(process.argv[1]) }, free)).then((p) => console.log(p.join(" ")));' "${#SOCKETS[@]}")
KEY="sk-test-$(random)"
SERVER_TOKEN="server-token-$(random)"
CALLBACK_SECRET="callback-secret-$(random)"
GATEWAY_PATH="gw-$(random)" # a secret path in the gateway configuration's EVOLINK_BASE_URL
mkdir -p do-storage
args=(--directory-path "do-storage=$SCRATCH/do-storage")
urls=()
for i in "${!SOCKETS[@]}"; do
  args+=(--socket-addr "${SOCKETS[i]}=127.0.0.1:${ports[i]}")
  urls+=("WORKER_${SOCKETS[i]^^}=http://127.0.0.1:${ports[i]}")
done
EVOLINK_API_KEY=$KEY EVOLINK_BASE_URL=$BASE SERVER_TOKEN=$SERVER_TOKEN CALLBACK_SECRET=$CALLBACK_SECRET \
  TURNSTILE_VERIFY_URL=$BASE/turnstile/v0/siteverify EVOLINK_GATEWAY_URL=$BASE/$GATEWAY_PATH \
  "$BIN/workerd" serve workerd.capnp "${args[@]}" > logs/workerd.log 2>&1 &
pids+=($!)
up=0
for _ in $(seq 200); do
  kill -0 "${pids[1]}" 2>/dev/null || break
  up=1
  for port in "${ports[@]}"; do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { up=0; break; }
  done
  ((up)) && break
  sleep 0.1
done
((up)) || { echo "workerd did not start" >&2; cat logs/workerd.log >&2; exit 1; }
echo "    fake server $BASE, worker sockets: ${urls[*]}"

echo "--> driving the worker"
set +e
env BASE="$BASE" KEY="$KEY" SERVER_TOKEN="$SERVER_TOKEN" CALLBACK_SECRET="$CALLBACK_SECRET" \
  GATEWAY_PATH="$GATEWAY_PATH" DO_STORAGE="$SCRATCH/do-storage" WORKERD_LOG="$SCRATCH/logs/workerd.log" REPORT="$SCRATCH/logs/report.txt" "${urls[@]}" \
  timeout -k 5 300 node --test --test-reporter=tap --unhandled-rejections=strict "$@" worker.test.mjs \
  > logs/test.log 2>&1
rc=$?
set -e
summarise_tests worker "$rc"
