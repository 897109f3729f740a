#!/usr/bin/env bash
# The example Cloudflare Worker (examples/worker) inside workerd, against the fake EvoLink server.
# Packs pkg/ and installs the tarball (only it, offline) into a fresh copy of the example under
# tests/artifacts/worker, bundles src/index.mjs with esbuild as Wrangler would (conditions
# workerd,worker,browser; the .wasm and cloudflare:* left as separate modules), serves it with
# `workerd serve workerd.capnp` twice — with the TASKS Durable Object binding and without it
# (memory fallback) — on free loopback ports, and drives both over HTTP with worker.test.mjs
# (node:test). Prints "worker: N passed, M failed" last; exits non-zero on any failure.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE=$ROOT/tests/worker
EXAMPLE=$ROOT/examples/worker
BIN=$ROOT/node_modules/.bin
SCRATCH=$ROOT/tests/artifacts/worker

[[ -f $ROOT/pkg/evolink_tasks.wasm ]] || { echo "pkg/ is not built: run make pkg" >&2; exit 1; }
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

echo "--> bundling src/index.mjs as Wrangler would"
timeout 60 "$BIN/esbuild" src/index.mjs --bundle --format=esm --platform=neutral \
  --main-fields=module,main --conditions=workerd,worker,browser \
  --external:'*.wasm' --external:'cloudflare:*' --outfile=dist/worker.mjs --log-level=warning
grep -qE 'from ?"\./evolink_tasks\.wasm"' dist/worker.mjs \
  || { echo "the bundle does not import ./evolink_tasks.wasm: esbuild did not pick workerd.mjs" >&2; exit 1; }

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
start_fake_server logs/fake-server.log && started=1
pids+=("$FAKE_PID")
((started)) || exit 1

echo "--> starting workerd"
read -r port_do port_memory < <(node -e '
  const net = require("net");
  const free = () => new Promise((ok) => { const s = net.createServer().listen(0, "127.0.0.1", () => { const { port } = s.address(); s.close(() => ok(port)); }); });
  Promise.all([free(), free()]).then((p) => console.log(p.join(" ")));')
KEY="sk-test-$(node -e 'console.log(require("crypto").randomBytes(12).toString("hex"))')"
EVOLINK_API_KEY=$KEY EVOLINK_BASE_URL=$BASE "$BIN/workerd" serve workerd.capnp \
  --socket-addr "do=127.0.0.1:$port_do" --socket-addr "memory=127.0.0.1:$port_memory" \
  > logs/workerd.log 2>&1 &
pids+=($!)
up=0
for _ in $(seq 200); do
  kill -0 "${pids[1]}" 2>/dev/null || break
  if (exec 3<>"/dev/tcp/127.0.0.1/$port_do") 2>/dev/null && (exec 3<>"/dev/tcp/127.0.0.1/$port_memory") 2>/dev/null; then
    up=1; break
  fi
  sleep 0.1
done
((up)) || { echo "workerd did not start" >&2; cat logs/workerd.log >&2; exit 1; }
echo "    fake server $BASE, worker with TASKS :$port_do, without :$port_memory"

echo "--> driving the worker"
set +e
BASE=$BASE KEY=$KEY WORKERD_LOG=$SCRATCH/logs/workerd.log \
  WORKER_DO=http://127.0.0.1:$port_do WORKER_MEMORY=http://127.0.0.1:$port_memory \
  timeout -k 5 120 node --test --test-reporter=tap --unhandled-rejections=strict worker.test.mjs \
  > logs/test.log 2>&1
rc=$?
set -e
grep -E '^(not ok|# (tests|pass|fail|duration_ms)) ' logs/test.log || true
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
