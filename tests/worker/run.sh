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

[[ -f $ROOT/pkg/evolink_tasks.wasm ]] || { echo "pkg/ is not built: run make pkg" >&2; exit 1; }
[[ -x $BIN/wrangler ]] || { echo "wrangler is not installed: run make setup (npm ci)" >&2; exit 1; }
date_of() { sed -n 's/^ *compatibility_\?[dD]ate *= *"\([0-9-]*\)".*/\1/p' "$1" | sort -u; }
if [[ $(date_of "$EXAMPLE/wrangler.toml") != "$(date_of "$HERE/workerd.capnp")" ]]; then
  echo "the compatibility dates of wrangler.toml and workerd.capnp differ" >&2; exit 1
fi

echo "--> installing the packed package into a copy of the example (${SCRATCH#"$ROOT"/})"
rm -rf "$SCRATCH"
mkdir -p "$SCRATCH/logs"
cp -r "$EXAMPLE/src" "$EXAMPLE/wrangler.toml" "$EXAMPLE/package.json" "$SCRATCH/"
cd "$SCRATCH"
# The example depends on evolink-tasks (and wrangler, for its users): keep only the tarball.
node -e '
  const fs = require("fs"); const p = JSON.parse(fs.readFileSync("package.json", "utf8"));
  if (!p.dependencies?.["evolink-tasks"]) throw new Error("the example does not depend on evolink-tasks");
  delete p.dependencies["evolink-tasks"]; delete p.devDependencies;
  fs.writeFileSync("package.json", JSON.stringify(p, null, 2));'
tarball=$(timeout 60 npm pack "$ROOT/pkg" --pack-destination . --silent)
timeout 60 npm install --offline --no-audit --no-fund --loglevel=error "./$tarball"
cp "$HERE/worker.test.mjs" "$HERE/workerd.capnp" .

echo "--> bundling with wrangler deploy --dry-run"
WRANGLER_SEND_METRICS=false WRANGLER_SEND_ERROR_REPORTS=false WRANGLER_HIDE_BANNER=true \
  XDG_CONFIG_HOME=$SCRATCH/.config WRANGLER_LOG_PATH=$SCRATCH/logs/wrangler.log \
  timeout 120 "$BIN/wrangler" deploy --dry-run --outdir dist > logs/wrangler.out 2>&1 \
  || { cat logs/wrangler.out >&2; exit 1; }
wasm=$(cd dist && ls -- *.wasm)
[[ $(wc -l <<< "$wasm") == 1 && -n $wasm ]] || { echo "wrangler's output has not one .wasm: $wasm" >&2; exit 1; }
grep -qF "from \"./$wasm\"" dist/index.js \
  || { echo "dist/index.js does not import ./$wasm: wrangler did not pick the workerd entry" >&2; exit 1; }
sed -i "s/WASM_MODULE/$wasm/g" workerd.capnp

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

echo "--> starting workerd"
SOCKETS=(main twin alarms fast limits turnstile nokey nocaller gateway)
read -r -a ports < <(node -e '
  const net = require("net");
  const free = () => new Promise((ok) => { const s = net.createServer().listen(0, "127.0.0.1", () => { const { port } = s.address(); s.close(() => ok(port)); }); });
  Promise.all(Array.from({ length: Number(process.argv[1]) }, free)).then((p) => console.log(p.join(" ")));' "${#SOCKETS[@]}")
random() { node -e 'console.log(require("crypto").randomBytes(12).toString("hex"))'; }
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
grep -E '^(not ok|# (tests|pass|fail|duration_ms)) ' logs/test.log || true
if [[ -f logs/report.txt ]]; then cat logs/report.txt; fi
if grep -q '^not ok' logs/test.log; then
  echo "--- failures (logs/test.log)"; grep -A25 '^ *not ok' logs/test.log | head -150
fi
passed=$(sed -n 's/^# pass //p' logs/test.log)
failed=$(sed -n 's/^# fail //p' logs/test.log)
if [[ -z $passed ]]; then
  echo "the test run did not report (exit $rc)"; tail -20 logs/test.log; passed=0 failed=${failed:-1}
elif ((rc != 0 && failed == 0)); then
  echo "the test run exited $rc without reporting a failure"; failed=1
fi
echo "--> done in $SECONDS s"
echo "worker: $passed passed, $failed failed"
((failed == 0))
